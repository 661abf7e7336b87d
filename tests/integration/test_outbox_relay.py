"""The outbox relay against the real broker: woken on commit, in order per aggregate, one publisher at a time."""
import asyncio
import time
import uuid
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import MetaData, func, select, update

from shared.db import after_commit, make_engine, make_sessionmaker
from shared.events import decode
from shared.events.payloads.complaints import ComplaintClosed
from shared.messaging import Outbox, OutboxRelay, define_messaging_tables
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.outbox import WAKE_KEY
from tests.support import eventually, logged


class RelayHarness:
    """An outbox table in a fresh database and relays publishing it to the real broker."""

    def __init__(self, broker, url: str):
        self.broker, self.url = broker, url
        self.name = f"relay{uuid.uuid4().hex[:8]}"
        self.metadata = MetaData()
        self.tables = define_messaging_tables(self.metadata)
        self.relays: list[tuple[OutboxRelay, asyncio.Task]] = []

    async def setup(self):
        self.engine = make_engine(self.url)
        async with self.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)
        await ensure_topics(self.broker.bootstrap, ["jointsup.complaints"], partitions=3)

    async def start_relay(self, *, poll_seconds: float) -> OutboxRelay:
        engine = make_engine(self.url)  # each replica has its own pool, as separate processes would
        producer = make_producer(self.broker.bootstrap, client_id=self.name)
        await producer.start()
        relay = OutboxRelay(engine=engine, table=self.tables.outbox, producer=producer, name=self.name,
                            poll_seconds=poll_seconds, batch_size=50)
        self.relays.append((relay, asyncio.create_task(relay.run())))
        await asyncio.sleep(0)
        return relay

    async def add_events(self, relay: OutboxRelay | None, keys: list[str]) -> list[str]:
        """Commit one event per key, each in the same transaction as nothing else."""
        outbox = Outbox(self.tables.outbox, source="/test")
        sessionmaker = make_sessionmaker(self.engine, **({WAKE_KEY: relay.wake} if relay else {}))
        ids = []
        async with sessionmaker() as session:
            for i, key in enumerate(keys):
                event = outbox.add(session, "complaint.closed", subject=key, data=ComplaintClosed(
                    complaint_id=key, lead_agency="440105-amr", outcome=f"{self.name}:{i}"))
                ids.append(event.id)
            await session.commit()
        return ids

    async def teardown(self):
        for relay, task in self.relays:
            relay.stop()
            await task
            await relay.producer.stop()
            await relay.engine.dispose()
        await self.engine.dispose()

    async def unpublished(self) -> int:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(func.count()).select_from(self.tables.outbox).where(
                self.tables.outbox.c.published_at.is_(None)))).scalar_one()


