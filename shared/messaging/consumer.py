"""Consumer runtime: one group member that joins its group (group.py), runs each poll (poll.py) as its
AckPolicy decides (ack_policy.py), dead-letters what it must (dead_lettering.py) and commits the offsets after
the effect; what it reports is counted in `stats` and read by consumer_metrics.py."""
import asyncio
import logging
from collections import Counter
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import async_sessionmaker

from shared.events.topics import dlq_topic

from .ack_policy import AckPolicy
from .dead_lettering import DeadLetterWriter
from .group import START_TIMEOUT_SECONDS, Membership
from .kafka import DEFAULT_FETCH_MAX_WAIT_MS, make_consumer
from .poll import RECORDS_PER_TRANSACTION, Handler, PollRunner

log = logging.getLogger(__name__)


class EventConsumer:
    """One consumer group member: handles each event once, dead-letters what keeps failing."""

    def __init__(self, *, service: str, bootstrap: str, topics: list[str], handlers: Mapping[str, Handler],
                 sessionmaker: async_sessionmaker, processed: Table, producer: AIOKafkaProducer,
                 policy: AckPolicy = AckPolicy(), group_id: str | None = None, dlq: str | None = None,
                 session_timeout_ms: int = 10_000, fetch_max_wait_ms: int = DEFAULT_FETCH_MAX_WAIT_MS,
                 records_per_transaction: int = RECORDS_PER_TRANSACTION,
                 start_timeout: float = START_TIMEOUT_SECONDS):
        self.service, self.topics, self.producer = service, topics, producer
        self.group_id = group_id or service
        self.dlq = dlq or dlq_topic(service)
        self.stats: Counter[str] = Counter()
        self.started = asyncio.Event()
        self._stopping = asyncio.Event()
        self.membership = Membership(service, lambda: make_consumer(
            bootstrap, group_id=self.group_id, client_id=f"jointsup-{service}", topics=topics,
            session_timeout_ms=session_timeout_ms, fetch_max_wait_ms=fetch_max_wait_ms),
            self.stats, start_timeout=start_timeout)
        self.poll = PollRunner(
            service=service, group_id=self.group_id, handlers=handlers, sessionmaker=sessionmaker,
            processed=processed, policy=policy, stats=self.stats, stopping=self._stopping,
            records_per_transaction=records_per_transaction,
            dead_letters=DeadLetterWriter(producer, self.dlq, service=service, group_id=self.group_id,
                                          stopping=self._stopping))

    @property
    def consumer(self) -> AIOKafkaConsumer:
        """This member's aiokafka consumer (a new one after each failed join)."""
        return self.membership.consumer

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Consume until stopped; commit what was handled, then leave the group."""
        if not await self.membership.join(self._stopping):
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
            await self.membership.leave()

    async def handle_poll(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Handle what one poll brought, then commit the offsets of every partition."""
        handled_up_to = await self.poll.run(batches)
        if handled_up_to:
            await self.membership.commit(handled_up_to)
