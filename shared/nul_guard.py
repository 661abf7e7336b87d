"""Text with NUL (U+0000) is refused at the door with a 422: PostgreSQL cannot store it (SQLite can, so without
this the two backends would disagree), and no legitimate input carries it."""
import json
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import problem

NUL = "\x00"
MESSAGE = "text must not contain NUL (U+0000) characters"


def _nul_in(value, where: str) -> str | None:
    """The dotted path of the first string holding NUL in a parsed JSON value, or None."""
    if isinstance(value, str):
        return where if NUL in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if NUL in str(key):
            return f"{where}.{key}".lstrip(".") or "body"
        if (found := _nul_in(item, f"{where}.{key}".lstrip("."))) is not None:
            return found
    return None


def nul_field(path: str, query: bytes, content_type: str, body: bytes) -> str | None:
    """Where a request carries NUL: "path", a query parameter's name, a body field's path; None if nowhere."""
    if NUL in path:
        return "path"
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if NUL in name or NUL in value:
            return name.replace(NUL, "") or "query"
    if "json" in content_type and b"\\u0000" in body:
        try:
            return _nul_in(json.loads(body), "") or None
        except ValueError:
            return None  # malformed JSON gets its own 400 from the app
    if "x-www-form-urlencoded" in content_type:
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if NUL in name or NUL in value:
                return name.replace(NUL, "") or "body"
    return None


class RefuseNul:
    """ASGI middleware; buffers JSON and form bodies (the app reads them whole anyway)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1").lower()
        buffered = "json" in content_type or "x-www-form-urlencoded" in content_type
        body = await _read_body(receive) if buffered else b""
        field = nul_field(scope["path"], scope.get("query_string", b""), content_type, body)
        if field is not None:
            response = problem(422, "validation-error", "Invalid input", f"{field}: {MESSAGE}",
                               errors=[{"field": field, "message": MESSAGE, "type": "nul_character"}])
            return await response(scope, receive, send)
        await self.app(scope, _replay(body, receive) if buffered else receive, send)


async def _read_body(receive: Receive) -> bytes:
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


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
