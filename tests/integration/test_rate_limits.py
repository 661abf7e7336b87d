"""Rate limits over real HTTP: per client address on the public routes and Open311, per caller on the API."""
import asyncio
import logging
import time
from collections import Counter

import httpx
import pytest

from shared.broker import free_port
from shared.settings import ServiceSettings
from tests.conftest import service_settings, start_service, stop_service
from tests.support import auth, logged, unique

# keyed by environment name, as the suite's own (high) limits are (bench.LOAD_RATE_LIMITS)
DEFAULTS = {field.validation_alias: field.default for name, field in ServiceSettings.model_fields.items()
            if name in ("rate_limit_public", "rate_limit_principal")}
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def complaints_with(system, databases):
    """Start complaints services with the default limits and `settings`; stopped at the test's end."""
    started = []

    async def start(**settings):
        values = {**DEFAULTS, "rate_limit_key_prefix": unique("rl"), **settings}
        service = await start_service("complaints", service_settings(
            "complaints", database_url=databases.url(unique("complaints_rl")), bootstrap=system.broker.bootstrap,
            port=free_port(), **values))
        started.append(service)
        return service

    yield start
    for service in started:
        await stop_service(service)


def client(service, source: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client calling from `source` (any address of the loopback network)."""
    return httpx.AsyncClient(base_url=service.url, timeout=30,
                             transport=httpx.AsyncHTTPTransport(local_address=source))


async def at_window_start(seconds: int = 2) -> None:
    """Wait for a new window of the counters (they are aligned to the epoch), so that a test's bursts fall in one
    window: a burst across two is counted partly at the previous window's discount."""
    await asyncio.sleep(seconds - time.time() % seconds + 0.01)


async def burst(http: httpx.AsyncClient, count: int, path: str = "/v1/public/stats", **kwargs) -> list:
    return list(await asyncio.gather(*(http.get(path, **kwargs) for _ in range(count))))


async def test_the_41st_public_request_within_a_second_is_429_and_another_client_is_not_affected(complaints_with):
    service = await complaints_with()
    async with client(service) as first, client(service, "127.0.0.2") as second:
        await at_window_start()
        answers = await burst(first, 41)
        other = await second.get("/v1/public/stats")
        health = await burst(first, 60, "/healthz")
    assert Counter(r.status_code for r in answers) == {200: 40, 429: 1}
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 2 and refused.json()["retry_after"] >= 1
    assert other.status_code == 200
    assert {r.status_code for r in health} == {200}  # never limited


async def test_open311_is_limited_per_address_too(complaints_with):
    service = await complaints_with()
    async with client(service) as http:
        await at_window_start()
        answers = await burst(http, 41, "/open311/v2/services.json")
    assert Counter(r.status_code for r in answers) == {200: 40, 429: 1}


async def test_a_trusted_proxy_names_the_client_and_nobody_else_can(complaints_with):
    """X-Forwarded-For counts only from JOINTSUP_FORWARDED_ALLOW_IPS (127.0.0.1 here, uvicorn's default)."""
    service = await complaints_with()
    async with client(service) as proxy, client(service, "127.0.0.2") as stranger:
        await at_window_start()
        await burst(stranger, 40)
        spoofed = await stranger.get("/v1/public/stats", headers={"x-forwarded-for": "198.51.100.7"})
        forwarded = await proxy.get("/v1/public/stats", headers={"x-forwarded-for": "198.51.100.7"})
    assert spoofed.status_code == 429  # still counted as 127.0.0.2, whatever it claims
    assert forwarded.status_code == 200  # a client of its own


async def test_each_caller_has_its_own_limit_on_the_api(complaints_with):
    service = await complaints_with(JOINTSUP_RATE_LIMIT_PRINCIPAL="5 per 2 seconds")
    officer, other = (auth(agency=a, roles=["officer"]) for a in ("440105-amr", "440106-amr"))
    services_own = auth(agency="440100-amr", roles=["service"])
    async with client(service) as http:
        await at_window_start()
        answers = await burst(http, 6, "/v1/complaints", headers=officer)
        others = await http.get("/v1/complaints", headers=other)
        internal = await burst(http, 10, "/v1/complaints", headers=services_own)
    assert Counter(r.status_code for r in answers) == {200: 5, 429: 1}
    assert next(r for r in answers if r.status_code == 429).headers["retry-after"]
    assert others.status_code == 200
    assert {r.status_code for r in internal} == {200}  # the services' own calls are not limited


async def test_replicas_sharing_redis_share_the_count(complaints_with):
    prefix = unique("rl")
    one, two = [await complaints_with(rate_limit_storage_url=REDIS, rate_limit_key_prefix=prefix) for _ in range(2)]
    async with client(one) as first, client(two) as second, client(two, "127.0.0.2") as third:
        await at_window_start()
        answers = await burst(first, 20) + await burst(second, 21)
        elsewhere = await third.get("/v1/public/stats")
    assert Counter(r.status_code for r in answers) == {200: 40, 429: 1}
    assert elsewhere.status_code == 200


async def test_an_unreachable_store_lets_requests_through_and_says_so(complaints_with):
    service = await complaints_with(rate_limit_storage_url=f"redis://127.0.0.1:{free_port()}/0")
    with logged("shared.rate_limits", logging.WARNING) as warnings:
        async with client(service) as http:
            answers = await burst(http, 45)
    assert {r.status_code for r in answers} == {200}
    assert any("rate limit store unavailable" in line for line in warnings)
