"""A memory-only broker killed and started again on its port holds none of its log: the relay sends what its
outbox retains again, consumers of the new broker read it from the beginning, and each event has one effect."""
import asyncio
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select

from shared.broker import EmbeddedBroker, free_port
from shared.db import make_engine, make_sessionmaker
from shared.events.payloads.complaints import ComplaintClosed
from shared.messaging import EventConsumer, Outbox, OutboxRelay, define_messaging_tables
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.marker import BrokerMarker
from shared.messaging.outbox import WAKE_KEY
from shared.messaging.retention import forget_sent
from tests.support import eventually

TOPIC = "jointsup.complaints"


class Line:
    """An outbox, its relay and consumer groups writing one effect row per event they handle, over a broker of
    the test's own that it can kill."""

    def __init__(self, url: str):
        self.name = f"lost{uuid.uuid4().hex[:8]}"
        self.metadata = MetaData()
        self.tables = define_messaging_tables(self.metadata)
        self.effects = Table("effect", self.metadata, Column("grp", String(60)), Column("event_id", String(64)))
        self.url, self.engine = url, make_engine(url)
        self.broker = EmbeddedBroker(free_port())
        self.relay: OutboxRelay | None = None
        self.tasks: dict[str, tuple[object, asyncio.Task]] = {}

    async def __aenter__(self):
        self.broker.start()
        async with self.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)
        await ensure_topics(self.broker.bootstrap, [TOPIC], partitions=3)
        self.producer = make_producer(self.broker.bootstrap, client_id=self.name)
        await self.producer.start()
        return self

    async def __aexit__(self, *exc):
        for name in list(self.tasks):
            await self.stop(name)
        await self.producer.stop()
        self.broker.stop()
        await self.engine.dispose()

    def restart_broker(self) -> None:
        """SIGKILL, then a new broker on the same port: an empty log, no group offsets."""
        self.broker.process.kill()
        self.broker.process.wait()
        self.broker.start()

    def start_relay(self) -> OutboxRelay:
        marker = BrokerMarker(self.broker.bootstrap, self.name, topics=[TOPIC], partitions=3)
        self.relay = OutboxRelay(engine=self.engine, table=self.tables.outbox, producer=self.producer,
                                 name=self.name, poll_seconds=0.2, marker=marker)
        self.tasks["relay"] = (self.relay, asyncio.create_task(self.relay.run()))
        return self.relay

    def start_group(self, group: str) -> None:
        async def handle(session, event, payload):
            await (await session.connection()).execute(self.effects.insert().values(grp=group, event_id=event.id))
        consumer = EventConsumer(service=f"{self.name}-{group}", bootstrap=self.broker.bootstrap, topics=[TOPIC],
                                 handlers={"complaint.closed": handle}, sessionmaker=make_sessionmaker(self.engine),
                                 processed=self.tables.processed, producer=self.producer, session_timeout_ms=6000)
        self.tasks[group] = (consumer, asyncio.create_task(consumer.run()))

    async def stop(self, name: str) -> None:
        loop, task = self.tasks.pop(name)
        loop.stop()
        await task

    async def add(self, n: int) -> list[str]:
        outbox = Outbox(self.tables.outbox, source="/test")
        wake = {WAKE_KEY: self.relay.wake} if self.relay else {}
        ids = []
        async with make_sessionmaker(self.engine, **wake)() as session:
            for i in range(n):
                key = f"c{i % 4}"  # a few keys, so several events of one key go in order
                ids.append((outbox.add(session, "complaint.closed", subject=key, data=ComplaintClosed(
                    complaint_id=key, lead_agency="440105-amr", outcome=str(i)))).id)
            await session.commit()
        return ids

    async def unpublished(self) -> int:
        c = self.tables.outbox.c
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).where(c.published_at.is_(None)))).scalar_one()

    async def handled(self, group: str) -> Counter:
        async with self.engine.connect() as conn:
            return Counter((await conn.execute(select(self.effects.c.event_id)
                                               .where(self.effects.c.grp == group))).scalars())


@pytest.fixture
async def line(databases):
    async with Line(databases.url(f"lost_{uuid.uuid4().hex[:6]}")) as line_:
        yield line_


async def test_events_sent_to_a_broker_that_was_killed_reach_every_consumer_once(line):
    """`late` is down while the second batch goes out and the broker dies: before the republish those events
    were marked sent and gone with the broker's memory. `steady` consumes right through the restart."""
    line.start_relay()
    line.start_group("steady")
    line.start_group("late")
    first = await line.add(12)
    await eventually(lambda: _has(line, "late", first), what="the first batch handled")
    await line.stop("late")
    second = await line.add(8)
    await eventually(lambda: _has(line, "steady", first + second), what="the second batch handled by steady")
    assert await line.unpublished() == 0  # sent, acknowledged and marked: only the broker held them for `late`

    line.restart_broker()
    third = await line.add(5)  # committed while the relay's producer reconnects to the new broker
    line.start_group("late")
    everything = first + second + third
    for group in ("steady", "late"):
        handled = await eventually(lambda: _has(line, group, everything), timeout=60, what=f"{group} has all")
        assert handled == Counter(everything), group  # each once: what came again was found a duplicate
    assert line.relay.republished == len(first) + len(second)


async def test_a_relay_started_against_a_new_broker_sends_the_retained_events_once(line):
    """A `make run` after a kill: the new broker is empty, and the relay sends everything retained at its start;
    a relay restarted against the same broker finds its marker and sends nothing again."""
    relay = line.start_relay()
    sent = await line.add(6)
    await eventually(lambda: _none_unpublished(line), what="the events sent")
    assert relay.republished == 0  # the first pass set the marker on an outbox with nothing sent yet
    await line.stop("relay")
    line.restart_broker()

    relay = line.start_relay()
    line.start_group("reader")
    await eventually(lambda: _has(line, "reader", sent), timeout=60, what="the retained events on the new broker")
    assert relay.republished == len(sent)
    await line.stop("relay")
    relay = line.start_relay()
    await asyncio.sleep(1)  # a few passes
    assert relay.republished == 0 and await line.handled("reader") == Counter(sent)


async def test_sent_events_are_kept_for_the_retention_window_and_unsent_ones_until_they_go(databases):
    metadata = MetaData()
    outbox = define_messaging_tables(metadata).outbox
    engine = make_engine(databases.url(f"retention_{uuid.uuid4().hex[:6]}"))
    now = datetime.now(timezone.utc)
    # in sequence order: old sent, old unsent, old sent, recent sent, old sent after it, unsent
    published = [now - timedelta(days=9), None, now - timedelta(days=8), now - timedelta(hours=1),
                 now - timedelta(days=8), None]
    rows = [{"event_id": f"e{i}", "event_type": "t", "topic": TOPIC, "key": "k", "value": b"v", "headers": {},
             "created_at": now - timedelta(days=10), "published_at": at, "attempts": 0}
            for i, at in enumerate(published)]
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(outbox), rows)
        assert await forget_sent(engine, outbox, before=now - timedelta(days=7), batch=1) == 2
        async with engine.connect() as conn:
            left = (await conn.execute(select(outbox.c.event_id).order_by(outbox.c.seq))).scalars().all()
    finally:
        await engine.dispose()
    # e4 is old but comes after a recent one: kept until that one goes (the scan stops at the window's start)
    assert left == ["e1", "e3", "e4", "e5"]


async def _has(line: Line, group: str, ids: list[str]) -> Counter | None:
    handled = await line.handled(group)
    return handled if set(ids) <= set(handled) else None


async def _none_unpublished(line: Line) -> bool:
    return await line.unpublished() == 0
