"""A webhook receiver for tests, drills and benchmarks: a real HTTP server that verifies Standard Webhooks
signatures with its own implementation, and can be told to fail, stall or answer 410; and a subscription to it."""
import asyncio
import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shared.broker import free_port
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """Standard Webhooks: any `v1,<sig>` in the header matches HMAC-SHA256(id.timestamp.body) under the key."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part.split(",", 1) == ["v1", expected] for part in headers["webhook-signature"].split())


@dataclass
class Endpoint:
    fail_first: int = 0  # answer 500 to this many calls first
    status: int = 200  # then this
    delay: float = 0.0  # seconds before answering
    calls: list[dict] = field(default_factory=list)

    @property
    def received(self) -> list[dict]:
        return [c for c in self.calls if c["answered"] < 300]


class Receiver:
    def __init__(self):
        self.endpoints: dict[str, Endpoint] = {}
        self.port = free_port()
        self.server: uvicorn.Server | None = None

    def url(self, name: str, **behaviour) -> str:
        self.endpoints[name] = Endpoint(**behaviour)
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    async def _hook(self, request: Request) -> Response:
        endpoint = self.endpoints[request.path_params["name"]]
        body = await request.body()
        if endpoint.delay:
            await asyncio.sleep(endpoint.delay)
        answered = 500 if len(endpoint.calls) < endpoint.fail_first else endpoint.status
        endpoint.calls.append({"headers": {k.lower(): v for k, v in request.headers.items()}, "body": body,
                               "event": json.loads(body), "answered": answered, "client_port": request.client.port,
                               "received_at": time.time()})
        return Response(status_code=answered)

    async def start(self) -> None:
        """Listen (again, on the same port after a stop)."""
        app = Starlette(routes=[Route("/hooks/{name}", self._hook, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                                    access_log=False, lifespan="off"))
        self.server.install_signal_handlers = lambda: None
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop listening: senders get connection refused until the next start."""
        self.server.should_exit = True
        await self._task

    async def __aenter__(self) -> "Receiver":
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()


async def subscribe(notify_url: str, agency: str, url: str, event_types: list[str]) -> None:
    """Subscribe `agency` (as one of its officers) at notify to webhooks of these event types at `url`."""
    token = mint_token(DEV_JWT_SECRET, sub="drill", agency=agency, roles=["officer"])
    async with httpx.AsyncClient(base_url=notify_url, headers={"Authorization": f"Bearer {token}"}) as client:
        (await client.post("/v1/subscriptions", json={"url": url, "event_types": event_types})).raise_for_status()
