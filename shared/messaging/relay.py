"""Outbox relay: publishes committed events in order, marks them sent, never loses one."""
import asyncio
import logging
import zlib
from collections.abc import Sequence
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from sqlalchemy import Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.telemetry import HEADER_SETTER, TRACE_HEADERS, kafka_instrumented

log = logging.getLogger(__name__)
tracer = trace.get_tracer("jointsup.relay")


class RelayLeadership:
    """On PostgreSQL one replica at a time relays (a session advisory lock); elsewhere always the leader."""

    def __init__(self, engine: AsyncEngine, name: str):
        self.engine = engine
        self.lock_id = zlib.crc32(f"jointsup-outbox-relay:{name}".encode())
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """True while this replica holds the relay lock."""
        if self.engine.dialect.name != "postgresql":
            return True
        try:
            if self._conn is not None:
                await self._conn.execute(text("SELECT 1"))  # lock lives as long as this connection
                return True
            conn = await self.engine.connect()
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.lock_id})).scalar()
            await conn.commit()
            if got:
                self._conn = conn
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
                 batch_size: int = 500, poll_seconds: float = 1.0, send_timeout: float = 15.0):
        self.engine, self.table, self.producer = engine, table, producer
        self.batch_size, self.poll_seconds, self.send_timeout = batch_size, poll_seconds, send_timeout
        self.leadership = RelayLeadership(engine, name)
        self.published = 0
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
                    sent = await self.publish_pending()
                    backoff = 0.2
                    if sent == self.batch_size:
                        continue  # more waiting: do not sleep
            except Exception as exc:
                log.warning("outbox relay pass failed: %s", exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            await self._sleep(self.poll_seconds)
        await self.leadership.release()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def publish_pending(self) -> int:
        """Send one batch in sequence order; mark sent the leading run of each key that succeeded."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(self.table).where(self.table.c.published_at.is_(None))
                .order_by(self.table.c.seq).limit(self.batch_size)
            )).all()
        if not rows:
            return 0
        results = await self._send(rows)
        failed_keys: set[str] = set()
        done: list[int] = []
        errors: dict[int, str] = {}
        for row, result in zip(rows, results):
            if isinstance(result, BaseException) or row.key in failed_keys:
                failed_keys.add(row.key)  # later events of this key wait, so order per aggregate holds
                errors[row.seq] = repr(result) if isinstance(result, BaseException) else "earlier event of key failed"
            else:
                done.append(row.seq)
        async with self.engine.begin() as conn:
            if done:
                await conn.execute(update(self.table).where(self.table.c.seq.in_(done))
                                   .values(published_at=datetime.now(timezone.utc)))
            for seq, error in errors.items():
                await conn.execute(update(self.table).where(self.table.c.seq == seq)
                                   .values(attempts=self.table.c.attempts + 1, last_error=error[:1000]))
        self.published += len(done)
        if errors:
            raise RuntimeError(f"{len(errors)} of {len(rows)} events not published yet")
        return len(done)

    async def _send(self, rows: Sequence) -> list:
        futures = []
        for row in rows:
            token = otel_context.attach(extract(row.headers))  # producer span joins the request's trace
            try:
                headers = [(k, v.encode()) for k, v in row.headers.items() if k not in TRACE_HEADERS]
                async with asyncio.timeout(self.send_timeout):  # send() waits only while the buffer is full
                    futures.append(await self._send_one(row, headers))
            except Exception as exc:
                futures.append(_failed(exc))
            finally:
                otel_context.detach(token)
        await asyncio.wait(futures, timeout=self.send_timeout)
        return [(f.exception() or f.result()) if f.done() else TimeoutError("not acknowledged in time")
                for f in futures]

    async def _send_one(self, row, headers: list) -> asyncio.Future:
        if kafka_instrumented():  # the instrumentation opens the producer span and injects traceparent
            return await self.producer.send(row.topic, value=row.value, key=row.key.encode(), headers=headers)
        with tracer.start_as_current_span(f"send {row.topic}", kind=trace.SpanKind.PRODUCER):
            inject(headers, setter=HEADER_SETTER)
            return await self.producer.send(row.topic, value=row.value, key=row.key.encode(), headers=headers)

def _failed(exc: BaseException) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_exception(exc)
    return future
