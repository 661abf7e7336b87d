"""Rate limits per client (library `limits`): per address on the public routes and Open311, per caller on the
authenticated API. Health, readiness and metrics are never limited.

Counted in sliding window counters: a window's count plus the previous window's, weighted by how much of it
still overlaps. Exact moving windows cost about 140 µs a request in limits' memory store (it expires entries
on a worker thread after every hit), counters about 25 µs; the counters may let a burst across two windows
through a few requests early or late, which a guard against abuse can afford."""
import logging
import math
import time

from limits import RateLimitItem, parse
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import TooManyRequests
from shared.problems import MEDIA_TYPE, problem_for

log = logging.getLogger(__name__)
PUBLIC_PREFIXES = ("/v1/public/", "/open311/")
STORE_DOWN_LOG_SECONDS = 60
RESPONSES = {429: {
    "description": "over a rate limit: per client address on /v1/public and /open311 (JOINTSUP_RATE_LIMIT_PUBLIC), "
                   "per caller on the authenticated API (JOINTSUP_RATE_LIMIT_PRINCIPAL)",
    "headers": {"Retry-After": {"description": "seconds until a request is let through again",
                                "schema": {"type": "integer"}}},
    "content": {MEDIA_TYPE: {}}}}


def parse_rate(text: str) -> RateLimitItem:
    """A rate in the notation of `limits`: "40 per 2 seconds" lets 40 requests through in any 2 s (20/s, bursts
    of 40)."""
    return parse(text)


class RateLimits:
    """The limits of one service, counted in memory (per process) or in a store the replicas share (Redis)."""

    def __init__(self, *, public: str, principal: str, storage_url: str, key_prefix: str, service: str):
        # redis-py rather than limits' default Redis client (coredis): the one client most deployments know
        storage = storage_from_string(_async_uri(storage_url), wrap_exceptions=True, implementation="redispy")
        self.limiter = SlidingWindowCounterRateLimiter(storage)
        self.public, self.principal = parse_rate(public), parse_rate(principal)
        self.namespace = f"{key_prefix}:{service}"
        self._store_down_logged = 0.0

    async def hit(self, rate: RateLimitItem, kind: str, who: str) -> None:
        """Count one request of `who`; TooManyRequests when over `rate`. A store that does not answer lets the
        request through (limits are a guard, not a reason to stop serving)."""
        try:
            if await self.limiter.hit(rate, self.namespace, kind, who):
                return
            reset_at, _ = await self.limiter.get_window_stats(rate, self.namespace, kind, who)
        except StorageError as exc:
            if time.monotonic() - self._store_down_logged > STORE_DOWN_LOG_SECONDS:
                self._store_down_logged = time.monotonic()
                log.warning("rate limit store unavailable, not limiting: %s", type(exc.storage_error).__name__)
            return
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(f"over the limit of {rate.amount} requests per {rate.get_expiry()} s; "
                              f"retry after {retry_after} s", retry_after=retry_after)

    async def hit_principal(self, principal) -> None:
        """The authenticated API, per caller. The services' own calls (role `service`) follow the event
        stream, not a caller's choice, and are not limited."""
        if not principal.is_service:
            await self.hit(self.principal, "principal", principal.sub)


def _async_uri(url: str) -> str:
    return url if url.startswith("async+") else f"async+{url}"


class PublicRateLimit:
    """ASGI middleware: the public routes and Open311, per client address (uvicorn has already put the
    address a trusted proxy forwarded in `client`)."""

    def __init__(self, app: ASGIApp, *, limits: RateLimits):
        self.app, self.limits = app, limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PUBLIC_PREFIXES):
            client = scope.get("client") or ("unknown", 0)
            try:
                await self.limits.hit(self.limits.public, "address", client[0])
            except TooManyRequests as exc:
                return await problem_for(exc)(scope, receive, send)
        await self.app(scope, receive, send)
