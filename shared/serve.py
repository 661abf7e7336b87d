"""Run one service's app under uvicorn with the project's settings."""
import uvicorn

from shared.settings import ServiceSettings


def serve(app, settings: ServiceSettings) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn runs the lifespan (graceful shutdown)."""
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=15)
