"""The identity provider's signing keys (JWKS), fetched without blocking the event loop: kept by `kid`, fetched
again after a maximum age or for a `kid` not seen yet (at most once per refresh interval), one fetch at a time
shared by every request waiting for it, each bounded by a timeout."""
import asyncio
import logging
import time

import httpx
import jwt

log = logging.getLogger(__name__)


class KeysUnavailable(Exception):
    """The JWKS cannot be fetched, and no key it gave before matches."""


class JwksKeys:
    def __init__(self, url: str, *, timeout: float = 3.0, refresh_seconds: float = 30.0,
                 max_age_seconds: float = 3600.0, clock=time.monotonic):
        self.url, self.timeout = url, timeout
        self.refresh_seconds, self.max_age_seconds, self._clock = refresh_seconds, max_age_seconds, clock
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # the last fetch that worked
        self._tried_at: float | None = None  # the last fetch started, whatever came of it
        self._failed = False  # the last fetch failed
        self._fetch: asyncio.Task | None = None
        self._client: httpx.AsyncClient | None = None
        self.fetches = 0  # fetches started (tests and metrics)

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The key named `kid` (without a kid, the only key); None when the JWKS has no such key;
        KeysUnavailable when the JWKS cannot be fetched and no key held matches."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self.max_age_seconds
        if (stale or self._find(kid) is None) and self._may_fetch(now):
            await self._refreshed()
        if (key := self._find(kid)) is not None:
            return key  # a stale key still verifies while the JWKS is away
        if self._failed:
            raise KeysUnavailable(self.url)
        return None

    async def close(self) -> None:
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()
        if self._client is not None:
            await self._client.aclose()

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def _may_fetch(self, now: float) -> bool:
        in_flight = self._fetch is not None and not self._fetch.done()
        return in_flight or self._tried_at is None or now - self._tried_at >= self.refresh_seconds

    async def _refreshed(self) -> None:
        if self._fetch is None or self._fetch.done():
            self._tried_at = self._clock()
            self._fetch = asyncio.create_task(self._load())
        # shielded: a request that gives up does not cancel the fetch the others wait for
        await asyncio.shield(self._fetch)

    async def _load(self) -> None:
        self.fetches += 1
        try:
            async with asyncio.timeout(self.timeout):
                if self._client is None:
                    self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
                response = await self._client.get(self.url)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json()).keys
        except Exception as exc:  # whatever went wrong out there, the keys held so far stay
            self._failed = True
            log.warning("the JWKS could not be fetched (%s); next try in %s s at the earliest", type(exc).__name__,
                        self.refresh_seconds)
            return
        self._keys = {key.key_id: key for key in keys}
        self._fetched_at, self._failed = self._clock(), False
