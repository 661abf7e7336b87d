"""Consumer runtime: idempotent handling, bounded retries, dead letters, offsets committed after the effect."""
import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone

from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from opentelemetry import trace
from opentelemetry.propagate import extract
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import DATABASE_AWAY, per_dialect
from shared.events import Event, InvalidEvent, UnknownEventType, decode, spec_for
from shared.events.topics import dlq_topic
from shared.telemetry import HEADER_GETTER

from .kafka import DEFAULT_FETCH_MAX_WAIT_MS, make_consumer
from .refusals import DeadLetter

log = logging.getLogger(__name__)
tracer = trace.get_tracer("jointsup.consumer")

Handler = Callable[[AsyncSession, Event, BaseModel], Awaitable[None]]
NOT_RETRIABLE = (InvalidEvent, UnknownEventType, ValidationError, DeadLetter)
# The database being away is not the event's fault: wait for it instead of dead-lettering.
TRANSIENT = DATABASE_AWAY
# ...but a deadlock or a lock wait given up is a collision with another transaction: try again at once.
_COLLISIONS = {"40P01", "40001", "55P03"}  # deadlock_detected, serialization_failure, lock_not_available
# Records sharing one transaction (JOINTSUP_CONSUMER_RECORDS_PER_TRANSACTION): their row locks are held until it
# commits, so a small number keeps another member of the group (events of one subject arrive on several
# partitions) from waiting long on them.
RECORDS_PER_TRANSACTION = 16


# How long one attempt to join the group may take before a new consumer tries (doubling each time, up to 8x):
# a join waits for the other members to rejoin, which takes up to their session timeout.
START_TIMEOUT_SECONDS = 60.0


# A shared transaction that waits this long for a row lock gives up (lock_not_available) and its records go one
# by one: two members' shared transactions cannot then hold each other up for the second a deadlock takes to find.
_GIVE_UP_WAITING = text("SET LOCAL lock_timeout = '100ms'")


def collided(exc: BaseException) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _COLLISIONS


