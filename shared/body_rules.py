"""What a request may carry, read the way the app will read it: one Content-Type; JSON that is UTF-8 and at most
MAX_DEPTH deep; no NUL (U+0000) in the path, the query or a body's text. PostgreSQL cannot store NUL (SQLite can,
so without this the two backends would disagree), and no legitimate input carries it."""
from typing import Any
from urllib.parse import parse_qsl

from pydantic_core import from_json
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

from shared.errors import DomainError, InvalidInput

NUL = "\x00"
NUL_MESSAGE = "text must not contain NUL (U+0000) characters"
# Our bodies nest four or five levels; the JSON parser (jiter) stops at 200 by itself, well below the recursion
# limit of json.loads, which FastAPI parses with after us.
MAX_DEPTH = 32
FORMS = (b"multipart/form-data", b"application/x-www-form-urlencoded")


class MalformedJson(DomainError):
    status, slug, title = 400, "malformed-json", "Malformed JSON"


class TooDeep(DomainError):
    status, slug, title = 400, "too-deep", "Body nested too deep"


def _nul(field: str) -> InvalidInput:
    return InvalidInput(f"{field}: {NUL_MESSAGE}",
                        errors=[{"field": field, "message": NUL_MESSAGE, "type": "nul_character"}])


def single_content_type(headers: list[tuple[bytes, bytes]]) -> str:
    """The request's one Content-Type ("" without one). Two would be read differently by different readers
    (Starlette's headers give the first, a dict the last), so they are refused."""
    found = [value for name, value in headers if name == b"content-type"]
    if len(found) > 1:
        raise DomainError("the request has more than one Content-Type header")
    return found[0].decode("latin-1") if found else ""


def check_path_and_query(path: str, query: bytes) -> None:
    """Refuse NUL in the path or in a query parameter (the way Starlette parses the query)."""
    if NUL in path:
        raise _nul("path")
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if NUL in name or NUL in value:
            raise _nul(name.replace(NUL, "") or "query")


async def check_body(headers: list[tuple[bytes, bytes]], content_type: str, body: bytes) -> None:
    """Refuse a JSON body that is malformed or too deep, and NUL in a JSON or form body's text."""
    if not body:
        return
    if "json" in content_type.lower():  # everything FastAPI reads as JSON (application/json, */*+json), and more
        where = nul_in_json(parse_json(body))
    elif parse_options_header(content_type)[0] in FORMS:
        where = await nul_in_form(Headers(raw=headers), body)
    else:
        return
    if where is not None:
        raise _nul(where)


def parse_json(body: bytes) -> Any:
    """The body as JSON, parsed with a bounded depth; 400 if it is not JSON in UTF-8 (RFC 8259) or nests too deep."""
    try:
        value = from_json(body)
    except ValueError as exc:
        if "recursion limit" in str(exc):
            raise _too_deep() from None
        raise MalformedJson(f"the request body is not valid JSON: {exc}",
                            errors=[{"field": "body", "message": str(exc)}]) from None
    return value


def _too_deep() -> TooDeep:
    return TooDeep(f"the JSON body is nested more than {MAX_DEPTH} deep",
                   errors=[{"field": "body", "message": f"nested more than {MAX_DEPTH} deep"}])


def nul_in_json(value: Any) -> str | None:
    """The dotted path of the first key or string holding NUL ("body" at the top), or None; refuses values
    nested more than MAX_DEPTH deep."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return where or "body"
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            raise _too_deep()
        children = list(item.items() if isinstance(item, dict) else enumerate(item))
        for key, child in reversed(children):  # reversed: the first offender is found first
            path = f"{where}.{key}".lstrip(".")
            if NUL in str(key):
                return path.replace(NUL, "") or "body"
            stack.append((child, path, depth + 1))
    return None


async def nul_in_form(headers: Headers, body: bytes) -> str | None:
    """The first form field whose name or text holds NUL, parsed as Starlette parses it for the app; None when
    there is none or the form is malformed (the app's own parser then refuses it the same way)."""
    async def stream():
        yield body

    media = parse_options_header(headers.get("content-type"))[0]
    parser = (MultiPartParser if media == b"multipart/form-data" else FormParser)(headers, stream())
    try:
        form = await parser.parse()
    except MultiPartException:
        return None
    try:
        for name, value in form.multi_items():
            if NUL in name or (isinstance(value, str) and NUL in value):
                return name.replace(NUL, "") or "body"
        return None
    finally:
        await form.close()
