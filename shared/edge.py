"""The HTTP edge every service shares: a request's body is bounded and checked here, before any route reads it.

The request head (its size, how long it may take) is bounded earlier, in the server (shared/http_protocol.py).
"""
import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.body_rules import check_body, check_path_and_query, single_content_type
from shared.errors import DomainError
from shared.problems import MEDIA_TYPE, problem_for

# What every route may answer because of it, in each service's OpenAPI.
RESPONSES = {
    408: {"description": "the request body did not all arrive in time (JOINTSUP_HTTP_BODY_TIMEOUT_SECONDS)",
          "content": {MEDIA_TYPE: {}}},
    413: {"description": "the request body is over the limit (JOINTSUP_HTTP_MAX_BODY_BYTES, 1 MiB by default)",
          "content": {MEDIA_TYPE: {}}},
}


class RequestEdge:
    """ASGI middleware: one Content-Type, a body within its limit that arrives in time, and then the body rules
    (shared/body_rules.py). Every body is read whole here, up to the limit; the app reads the copy."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_timeout_seconds: float):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            content_type = single_content_type(scope["headers"])
            check_path_and_query(scope["path"], scope.get("query_string", b""))
            body = await self._read_body(scope["headers"], receive)
            await check_body(scope["headers"], content_type, body)
        except DomainError as refused:
            return await problem_for(refused)(scope, receive, send)
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, headers: list[tuple[bytes, bytes]], receive: Receive) -> bytes:
        limit = self.max_body_bytes
        declared = _content_length(headers)
        if declared is not None and declared > limit:
            raise _too_large(limit)
        body, more = bytearray(), True
        try:
            async with asyncio.timeout(self.body_timeout_seconds):
                while more:
                    message = await receive()
                    body += message.get("body", b"")
                    more = message.get("more_body", False)
                    if len(body) > limit:
                        raise _too_large(limit)
        except TimeoutError:
            raise RequestTimeout(f"the request body did not arrive within {self.body_timeout_seconds:g} s") from None
        return bytes(body)


class _UnreadBody(DomainError):
    """Answered before the body has all arrived: Connection: close makes the server stop reading what is left
    of it (shared/http_protocol.py) instead of draining it."""

    def __init__(self, detail: str, **extra):
        super().__init__(detail, headers={"Connection": "close"}, **extra)


class ContentTooLarge(_UnreadBody):
    status, slug, title = 413, "content-too-large", "Content too large"


class RequestTimeout(_UnreadBody):
    status, slug, title = 408, "request-timeout", "Request timeout"


def _too_large(limit: int) -> ContentTooLarge:
    return ContentTooLarge(f"the request body is over the limit of {limit} bytes", max_bytes=limit)


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None  # the server's parser has refused a malformed one
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body once, then the real channel (which reports the disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}
    return replay
