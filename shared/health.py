"""/healthz (process alive) and /readyz (database and Kafka reachable, every background loop running)."""
import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.db import ping

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


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
    if runtime.ended_loops:
        problems["loops"] = "; ".join(f"{name} ended: {why}" for name, why in sorted(runtime.ended_loops.items()))
    if problems:
        return JSONResponse({"status": "unavailable", "checks": problems}, status_code=503)
    return {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}}
