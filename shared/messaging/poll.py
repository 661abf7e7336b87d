"""Running one poll's records: a few to a transaction while every handler succeeds (the transaction and the
processed rows are shared), otherwise one by one, each as the AckPolicy decides after every attempt."""
import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone

from aiokafka import ConsumerRecord, TopicPartition
from opentelemetry import trace
from opentelemetry.propagate import extract
from pydantic import BaseModel
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import per_dialect
from shared.events import Event, decode, spec_for
from shared.telemetry import HEADER_GETTER

from .ack_policy import NOT_RETRIABLE, AckPolicy, Verdict
from .dead_lettering import DeadLetterWriter

log = logging.getLogger(__name__)
tracer = trace.get_tracer("jointsup.consumer")

Handler = Callable[[AsyncSession, Event, BaseModel], Awaitable[None]]
# Records sharing one transaction (JOINTSUP_CONSUMER_RECORDS_PER_TRANSACTION): their row locks are held until it
# commits, so a small number keeps another member of the group (events of one subject arrive on several
# partitions) from waiting long on them.
RECORDS_PER_TRANSACTION = 16
# A shared transaction that waits this long for a row lock gives up (lock_not_available) and its records go one
# by one: two members' shared transactions cannot then hold each other up for the second a deadlock takes to find.
_GIVE_UP_WAITING = text("SET LOCAL lock_timeout = '100ms'")


class PollRunner:
    """Handles each event once (the processed table remembers it), counting the outcomes in `stats`."""

    def __init__(self, *, service: str, group_id: str, handlers: Mapping[str, Handler],
                 sessionmaker: async_sessionmaker, processed: Table, policy: AckPolicy,
                 dead_letters: DeadLetterWriter, stats: Counter[str], stopping: asyncio.Event,
                 records_per_transaction: int = RECORDS_PER_TRANSACTION):
        self.service, self.group_id, self.handlers = service, group_id, dict(handlers)
        self.sessionmaker, self.processed, self.policy = sessionmaker, processed, policy
        self.dead_letters, self.stats, self._stopping = dead_letters, stats, stopping
        self.records_per_transaction = records_per_transaction
        self._insert_processed = per_dialect(lambda insert: insert(processed).on_conflict_do_nothing().returning(
            processed.c.event_id))

    async def run(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> dict[TopicPartition, int]:
        """Handle what one poll brought (until stopped); the offset of the last record handled, per partition."""
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
        return handled_up_to

    async def _handle_together(self, records: list[ConsumerRecord]) -> bool:
        """One transaction for all `records`; False, with nothing written, when any of them is undecodable or
        its handler fails (they then go one by one)."""
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
                outcomes, error = await self._apply_together(work), None
            except Exception as exc:
                outcomes, error = [], exc
            decision = self.policy.after_shared(error)
            if decision.verdict is Verdict.COMMIT:
                break
            if decision.verdict is Verdict.WAIT:
                await self._wait_for_infrastructure(error, decision.delay)
                continue
            log.info("%s: %d records go one by one: %s", self.service, len(work), error)
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
                await self.dead_letters.write(record, exc, attempts=1)
                return self._count("dead_lettered")
            attempt = 1
            while True:
                try:
                    outcome, error = await self._apply(handler, event, payload, record), None
                except Exception as exc:
                    outcome, error = None, exc
                decision = self.policy.after(error, attempt=attempt)
                if decision.verdict is Verdict.COMMIT:
                    return self._count(outcome)
                if decision.verdict is Verdict.WAIT:
                    await self._wait_for_infrastructure(error, decision.delay)
                    continue
                if decision.attempt > attempt or (decision.verdict is Verdict.DEAD_LETTER
                                                  and not isinstance(error, NOT_RETRIABLE)):
                    log.warning("%s: %s %s failed (attempt %d/%d): %s", self.service, event.type, event.id,
                                attempt, self.policy.max_attempts, error)
                if decision.verdict is Verdict.DEAD_LETTER:
                    span.record_exception(error)
                    await self.dead_letters.write(record, error, attempts=decision.attempt)
                    return self._count("dead_lettered")
                await asyncio.sleep(decision.delay)
                attempt = decision.attempt

    async def _wait_for_infrastructure(self, exc: BaseException, seconds: float) -> None:
        if self._stopping.is_set():
            raise exc  # not committed: the record comes back after the restart
        log.warning("%s: database unavailable (%s); waiting before retrying", self.service, type(exc).__name__)
        self.stats["waited_for_database"] += 1
        await asyncio.sleep(seconds)

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

    def _count(self, outcome: str) -> str:
        self.stats[outcome] += 1
        return outcome


def _describe(span, event: Event) -> None:
    span.set_attribute("cloudevents.event_type", event.type)
    span.set_attribute("cloudevents.event_id", event.id)
