"""Consumer runtime: idempotent handling, bounded retries, dead letters, offsets committed after the effect."""
import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from opentelemetry import trace
from opentelemetry.propagate import extract
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import upsert_insert
from shared.events import Event, InvalidEvent, UnknownEventType, decode, spec_for
from shared.events.topics import dlq_topic
from shared.telemetry import HEADER_GETTER

from .kafka import DEFAULT_FETCH_MAX_WAIT_MS, connect_with_retry, make_consumer

log = logging.getLogger(__name__)
tracer = trace.get_tracer("jointsup.consumer")

Handler = Callable[[AsyncSession, Event, BaseModel], Awaitable[None]]
NOT_RETRIABLE = (InvalidEvent, UnknownEventType, ValidationError)
# The database being away is not the event's fault: wait for it instead of dead-lettering.
TRANSIENT = (OperationalError, InterfaceError, DisconnectionError)


class EventConsumer:
    """One consumer group member: handles each event once, dead-letters what keeps failing."""

    def __init__(self, *, service: str, bootstrap: str, topics: list[str], handlers: Mapping[str, Handler],
                 sessionmaker: async_sessionmaker, processed: Table, producer: AIOKafkaProducer,
                 max_attempts: int = 4, backoff_seconds: float = 0.2, group_id: str | None = None,
                 dlq: str | None = None, session_timeout_ms: int = 10_000,
                 fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS):
        self.service, self.topics, self.handlers = service, topics, dict(handlers)
        self.sessionmaker, self.processed, self.producer = sessionmaker, processed, producer
        self.max_attempts, self.backoff_seconds = max_attempts, backoff_seconds
        self.group_id = group_id or service
        self.dlq = dlq or dlq_topic(service)
        self.consumer = make_consumer(bootstrap, group_id=self.group_id, client_id=f"jointsup-{service}",
                                      topics=topics, session_timeout_ms=session_timeout_ms,
                                      fetch_max_wait_ms=fetch_max_wait_ms)
        self.stats: Counter[str] = Counter()
        self.infrastructure_wait_seconds = 1.0
        self.started = asyncio.Event()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Consume until stopped; commit what was handled, then leave the group."""
        if not await connect_with_retry(self.consumer.start, what=f"{self.service} consumer", stopping=self._stopping):
            return
        self.started.set()
        try:
            while not self._stopping.is_set():
                try:
                    batches = await self.consumer.getmany(timeout_ms=200, max_records=200)
                except KafkaError as exc:
                    log.warning("%s consumer poll failed: %s", self.service, exc)
                    await asyncio.sleep(1.0)
                    continue
                for tp, records in batches.items():
                    await self._handle_partition(tp, records)
        finally:
            await self.consumer.stop()

    async def _handle_partition(self, tp: TopicPartition, records: list[ConsumerRecord]) -> None:
        handled_up_to = None
        for record in records:
            if self._stopping.is_set():
                break
            await self.handle_record(record)
            handled_up_to = record.offset
        if handled_up_to is not None:
            try:
                await self.consumer.commit({tp: handled_up_to + 1})
            except (CommitFailedError, KafkaError) as exc:
                # Partition moved to another member: it redelivers, and the processed table dedupes.
                log.warning("%s commit of %s failed: %s", self.service, tp, exc)

    async def handle_record(self, record: ConsumerRecord) -> str:
        """Handle one record; returns handled, duplicate, skipped or dead_lettered."""
        headers = list(record.headers or [])
        with tracer.start_as_current_span(f"process {record.topic}", context=extract(headers, getter=HEADER_GETTER),
                                          kind=trace.SpanKind.CONSUMER) as span:
            span.set_attribute("messaging.consumer.group.name", self.group_id)
            try:
                event = decode(record.value, headers)
                span.set_attribute("cloudevents.event_type", event.type)
                span.set_attribute("cloudevents.event_id", event.id)
                handler = self.handlers.get(event.short_type)
                if handler is None:
                    return self._count("skipped")
                payload = spec_for(event.type).payload.model_validate(event.data)
            except NOT_RETRIABLE as exc:
                await self._dead_letter(record, exc, attempts=1)
                return self._count("dead_lettered")
            error: Exception | None = None
            attempt = 1
            while attempt <= self.max_attempts:
                try:
                    return self._count(await self._apply(handler, event, payload, record))
                except NOT_RETRIABLE as exc:
                    error = exc
                    break
                except TRANSIENT as exc:
                    await self._wait_for_infrastructure(exc)
                    continue
                except Exception as exc:
                    error = exc
                    log.warning("%s: %s %s failed (attempt %d/%d): %s", self.service, event.type, event.id,
                                attempt, self.max_attempts, exc)
                    if attempt < self.max_attempts:
                        await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
                    attempt += 1
            span.record_exception(error)
            await self._dead_letter(record, error, attempts=min(attempt, self.max_attempts))
            return self._count("dead_lettered")

    async def _wait_for_infrastructure(self, exc: BaseException) -> None:
        if self._stopping.is_set():
            raise exc  # not committed: the record comes back after the restart
        log.warning("%s: database unavailable (%s); waiting before retrying", self.service, type(exc).__name__)
        self.stats["waited_for_database"] += 1
        await asyncio.sleep(self.infrastructure_wait_seconds)

    async def _apply(self, handler: Handler, event: Event, payload: BaseModel, record: ConsumerRecord) -> str:
        async with self.sessionmaker() as session, session.begin():
            if not await self._mark_processed(session, event, record):
                return "duplicate"
            await handler(session, event, payload)
        return "handled"

    async def _mark_processed(self, session: AsyncSession, event: Event, record: ConsumerRecord) -> bool:
        insert = upsert_insert(session, self.processed)
        connection = await session.connection()
        result = await connection.execute(insert.values(
            consumer=self.group_id, event_id=event.id, event_type=event.type, topic=record.topic,
            partition=record.partition, offset=record.offset, processed_at=datetime.now(timezone.utc),
        ).on_conflict_do_nothing().returning(self.processed.c.event_id))
        return result.first() is not None  # no row back: this consumer already handled the event

    async def _dead_letter(self, record: ConsumerRecord, error: BaseException | None, *, attempts: int) -> None:
        headers = [(k, v) for k, v in (record.headers or []) if not k.startswith("dlq-")] + [
            ("dlq-error", f"{type(error).__name__}: {error}"[:2000].encode()),
            ("dlq-original-topic", record.topic.encode()),
            ("dlq-original-partition", str(record.partition).encode()),
            ("dlq-original-offset", str(record.offset).encode()),
            ("dlq-consumer", self.group_id.encode()),
            ("dlq-attempts", str(attempts).encode()),
            ("dlq-failed-at", datetime.now(timezone.utc).isoformat().encode()),
        ]
        log.error("%s: dead-lettering %s[%d]@%d: %s", self.service, record.topic, record.partition,
                  record.offset, type(error).__name__)
        delay = 0.5
        while True:  # the offset is not committed until the dead letter is safely written
            try:
                await (await self.producer.send(self.dlq, value=record.value, key=record.key, headers=headers))
                return
            except KafkaError as exc:
                if self._stopping.is_set():
                    raise  # not committed: the record comes back after the restart
                log.warning("%s: dead-letter write failed, retrying: %s", self.service, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _count(self, outcome: str) -> str:
        self.stats[outcome] += 1
        return outcome
