"""/healthz (process and its background loops alive) and /readyz (that, and database and Kafka reachable)."""
import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.db import ping

router = APIRouter(tags=["health"])


@router.get("/healthz", responses={503: {"description": "a background loop ended: restarting brings it back"}})
async def healthz(request: Request):
    """The process is alive, its background loops (relay, consumers, sweepers) included: one that ended is a
    process that no longer does its work, which a restart mends, so it answers 503."""
    if ended := _ended_loops(request.app.state.runtime):
        return JSONResponse({"status": "broken", "checks": {"loops": ended}}, status_code=503)
    return {"status": "ok"}


def _ended_loops(runtime) -> str:
    return "; ".join(f"{name} ended: {why}" for name, why in sorted(runtime.ended_loops.items()))


@router.get("/readyz", responses={503: {"description": "database or Kafka unreachable, or a loop ended"}})
async def readyz(request: Request):
    """Ready when the database answers, Kafka is reachable and no background loop (relay, consumer, sweeper)
    has ended; 503 with the reasons otherwise (a restart brings an ended loop back)."""
    runtime = request.app.state.runtime
    problems: dict[str, str] = {}
    try:
        await ping(runtime.engine)
    except Exception as exc:
        problems["database"] = f"unreachable: {type(exc).__name__}"
    if not runtime.kafka_connected.is_set():
        problems["kafka"] = "not connected yet"
    else:
        try:
            await asyncio.wait_for(runtime.producer.client.fetch_all_metadata(), 2.0)
        except Exception as exc:
            problems["kafka"] = f"unreachable: {type(exc).__name__}"
    if ended := _ended_loops(runtime):
        problems["loops"] = ended
    if problems:
        return JSONResponse({"status": "unavailable", "checks": problems}, status_code=503)
    return {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}}