async def read_topic(bootstrap: str, marker: str, expected: int, timeout: float = 20) -> list:
    """Every record on jointsup.complaints whose outcome carries `marker`, in partition order."""
    consumer = AIOKafkaConsumer("jointsup.complaints", bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    found = []
    try:
        deadline = time.monotonic() + timeout
        while len(found) < expected and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    event = decode(r.value, r.headers)
                    if event.data.get("outcome", "").startswith(marker):
                        found.append((r, event))
        await asyncio.sleep(0.5)  # anything beyond `expected` would be a duplicate: give it a moment
        for records in (await consumer.getmany(timeout_ms=500)).values():
            found.extend((r, decode(r.value, r.headers)) for r in records
                         if decode(r.value, r.headers).data.get("outcome", "").startswith(marker))
    finally:
        await consumer.stop()
    return found


@pytest.fixture
async def relay_harness(broker, databases):
    harness = RelayHarness(broker, databases.url(f"relay_{uuid.uuid4().hex[:6]}"))
    await harness.setup()
    yield harness
    await harness.teardown()


async def test_commit_wakes_the_relay_without_waiting_for_the_poll(relay_harness):
    relay = await relay_harness.start_relay(poll_seconds=60)
    await asyncio.sleep(0.3)  # the relay's first pass found nothing and now sleeps for up to a minute
    started = time.monotonic()
    await relay_harness.add_events(relay, ["woken"])
    await eventually(lambda: _none_left(relay_harness), timeout=10, interval=0.01, what="event published")
    assert time.monotonic() - started < 5  # far below the 60 s poll: the commit woke it
    records = await read_topic(relay_harness.broker.bootstrap, relay_harness.name, 1)
    record, event = records[0]
    assert record.key == b"woken" and event.subject == "woken"
    headers = dict(record.headers)
    assert headers["content-type"] == b"application/cloudevents+json" and b"traceparent" in [
        k.encode() for k in headers]


async def test_events_of_one_aggregate_keep_their_order(relay_harness):
    keys = [f"agg-{i % 3}" for i in range(30)]
    relay = await relay_harness.start_relay(poll_seconds=0.2)
    await relay_harness.add_events(relay, keys)
    records = await read_topic(relay_harness.broker.bootstrap, relay_harness.name, 30)
    assert len(records) == 30
    for key in {"agg-0", "agg-1", "agg-2"}:
        sequence = [int(e.data["outcome"].split(":")[1]) for r, e in records if r.key.decode() == key]
        assert sequence == sorted(sequence) and len(sequence) == 10


async def test_a_failed_event_holds_the_later_events_of_its_key_across_batches(relay_harness):
    """One event per batch and four batches in flight: a refused event stops its key, not the others."""
    ids = await relay_harness.add_events(None, ["held", "other", "held", "other", "held"])
    outbox = relay_harness.tables.outbox
    async with relay_harness.engine.begin() as conn:
        first = (await conn.execute(select(outbox.c.seq, outbox.c.value).where(outbox.c.event_id == ids[0]))).one()
        await conn.execute(update(outbox).where(outbox.c.seq == first.seq).values(value=b"x" * 2_000_000))
    producer = make_producer(relay_harness.broker.bootstrap, client_id=relay_harness.name)
    await producer.start()
    relay = OutboxRelay(engine=relay_harness.engine, table=outbox, producer=producer, name=relay_harness.name,
                        batch_size=1, window=4)
    try:
        with pytest.raises(RuntimeError, match="events not published yet"):
            await relay.publish_pending()  # the broker refuses a record over its size limit
        async with relay_harness.engine.connect() as conn:
            left = (await conn.execute(select(outbox.c.event_id, outbox.c.attempts, outbox.c.last_error)
                                       .where(outbox.c.published_at.is_(None)).order_by(outbox.c.seq))).all()
        assert [r.event_id for r in left] == [ids[0], ids[2], ids[4]] and [r.attempts for r in left][:2] == [1, 1]
        assert "TooLarge" in left[0].last_error and left[1].last_error == "earlier event of key failed"

        async with relay_harness.engine.begin() as conn:  # the cause is fixed: the held events follow in order
            await conn.execute(update(outbox).where(outbox.c.seq == first.seq).values(value=first.value))
        assert await relay.publish_pending() == 3
    finally:
        await producer.stop()
    records = await read_topic(relay_harness.broker.bootstrap, relay_harness.name, 5)
    assert Counter(e.id for _, e in records) == Counter(ids)  # each once: held events were never sent early
    assert [e.id for r, e in records if r.key == b"held"] == [ids[0], ids[2], ids[4]]


async def test_replicas_relaying_one_outbox_never_double_publish(relay_harness, backend):
    if backend != "postgres":
        pytest.skip("several relay replicas are a PostgreSQL deployment; the SQLite default runs one process")
    replicas = [await relay_harness.start_relay(poll_seconds=0.05) for _ in range(3)]
    for batch in range(6):
        await relay_harness.add_events(replicas[batch % 3], [f"k{batch}-{i}" for i in range(40)])
    await eventually(lambda: _none_left(relay_harness), timeout=30, what="outbox drained")
    records = await read_topic(relay_harness.broker.bootstrap, relay_harness.name, 240)
    counts = Counter(e.id for _, e in records)
    assert len(counts) == 240 and set(counts.values()) == {1}
    assert sum(1 for relay, _ in relay_harness.relays if relay.published) == 1  # one leader did all the work


async def _none_left(harness) -> bool:
    return await harness.unpublished() == 0


async def test_a_failing_after_commit_callback_neither_fails_the_commit_nor_skips_the_others(databases):
    engine = make_engine(databases.url(f"after_commit_{uuid.uuid4().hex[:6]}"))
    called = []

    def fail():
        raise RuntimeError("callback broke")

    try:
        with logged("shared.db") as lines:
            async with make_sessionmaker(engine)() as session:
                await session.connection()
                after_commit(session, fail)
                after_commit(session, lambda: called.append("second"))
                await session.commit()  # does not raise
                after_commit(session, lambda: called.append("rolled back"))
                await session.connection()
                await session.rollback()
                await session.commit()
    finally:
        await engine.dispose()
    assert called == ["second"]
    (line,) = lines
    assert "a callback after commit failed" in line and "RuntimeError: callback broke" in line