class EventConsumer:
    """One consumer group member: handles each event once, dead-letters what keeps failing."""

    def __init__(self, *, service: str, bootstrap: str, topics: list[str], handlers: Mapping[str, Handler],
                 sessionmaker: async_sessionmaker, processed: Table, producer: AIOKafkaProducer,
                 max_attempts: int = 4, backoff_seconds: float = 0.2, group_id: str | None = None,
                 dlq: str | None = None, session_timeout_ms: int = 10_000,
                 fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS,
                 records_per_transaction: int = RECORDS_PER_TRANSACTION,
                 start_timeout: float = START_TIMEOUT_SECONDS):
        self.service, self.topics, self.handlers = service, topics, dict(handlers)
        self.sessionmaker, self.processed, self.producer = sessionmaker, processed, producer
        self.max_attempts, self.backoff_seconds = max_attempts, backoff_seconds
        self.records_per_transaction = records_per_transaction
        self.group_id = group_id or service
        self.dlq = dlq or dlq_topic(service)
        self._make_consumer = lambda: make_consumer(
            bootstrap, group_id=self.group_id, client_id=f"jointsup-{service}", topics=topics,
            session_timeout_ms=session_timeout_ms, fetch_max_wait_ms=fetch_max_wait_ms)
        self.consumer = self._make_consumer()
        self.start_timeout = start_timeout
        self.stats: Counter[str] = Counter()
        self._insert_processed = per_dialect(lambda insert: insert(processed).on_conflict_do_nothing().returning(
            processed.c.event_id))
        self.infrastructure_wait_seconds = 1.0
        self.started = asyncio.Event()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Consume until stopped; commit what was handled, then leave the group."""
        if not await self._start():
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
                if batches:
                    await self.handle_poll(batches)
        finally:
            await self.consumer.stop()

    async def _start(self) -> bool:
        """Join the group, with a new aiokafka consumer after each failed or stalled attempt: one whose start()
        failed part-way (a coordinator error aborts its wait for an assignment) refuses every later start()
        ("Did you call `start` twice?"), so retrying the same one would never consume. False when stopped first."""
        timeout, delay = self.start_timeout, 0.2
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self.consumer.start(), timeout)
                return True
            except Exception as exc:  # the broker away, a coordinator error, a join that does not end
                self.stats["start_failed"] += 1
                log.warning("%s consumer did not start (%s: %s); a new one tries in %.1f s", self.service,
                            type(exc).__name__, exc, delay)
                await self._discard_consumer()
                try:
                    await asyncio.wait_for(self._stopping.wait(), delay)
                except TimeoutError:
                    pass
                timeout, delay = min(timeout * 2, self.start_timeout * 8), min(delay * 2, 5.0)
        return False

    async def _discard_consumer(self) -> None:
        try:
            await self.consumer.stop()
        except Exception as exc:  # what did start is closed as far as it can be; the new consumer is what counts
            log.info("%s: closing a consumer that did not start: %s", self.service, exc)
        self.consumer = self._make_consumer()

    async def handle_poll(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Handle what one poll brought, a few records to a transaction when every handler succeeds
        (the transaction and the processed rows are shared), otherwise record by record with retries and dead
        letters. Then commit the offsets of every partition."""
        handled_up_to: dict[TopicPartition, int] = {}
        polled = [(tp, record) for tp, records in batches.items() for record in records]
        for start in range(0, len(polled), self.records_per_transaction):
            if self._stopping.is_set():
                break
            chunk = polled[start:start + self.records_per_transaction]
            if await self._handle_together([record for _, record in chunk]):
                handled_up_to.update((tp, record.offset) for tp, record in chunk)
                continue
            for tp, record in chunk:
                if self._stopping.is_set():
                    break
                await self.handle_record(record)
                handled_up_to[tp] = record.offset
        if handled_up_to:
            try:
                await self.consumer.commit({tp: offset + 1 for tp, offset in handled_up_to.items()})
            except (CommitFailedError, KafkaError) as exc:
                # Partitions moved to another member: it redelivers, and the processed table dedupes.
                log.warning("%s commit of %s failed: %s", self.service, sorted(handled_up_to), exc)

    async def _handle_together(self, records: list[ConsumerRecord]) -> bool:
        """One transaction for all `records`; False, with nothing written, when any of them is undecodable or
        its handler fails (the record-by-record path then retries or dead-letters it)."""
        work = []
        try:
            for record in records:
                event = decode(record.value, record.headers or [])
                handler = self.handlers.get(event.short_type)
                payload = spec_for(event.type).payload.model_validate(event.data) if handler else None
                work.append((record, event, handler, payload))
        except NOT_RETRIABLE:
            return False
        while True:
            try:
                outcomes = await self._apply_together(work)
                break
            except TRANSIENT as exc:
                if collided(exc):
                    return False
                await self._wait_for_infrastructure(exc)
            except Exception as exc:
                log.info("%s: %d records go one by one: %s", self.service, len(work), exc)
                return False
        for outcome in outcomes:
            self._count(outcome)
        return True

    async def _apply_together(self, work: list[tuple]) -> list[str]:
        handled = [(record, event) for record, event, handler, _ in work if handler]
        if not handled:
            for record, event, _, _ in work:
                with self._span(record, event):
                    pass
            return ["skipped"] * len(work)
        async with self.sessionmaker() as session, session.begin():
            connection = await session.connection()
            if len(handled) > 1 and connection.dialect.name == "postgresql":  # one alone holds locks no longer
                await connection.execute(_GIVE_UP_WAITING)
            new = await self._mark_processed(session, handled)
            outcomes = []
            for record, event, handler, payload in work:
                with self._span(record, event):
                    if handler is None:
                        outcomes.append("skipped")
                    elif event.id in new:
                        new.discard(event.id)  # the same event twice in one poll: the second is a duplicate
                        await handler(session, event, payload)
                        outcomes.append("handled")
                    else:
                        outcomes.append("duplicate")
        return outcomes

    @contextmanager
    def _span(self, record: ConsumerRecord, event: Event | None = None):
        """The record's `process` span, a child of the trace its producer started."""
        with tracer.start_as_current_span(f"process {record.topic}",
                                          context=extract(list(record.headers or []), getter=HEADER_GETTER),
                                          kind=trace.SpanKind.CONSUMER,
                                          attributes={"messaging.consumer.group.name": self.group_id}) as span:
            if event is not None:
                _describe(span, event)
            yield span

    async def handle_record(self, record: ConsumerRecord) -> str:
        """Handle one record; returns handled, duplicate, skipped or dead_lettered."""
        with self._span(record) as span:
            try:
                event = decode(record.value, record.headers or [])
                _describe(span, event)
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
                    if not collided(exc):
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
            if not await self._mark_processed(session, [(record, event)]):
                return "duplicate"
            await handler(session, event, payload)
        return "handled"

    async def _mark_processed(self, session: AsyncSession, events: list[tuple[ConsumerRecord, Event]]) -> set[str]:
        """Record the events as handled by this consumer; the ids of those it had not handled before."""
        if not events:
            return set()
        connection = await session.connection()
        now = datetime.now(timezone.utc)
        rows = [{"consumer": self.group_id, "event_id": event.id, "event_type": event.type, "topic": record.topic,
                 "partition": record.partition, "offset": record.offset, "processed_at": now}
                for record, event in {event.id: (record, event) for record, event in events}.values()]
        result = await connection.execute(self._insert_processed(session), rows[0] if len(rows) == 1 else rows)
        return set(result.scalars())  # an id missing: this consumer already handled that event

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

    async def lag(self) -> dict[TopicPartition, int]:
        """Records not yet committed by this group, per partition of the topics it consumes: the log's end
        against the group's committed offset (or the log's start where the group has committed none), as
        Kafka's own tools count it, whatever this member happens to be assigned."""
        partitions = [TopicPartition(topic, p) for topic in self.topics
                      for p in sorted(self.consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return {}
        ends = await self.consumer.end_offsets(partitions)
        committed = dict(zip(partitions, await asyncio.gather(*(self.consumer.committed(tp) for tp in partitions))))
        uncommitted = [tp for tp, offset in committed.items() if offset is None]
        starts = await self.consumer.beginning_offsets(uncommitted) if uncommitted else {}
        return {tp: max(ends[tp] - (committed[tp] if committed[tp] is not None else starts[tp]), 0)
                for tp in partitions}

    async def dead_letters(self) -> int:
        """How many records this service's dead-letter topic holds (written by any of its members)."""
        partitions = [TopicPartition(self.dlq, p) for p in sorted(await self.producer.partitions_for(self.dlq))]
        starts = await self.consumer.beginning_offsets(partitions)
        ends = await self.consumer.end_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)

    def _count(self, outcome: str) -> str:
        self.stats[outcome] += 1
        return outcome


def _describe(span, event: Event) -> None:
    span.set_attribute("cloudevents.event_type", event.type)
    span.set_attribute("cloudevents.event_id", event.id)
