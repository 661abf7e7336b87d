"""The services' HTTP server settings, over a real socket."""
import asyncio
import re

IDLE_BEYOND_UVICORNS_DEFAULT = 5.5  # uvicorn closes an idle connection after 5 s unless told otherwise


async def _get_healthz(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: jointsup\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    await reader.readexactly(int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE)[1]))
    return head


async def test_an_idle_connection_outlives_a_pooling_clients_own_expiry(system):
    """A client that keeps an idle connection for 5 s (httpx's default) must not have it closed under the
    next request: the server keeps idle connections open longer (JOINTSUP_HTTP_KEEP_ALIVE_SECONDS, 75 s)."""
    port = int(system["complaints"].url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        first = await _get_healthz(reader, writer)
        await asyncio.sleep(IDLE_BEYOND_UVICORNS_DEFAULT)
        second = await _get_healthz(reader, writer)  # the same connection
    finally:
        writer.close()
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200")
