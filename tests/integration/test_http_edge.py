"""The HTTP edge every service shares, over real sockets: what a request may carry before any route sees it."""
import asyncio
import json
import re

import pytest
from sqlalchemy import func, select

from services.complaints.tables import Complaint
from tests.support import INTAKE, auth, complaint_body, logged

MiB = 1024 * 1024


def port_of(service) -> int:
    return int(service.url.rsplit(":", 1)[1])


async def stored_count(system) -> int:
    async with system["complaints"].runtime.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Complaint))


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response off a raw connection: status, headers (last of each), body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if line)}
    body = await reader.readexactly(int(headers.get("content-length", 0)))
    return int(lines[0].split()[1]), headers, body


async def test_deep_nesting_is_a_400_on_any_route_never_a_500(system):
    """A body nested 100,000 deep made the NUL guard's json.loads raise RecursionError: a 500 and a traceback,
    on every route, /healthz included."""
    deep = b"[" * 100_000 + b'"\\u0000"' + b"]" * 100_000
    with logged("shared.problems", 40) as errors:
        async with system.client("complaints") as client:
            health = await client.post("/healthz", content=deep, headers={"content-type": "application/json"})
            intake = await client.post("/v1/complaints", content=deep,
                                       headers={**auth(**INTAKE), "content-type": "application/json"})
    for response in (health, intake):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "nested" in response.json()["detail"]
    assert errors == []


async def test_two_content_types_are_refused_and_nothing_stored(system):
    """The NUL guard read the last Content-Type and FastAPI the first: a JSON body declared a second time as
    text/plain carried NUL past the guard into SQLite (stored) or PostgreSQL (a 500)."""
    before = await stored_count(system)
    body = json.dumps(complaint_body(description="坏\x00了")).encode()
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", content=body, headers=[
            *auth(**INTAKE).items(), ("content-type", "application/json"), ("content-type", "text/plain")])
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "Content-Type" in response.json()["detail"]
    assert await stored_count(system) == before


async def test_nul_in_a_multipart_form_is_422(system):
    """Open311 reads multipart/form-data as well as url-encoded forms; the NUL guard looked only at the latter."""
    before = await stored_count(system)
    async with system.client("complaints") as client:
        response = await client.post("/open311/v2/requests.json", files={"x": (None, "")}, data={
            "api_key": "dev-open311-key", "service_code": "food_safety", "description": "变质\x00",
            "attribute[region]": "440105"})
    assert response.request.headers["content-type"].startswith("multipart/form-data")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "description"
    assert await stored_count(system) == before


async def _upload(port: int, head: bytes, chunks, total: int) -> tuple[int, dict, int]:
    """Send `head`, then stream `chunks` while reading; the response, and how many body bytes went out before it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0

    async def stream():
        nonlocal sent
        writer.write(head)
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)

    sending = asyncio.create_task(stream())
    try:
        status, headers, _ = await read_response(reader)
        sent_before_answer = sent
    finally:
        sending.cancel()
        writer.close()
    assert sent_before_answer < total
    return status, headers, sent_before_answer


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
async def test_a_30_mb_body_is_answered_413_before_it_is_read_whole(system, framing):
    """The guard buffered every JSON body whole, whatever its size; now a body over the limit (1 MiB) is
    refused once it is known to be too large: at once when Content-Length says so, else at the limit."""
    total, piece = 30 * 1000 * 1000, b"x" * 65536
    count = total // len(piece)
    head = (f"POST /v1/complaints HTTP/1.1\r\nHost: jointsup\r\ncontent-type: application/json\r\n"
            f"authorization: {auth(**INTAKE)['Authorization']}\r\n").encode()
    if framing == "content-length":
        head += f"content-length: {count * len(piece)}\r\n\r\n".encode()
        chunks = (piece for _ in range(count))
    else:
        head += b"transfer-encoding: chunked\r\n\r\n"
        chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for _ in range(count))
    status, headers, sent = await _upload(port_of(system["complaints"]), head, chunks, total)
    assert status == 413 and headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"  # the rest is not read
    assert sent < 12 * MiB  # the limit, and what the sockets' buffers hold on the way


async def test_oversized_request_heads_are_431(system):
    """uvicorn's httptools parser takes headers of any size (h11 stops at 16 KiB); 64 KiB of headers was a 200."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(system["complaints"]))
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: jointsup\r\n" + b"x-filler: " + b"a" * 65536 + b"\r\n\r\n")
        status, headers, body = await read_response(reader)
    finally:
        writer.close()
    assert status == 431 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 431


@pytest.fixture(scope="module")
async def impatient(system, databases):
    """A complaints service that waits only a second for a request's head or its body."""
    from tests.conftest import service_settings, start_service, stop_service
    from shared.broker import free_port
    settings = service_settings("complaints", database_url=databases.url("complaints_impatient"),
                                bootstrap=system.broker.bootstrap, port=free_port(),
                                http_head_timeout_seconds=1, http_body_timeout_seconds=1)
    service = await start_service("complaints", settings)
    yield service
    await stop_service(service)


@pytest.mark.parametrize("trickle", [b"", b"GET /healthz HTTP/1.1\r\nHost: jointsup\r\nx-slow: "],
                         ids=["silent", "slow head"])
async def test_a_slow_or_silent_head_is_cut_off(impatient, trickle):
    """Slowloris: uvicorn has no timeout for a request's head (its keep-alive timer starts after a response),
    so a client sending nothing, or a header byte at a time, held its connection for ever."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(impatient))

    async def dribble():
        writer.write(trickle)
        while trickle:
            await asyncio.sleep(0.2)
            writer.write(b"x")

    started = asyncio.get_running_loop().time()
    dribbling = asyncio.create_task(dribble())
    try:
        answer = await asyncio.wait_for(reader.read(), 5)
    finally:
        dribbling.cancel()
        writer.close()
    assert asyncio.get_running_loop().time() - started < 3
    assert answer.startswith(b"HTTP/1.1 408 ") if trickle else answer == b"", answer


async def test_a_slow_body_is_408(impatient):
    """A body that stops arriving holds the request until the body timeout, then is answered 408."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(impatient))
    try:
        writer.write(b"POST /v1/complaints HTTP/1.1\r\nHost: jointsup\r\ncontent-type: application/json\r\n"
                     b"content-length: 100\r\n\r\n{\"kind\":")
        status, headers, body = await asyncio.wait_for(read_response(reader), 5)
    finally:
        writer.close()
    assert status == 408 and headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
