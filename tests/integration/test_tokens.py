"""Tokens over real HTTP (issue 28 B): RS256 against a real JWKS served on 127.0.0.1 that can be slow, wrong or
away, with the issuer and audience configured; claims of the wrong type against the running services."""
import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.broker import free_port
from shared.settings import DEV_JWT_SECRET
from tests.conftest import service_settings, start_service, stop_service

ISSUER, AUDIENCE = "https://idp.jointsup.test", "jointsup"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rs256(kid: str, *, key=KEY, **claims) -> str:
    """An officer's token from the identity provider, with its issuer and audience unless `claims` say otherwise."""
    body = {"sub": "idp:officer", "agency": "440105-amr", "roles": ["officer"], "iss": ISSUER, "aud": AUDIENCE,
            "exp": int(time.time()) + 600, **claims}
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256",
                      headers={"kid": kid})


class Jwks:
    """A JWKS endpoint in its own thread (a fetch that blocked the event loop would show): it can answer slowly,
    with an error status or with garbage, and counts the fetches."""

    def __init__(self):
        self.keys = {"k1": KEY}
        self.delay, self.status, self.body, self.fetches = 0.0, 200, None, 0
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                jwks.fetches += 1
                time.sleep(jwks.delay)
                body = jwks.body if jwks.body is not None else json.dumps({"keys": [
                    {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key())), "kid": kid, "use": "sig",
                     "alg": "RS256"} for kid, k in jwks.keys.items()]}).encode()
                try:
                    self.send_response(jwks.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the service gave up waiting (its timeout is under the delay)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
async def idp(databases):
    """A fresh JWKS and a complaints service verifying tokens against it (fresh, so its key cache is empty). Its
    Kafka is away: a service serves HTTP meanwhile, and no consumer of it joins the shared system's groups."""
    jwks = Jwks()
    started = []

    async def serving(url: str | None = None, timeout: float = 3.0):
        settings = service_settings(
            "complaints", database_url=databases.url(f"tokens_{len(started)}_{time.monotonic_ns()}"),
            bootstrap=f"127.0.0.1:{free_port()}", port=free_port(), jwks_url=url or jwks.url, jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE, jwks_timeout_seconds=timeout, jwks_refresh_seconds=30)
        started.append(await start_service("complaints", settings))
        return started[-1]

    yield jwks, serving
    for service in started:
        await stop_service(service)
    jwks.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def _timed(client, path: str, **kwargs) -> float:
    started = time.monotonic()
    response = await client.get(path, **kwargs)
    assert response.status_code == 200, response.text
    return time.monotonic() - started


async def test_health_and_other_callers_stay_fast_while_a_key_is_fetched(idp):
    jwks, serving = idp
    service = await serving()
    jwks.delay = 1.5
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        first = asyncio.create_task(_timed(client, "/v1/complaints", headers=bearer(rs256("k1"))))
        latencies = []
        while not first.done():
            latencies.append(await _timed(client, "/healthz"))
            latencies.append(await _timed(client, "/v1/public/stats"))
            await asyncio.sleep(0.05)
        waited = await first
        again = await _timed(client, "/v1/complaints", headers=bearer(rs256("k1")))
    assert waited >= 1.4 and len(latencies) >= 10, (waited, latencies)  # the fetch was under way meanwhile
    assert max(latencies) < 0.5 and again < 0.5 and jwks.fetches == 1, (max(latencies), again, jwks.fetches)


async def test_tokens_naming_unknown_keys_do_not_fetch_the_jwks_each_time(idp):
    jwks, serving = idp
    service = await serving()
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        together = await asyncio.gather(*(client.get("/v1/complaints", headers=bearer(rs256("rotated-away")))
                                          for _ in range(10)))
        one_by_one = [await client.get("/v1/complaints", headers=bearer(rs256(f"k-{i}"))) for i in range(20)]
        known = await client.get("/v1/complaints", headers=bearer(rs256("k1")))
    answers = together + one_by_one
    assert {a.status_code for a in answers} == {401} and known.status_code == 200
    assert {a.json()["detail"] for a in answers} == {"invalid token: unknown signing key"}
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    assert jwks.fetches == 1


@pytest.mark.parametrize("fault", ["down", "error status", "garbage", "too slow"])
async def test_a_jwks_that_cannot_be_had_gives_503_problem_json_and_never_a_500(idp, fault):
    jwks, serving = idp
    url = f"http://127.0.0.1:{free_port()}/jwks.json" if fault == "down" else None
    jwks.status = 500 if fault == "error status" else 200
    jwks.body = b"<html>maintenance</html>" if fault == "garbage" else None
    jwks.delay = 2.0 if fault == "too slow" else 0.0
    service = await serving(url, timeout=0.5)
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        started = time.monotonic()
        first = await client.get("/v1/complaints", headers=bearer(rs256("k1")))
        took = time.monotonic() - started
        more = await asyncio.gather(*(client.get("/v1/complaints", headers=bearer(rs256("k1"))) for _ in range(5)))
    for answer in (first, *more):
        assert answer.status_code == 503 and answer.headers["content-type"] == "application/problem+json"
        assert "signing keys" in answer.json()["detail"] and "127.0.0.1" not in answer.text
    assert took < 1.5 and jwks.fetches <= 1, (took, jwks.fetches)  # bounded; and no fetch per request


async def test_only_tokens_of_the_configured_issuer_and_audience_pass(idp):
    jwks, serving = idp
    service = await serving()
    tokens = {
        "good": rs256("k1"),
        "wrong issuer": rs256("k1", iss="https://other-idp.example"),
        "missing claim iss": rs256("k1", iss=None),
        "wrong audience": rs256("k1", aud="another-app"),
        "missing claim aud": rs256("k1", aud=None),
        "bad signature": rs256("k1", key=OTHER_KEY),
    }
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as client:
        answers = {name: await client.get("/v1/complaints", headers=bearer(token)) for name, token in tokens.items()}
    assert answers.pop("good").status_code == 200
    assert {name: (a.status_code, a.json()["detail"]) for name, a in answers.items()} == {
        name: (401, f"invalid token: {name}") for name in answers}


def _hs256(claims: dict) -> str:
    return jwt.encode({"sub": "u", "roles": ["officer"], "exp": int(time.time()) + 86400, **claims}, DEV_JWT_SECRET,
                      algorithm="HS256")


@pytest.mark.parametrize(("claims", "wrong"), [
    ({"agency": ["440105-amr"]}, "agency"),
    ({"agency": "440105-amr", "region": 440105}, "region"),
    ({"sub": {"id": "u"}, "agency": "440105-amr"}, "sub"),
    ({"roles": ["platform"], "platform": ["taobao"]}, "platform"),
    ({"agency": "440105-amr", "exp": str(int(time.time()) + 86400)}, "exp"),
])
@pytest.mark.parametrize(("service", "path"), [("complaints", "/v1/complaints"), ("cases", "/v1/inbox"),
                                               ("credit", "/v1/subjects/91440105MA5X9K2L4L"),
                                               ("notify", "/v1/inbox"), ("notify", "/v1/deliveries")])
async def test_claims_of_the_wrong_type_are_401_problem_json(system, service, path, claims, wrong):
    async with system.client(service) as client:
        answer = await client.get(path, headers=bearer(_hs256(claims)))
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == f"invalid token: malformed claims: {wrong}"
