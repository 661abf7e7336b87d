"""/healthz (process alive) and /readyz (database and Kafka reachable)."""
import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from shared.db import ping

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "database or Kafka unreachable"}})
async def readyz(request: Request):
    """Ready when the database answers and Kafka is reachable; 503 with the reasons otherwise."""
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
    if problems:
        return JSONResponse({"status": "unavailable", "checks": problems}, status_code=503)
    return {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}}
