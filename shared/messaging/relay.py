"""Outbox relay: publishes committed events in order, marks them sent, never loses one."""
import asyncio
import logging
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

from aiokafka import AIOKafkaProducer
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from sqlalchemy import ARRAY, BigInteger, Table, any_, cast, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.telemetry import HEADER_SETTER, TRACE_HEADERS, kafka_instrumented

from .marker import BrokerMarker
from .retention import forget_sent

log = logging.getLogger(__name__)
tracer = trace.get_tracer("jointsup.relay")
FORGET_EVERY_SECONDS = 3600.0  # how often the leader deletes sent events older than the retention window


class RelayLeadership:
    """On PostgreSQL one replica at a time relays (a session advisory lock); elsewhere always the leader.

    The lock lives as long as its connection, which is checked at most every `recheck_seconds` (a pass per
    commit would otherwise pay a round trip for it) and which the leader also reads and marks the outbox on,
    one statement at a time, without a pool check-out per pass.
    """

    def __init__(self, engine: AsyncEngine, name: str, *, recheck_seconds: float = 1.0):
        self.engine = engine
        self.lock_id = zlib.crc32(f"jointsup-outbox-relay:{name}".encode())
        self.recheck_seconds = recheck_seconds
        self._conn: AsyncConnection | None = None
        self._checked_at = 0.0
        self._in_use = asyncio.Lock()

    @property
    def leading(self) -> bool:
        """This replica relays (as far as it knows since the last check)."""
        return self.engine.dialect.name != "postgresql" or self._conn is not None

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection | None]:
        """The lock's connection (autocommit), to itself while in the block; None while it is not leading."""
        if self._conn is None:
            yield None
            return
        async with self._in_use:
            yield self._conn

    async def acquire(self) -> bool:
        """True while this replica holds the relay lock."""
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self._conn is not None:
                if time.monotonic() - self._checked_at >= self.recheck_seconds:
                    async with self.connection() as conn:
                        await conn.execute(text("SELECT 1"))
                    self._checked_at = time.monotonic()
                return True
            conn = await self.engine.connect()
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.lock_id})).scalar()
            await conn.commit()
            if got:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                self._conn, self._checked_at = conn, time.monotonic()
                return True
            await conn.close()
            return False
        except Exception as exc:
            log.warning("relay leadership check failed: %s", exc)
            await self.release()
            return False

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.close()
            except Exception:
                pass


