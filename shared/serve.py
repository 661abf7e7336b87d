"""Run one service's app under uvicorn with the project's settings."""
import gc

import uvicorn

from shared.http_protocol import bounded_protocol
from shared.settings import ServiceSettings


def server_options(settings: ServiceSettings, **overrides) -> dict:
    """The uvicorn settings every service runs under (the tests' in-process services too)."""
    protocol = bounded_protocol(max_head_bytes=settings.http_max_head_bytes,
                                head_timeout_seconds=settings.http_head_timeout_seconds)
    return {"host": settings.host, "port": settings.port, "log_config": None, "access_log": False,
            "timeout_graceful_shutdown": 15, "timeout_keep_alive": settings.http_keep_alive_seconds,
            "http": protocol, "proxy_headers": True, "forwarded_allow_ips": settings.forwarded_allow_ips} | overrides


def serve(app, settings: ServiceSettings) -> None:
    """Serve until SIGINT/SIGTERM; uvicorn runs the lifespan (graceful shutdown)."""
    # Everything imported so far lives as long as the process: keep it out of the collector's full passes,
    # which otherwise scan it every time (about 100 ms each, the p99 of the read benchmarks).
    gc.freeze()
    uvicorn.run(app, **server_options(settings))
