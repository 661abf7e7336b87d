"""uvicorn's httptools protocol with what it lacks: a bound on a request head's size and on the time it takes.

uvicorn bounds a head only with h11 (`h11_max_incomplete_event_size`); httptools, which it prefers, takes headers
of any size. Neither times a head: the keep-alive timer runs only between requests, so a client sending nothing,
or a header byte at a time (slowloris), holds its connection for ever. The body's own size and timeout are the
app's edge (shared/edge.py), where the answer can be problem+json like every other.
"""
import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_END = b"\r\n\r\n"
# How long a connection answered before its request had all arrived stays half-closed, for the client to read
# the answer (nginx's lingering_timeout is 5 s too).
LINGER_SECONDS = 5.0
REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


def raw_problem(status: int, slug: str, title: str, detail: str) -> bytes:
    """A whole problem+json response that closes the connection, for where no app is running yet."""
    body = json.dumps({"type": f"urn:jointsup:problem:{slug}", "title": title, "status": status,
                       "detail": detail}).encode()
    return (f"HTTP/1.1 {status} {REASONS[status]}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


def bounded_protocol(*, max_head_bytes: int, head_timeout_seconds: float) -> type[HttpToolsProtocol]:
    """The protocol class to give uvicorn as `http`, with these bounds."""
    too_large = raw_problem(431, "request-head-too-large", "Request head too large",
                            f"the request line and headers are over {max_head_bytes} bytes")
    too_slow = raw_problem(408, "request-timeout", "Request timeout",
                           f"the request line and headers did not arrive within {head_timeout_seconds:g} s")

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        """Counts a head's bytes before the parser sees them and times it from its first byte (from the
        connection's start for the first request, so a silent client is let go too)."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head_timer: asyncio.TimerHandle | None = None
            self._lingering = False
            self._expect_head()
            self._start_head_timer()

        def _expect_head(self) -> None:
            self._head_bytes, self._head_tail, self._reading_head = 0, b"", True

        def _start_head_timer(self) -> None:
            self._head_timer = self.loop.call_later(head_timeout_seconds, self._head_timed_out)

        def _stop_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def data_received(self, data: bytes) -> None:
            if self._lingering or self.transport.is_closing():
                return  # answered and closing: what else arrives is not read
            if self._reading_head:
                end = (self._head_tail + data).find(HEAD_END)
                used = len(data) if end < 0 else end + len(HEAD_END) - len(self._head_tail)
                self._head_bytes += used
                self._head_tail = (self._head_tail + data)[-3:]
                if self._head_bytes > max_head_bytes:
                    return self._refuse(too_large)
                if self._head_timer is None:
                    self._start_head_timer()
            super().data_received(data)

        def on_headers_complete(self) -> None:
            self._reading_head = False
            self._stop_head_timer()
            super().on_headers_complete()
            if self.cycle is not None and not isinstance(self.cycle.transport, _CloseAfterAnswer):
                self.cycle.transport = _CloseAfterAnswer(self, self.cycle)

        def on_response_complete(self) -> None:
            if not self._lingering:  # else uvicorn would read on, and wait for the next request
                super().on_response_complete()

        def close_after_answer(self) -> None:
            """Half-close and stop reading, so that the client reads the answer before the connection ends. A
            close with a request still arriving would reset the connection, and the client lose the answer."""
            if not self.transport.can_write_eof():
                return self.transport.close()
            self._lingering = True
            self._stop_head_timer()
            self.flow.pause_reading()
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._expect_head()  # what comes next is the next request's head; its timer starts with its first byte

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_timer()
            super().connection_lost(exc)

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self._reading_head and not self.transport.is_closing():
                self._refuse(too_slow if self._head_bytes else b"")

        def _refuse(self, response: bytes) -> None:
            self._stop_head_timer()
            if self.cycle is not None and not self.cycle.response_complete:
                # a pipelined head behind a response still being sent: close after that response
                self.cycle.keep_alive = False
                self.flow.pause_reading()
                return
            self.transport.write(response)
            self.close_after_answer()

    return BoundedHttpToolsProtocol


class _CloseAfterAnswer:
    """The connection as a response sees it: closed before the request's body has all arrived (a 413, a 408),
    it is closed after the client has had time to read the answer."""

    def __init__(self, protocol, cycle):
        self._protocol, self._cycle, self._transport = protocol, cycle, protocol.transport

    def __getattr__(self, name: str):
        return getattr(self._transport, name)

    def close(self) -> None:
        if self._cycle.more_body and not self._transport.is_closing():
            return self._protocol.close_after_answer()
        self._transport.close()