class OutboxRelay:
    """Woken after each commit that adds events, and by a slow poll as a safety net."""

    def __init__(self, *, engine: AsyncEngine, table: Table, producer: AIOKafkaProducer, name: str,
                 batch_size: int = 2000, poll_seconds: float = 1.0, send_timeout: float = 15.0, window: int = 4,
                 retention: timedelta = timedelta(days=7), marker: BrokerMarker | None = None):
        self.engine, self.table, self.producer = engine, table, producer
        self.window = window  # batches sent and not yet acknowledged
        self.batch_size, self.poll_seconds, self.send_timeout = batch_size, poll_seconds, send_timeout
        self.name = name
        self.leadership = RelayLeadership(engine, name, recheck_seconds=poll_seconds)
        self.retention, self.marker = retention, marker  # marker: only where the broker may lose its log
        self.published = 0
        self.republished = 0
        self._forget_at = 0.0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Safe to call from any thread; used by the outbox after commit."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        backoff = 0.2
        while not self._stopping.is_set():
            try:
                if await self.leadership.acquire():
                    await self.republish_if_the_broker_lost_it()
                    await self.publish_pending()  # everything pending, including what commits meanwhile
                    await self._forget_now_and_then()
                    backoff = 0.2
            except Exception as exc:
                log.warning("outbox relay pass failed: %s", exc)
                await self.leadership.release()  # its connection may be what failed: the next pass takes a new one
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            await self._sleep(self.poll_seconds)
        await self.leadership.release()
        if self.marker is not None:
            await self.marker.close()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def republish_if_the_broker_lost_it(self) -> int:
        """When the broker holds none of what this relay sent (a memory-only broker restarted, or a new one), send
        everything the outbox retains again, in sequence order and before anything new, so each key keeps its
        order; the consumers' idempotency makes the copies harmless. The marker goes on the broker only once all
        of it was acknowledged: a relay stopped half-way starts again from the beginning."""
        if self.marker is None or await self.marker.present():
            return 0
        await self.marker.prepare()
        sent = await self._publish(pending=False)
        if self._stopping.is_set():  # stopped before the end: not all of it went
            return sent
        await self.marker.set()
        self.republished += sent
        log.log(logging.WARNING if sent else logging.INFO,
                "%s relay: the broker kept none of what it sent; %d retained events sent again", self.name, sent)
        return sent

    async def _forget_now_and_then(self) -> None:
        """After a pass (so after any republish it needed), now and then: a failure waits for the next turn."""
        if time.monotonic() < self._forget_at:
            return
        self._forget_at = time.monotonic() + FORGET_EVERY_SECONDS
        try:
            await forget_sent(self.engine, self.table, before=datetime.now(timezone.utc) - self.retention)
        except Exception as exc:
            log.warning("forgetting sent outbox events failed: %s", exc)

    async def publish_pending(self) -> int:
        """Send every pending event in sequence order and mark what the broker acknowledged."""
        return await self._publish(pending=True)

    async def _publish(self, *, pending: bool) -> int:
        """Send the pending events (or, not `pending`, the retained sent ones) in sequence order; the pending
        ones are marked once acknowledged. How many went.

        Three things overlap: reading the next batch, handing this one to the producer (in order, one batch
        after another) and marking the last acknowledged one; up to `window` batches await acknowledgement.
        Once an event fails, the later events of its key are held back: not sent if not sent yet, not marked if
        sent, so they go again after it and the order per key holds.
        """
        in_flight: deque[tuple[Sequence, list[asyncio.Future]]] = deque()
        held_back: dict[str, int] = {}  # key → sequence number of its first failed event
        marked, failures = 0, 0
        reading: asyncio.Task | None = asyncio.create_task(self._read(None, pending))
        marking: asyncio.Task | None = None
        try:
            while True:
                rows = await reading if reading else []
                reading = None
                if rows and not failures and not self._stopping.is_set():
                    if len(rows) == self.batch_size:  # a short batch was all there was; later commits wake us
                        reading = asyncio.create_task(self._read(rows[-1].seq, pending))
                    in_flight.append((rows, await self._enqueue(rows, held_back)))
                if not in_flight:
                    break
                if reading and len(in_flight) < self.window:
                    continue
                sent, futures = in_flight.popleft()
                done, errors = _settle(sent, await self._acknowledged(futures), held_back)
                if marking:
                    await marking
                if pending:
                    marking = asyncio.create_task(self._mark(done, errors))
                marked, failures = marked + len(done), failures + len(errors)
            if marking:
                await marking
        finally:
            for task in (reading, marking):
                if task and not task.done():
                    task.cancel()
        if failures:
            raise RuntimeError(f"{failures} events not published yet")
        return marked

    async def _read(self, after: int | None, pending: bool) -> Sequence:
        c = self.table.c
        query = select(c.seq, c.topic, c.key, c.value, c.headers).where(
            c.published_at.is_(None) if pending else c.published_at.is_not(None))
        if after is not None:
            query = query.where(c.seq > after)
        async with self._connection() as conn:
            return (await conn.execute(query.order_by(c.seq).limit(self.batch_size))).all()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        """Where the relay reads and marks: on PostgreSQL the leader's lock connection, whose statements each
        commit alone (a read or a mark needs no transaction around it, nor a pool check-out); elsewhere a pooled
        connection, committed at the end (SQLite keeps its BEGIN IMMEDIATE discipline, shared.db)."""
        async with self.leadership.connection() as lock:
            if lock is not None:
                yield lock
                return
        async with self.engine.connect() as conn:
            yield conn
            await conn.commit()

    def _among(self, seqs: list[int]):
        if self.engine.dialect.name == "postgresql":  # one array parameter instead of hundreds of IN parameters
            return self.table.c.seq == any_(cast(seqs, ARRAY(BigInteger)))
        return self.table.c.seq.in_(seqs)

    async def _mark(self, done: list[int], errors: dict[int, str]) -> None:
        async with self._connection() as conn:  # each mark stands alone: a row marked twice is marked
            if done:
                await conn.execute(update(self.table).where(self._among(done))
                                   .values(published_at=datetime.now(timezone.utc)))
            for seq, error in errors.items():
                await conn.execute(update(self.table).where(self.table.c.seq == seq)
                                   .values(attempts=self.table.c.attempts + 1, last_error=error[:1000]))
        self.published += len(done)

    async def _enqueue(self, rows: Sequence, held_back: dict[str, int]) -> list[asyncio.Future]:
        """Hand each row to the producer in order; a future per row resolves when the broker acknowledges it."""
        futures: list[asyncio.Future] = []
        traced = not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
        try:
            async with asyncio.timeout(self.send_timeout):  # send() waits only while the producer's buffer is full
                for row in rows:
                    futures.append(await self._send_unless_held_back(row, held_back, traced))
        except TimeoutError:
            for row in rows[len(futures):]:
                held_back.setdefault(row.key, row.seq)
                futures.append(_failed(TimeoutError("the producer's buffer stayed full")))
        return futures

    async def _acknowledged(self, futures: list[asyncio.Future]) -> list:
        await asyncio.wait(futures, timeout=self.send_timeout)
        return [(f.exception() or f.result()) if f.done() else TimeoutError("not acknowledged in time")
                for f in futures]

    async def _send_unless_held_back(self, row, held_back: dict[str, int], traced: bool) -> asyncio.Future:
        if row.key in held_back:
            return _failed(HeldBack("earlier event of key failed"))
        try:
            return await self._send_one(row, traced)
        except Exception as exc:
            held_back.setdefault(row.key, row.seq)
            return _failed(exc)

    async def _send_one(self, row, traced: bool) -> asyncio.Future:
        """Send with a producer span that is a child of the request that committed the event."""
        key = row.key.encode()
        if not traced:  # no tracer provider installed: the headers go on as they are
            headers = [(k, v.encode()) for k, v in row.headers.items()]
            return await self.producer.send(row.topic, value=row.value, key=key, headers=headers)
        headers = [(k, v.encode()) for k, v in row.headers.items() if k not in TRACE_HEADERS]
        token = otel_context.attach(extract(row.headers))
        try:
            if kafka_instrumented():  # the instrumentation opens the span and injects its traceparent
                return await self.producer.send(row.topic, value=row.value, key=key, headers=headers)
            with tracer.start_as_current_span(f"send {row.topic}", kind=trace.SpanKind.PRODUCER):
                inject(headers, setter=HEADER_SETTER)
                return await self.producer.send(row.topic, value=row.value, key=key, headers=headers)
        finally:
            otel_context.detach(token)


class HeldBack(Exception):
    """Not sent: an earlier event of the same key failed."""


def _settle(rows: Sequence, results: list, held_back: dict[str, int]) -> tuple[list[int], dict[int, str]]:
    """The rows to mark sent, and the errors of the rest; a failed row holds every later row of its key."""
    done: list[int] = []
    errors: dict[int, str] = {}
    for row, result in zip(rows, results):
        if isinstance(result, HeldBack) or (row.key in held_back and row.seq > held_back[row.key]):
            errors[row.seq] = "earlier event of key failed"
        elif isinstance(result, BaseException):
            held_back[row.key] = min(held_back.get(row.key, row.seq), row.seq)
            errors[row.seq] = repr(result)
        else:
            done.append(row.seq)
    return done, errors


def _failed(exc: BaseException) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_exception(exc)
    return future
