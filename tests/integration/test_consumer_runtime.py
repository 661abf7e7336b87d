"""The consumer runtime against the real broker: dead letters, redelivery, replay."""
import asyncio
import uuid
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.exc import OperationalError

from shared.db import make_engine, make_sessionmaker
from shared.events import encode
from shared.events.payloads.complaints import ComplaintClosed
from shared.events.topics import dlq_topic, retry_topic
from shared.messaging import EventConsumer, define_messaging_tables
from shared.messaging.ack_policy import AckPolicy
from shared.messaging.dlq_replay import replay
from shared.messaging.kafka import ensure_topics, make_producer
from shared.messaging.refusals import Policy, Refused, Refusals, refusable
from tests.support import eventually


class Harness:
    """A consumer on topics of its own, writing its effect to a table of its own."""

    def __init__(self, broker, url: str):
        self.name = f"t{uuid.uuid4().hex[:10]}"
        self.topic = f"test.{self.name}.events"
        self.broker = broker
        self.metadata = MetaData()
        self.tables = define_messaging_tables(self.metadata)
        self.effects = Table("effect", self.metadata, Column("event_id", String(64)), Column("note", String(200)))
        self.tally = Table("tally", self.metadata, Column("n", Integer, nullable=False))  # one row every handler bumps
        self.engine = make_engine(url)
        self.failing: set[str] = set()
        self.refusing: set[str] = set()  # complaint ids whose events the handler refuses, after writing its effect
        self.policies: dict[str, Policy] = {}
        self.refusals = Refusals()
        self.database_outages = 0  # the next N handler calls fail as if the database were away
        self.start_at_once = True
        self.records_per_transaction = 16

    async def handle(self, session, event, payload: ComplaintClosed) -> None:
        connection = await session.connection()
        await connection.execute(self.effects.insert().values(event_id=event.id, note=payload.outcome))
        await connection.execute(self.tally.update().values(n=self.tally.c.n + 1))
        if self.database_outages:
            self.database_outages -= 1
            raise OperationalError("SELECT 1", {}, ConnectionRefusedError("database restarting"))
        if payload.complaint_id in self.failing:
            raise RuntimeError(f"handler refuses {payload.complaint_id}")
        if payload.complaint_id in self.refusing:
            raise Refused("closed already", f"{payload.complaint_id} is closed already")

    async def __aenter__(self):
        async with self.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)
            await conn.execute(self.tally.insert().values(n=0))
        await ensure_topics(self.broker.bootstrap, [self.topic, dlq_topic(self.name), retry_topic(self.name)],
                            partitions=1)
        self.producer = make_producer(self.broker.bootstrap, client_id=self.name)
        await self.producer.start()
        self.consumer = EventConsumer(
            service=self.name, bootstrap=self.broker.bootstrap, topics=[self.topic, retry_topic(self.name)],
            handlers=refusable({"complaint.closed": self.handle}, self.policies, self),
            sessionmaker=make_sessionmaker(self.engine),
            processed=self.tables.processed, producer=self.producer,
            policy=AckPolicy(max_attempts=3, backoff_seconds=0.01, database_wait_seconds=0.05),
            session_timeout_ms=6000, records_per_transaction=self.records_per_transaction)
        self.task = asyncio.create_task(self.consumer.run()) if self.start_at_once else None
        return self

    def start(self) -> None:
        """Start consuming now (what was sent before arrives in the first poll)."""
        self.task = asyncio.create_task(self.consumer.run())

    async def __aexit__(self, *exc):
        self.consumer.stop()
        if self.task is not None:
            await self.task
        await self.producer.stop()
        await self.engine.dispose()

    async def send_event(self, complaint_id: str, *, event_id: str | None = None) -> str:
        encoded = encode(type="complaint.closed", source="/test", subject=complaint_id, event_id=event_id,
                         data=ComplaintClosed(complaint_id=complaint_id, lead_agency="440105-amr",
                                              outcome="resolved").model_dump(mode="json"))
        await self.send_raw(encoded.value, headers=list(encoded.headers.items()) + [("x-test", b"kept")])
        return encoded.id

    async def send_raw(self, value: bytes, headers=()) -> None:
        await (await self.producer.send(self.topic, value=value, key=b"k", headers=list(headers)))

    async def waiting_on_a_lock(self) -> bool:
        """Whether a transaction of this database is waiting for a row lock now (PostgreSQL)."""
        async with self.engine.connect() as conn:
            return bool((await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))).scalar_one())

    async def processed_at(self) -> dict[str, object]:
        processed = self.tables.processed
        async with self.engine.connect() as conn:
            return dict((await conn.execute(select(processed.c.event_id, processed.c.processed_at))).all())

    async def effect_count(self, event_id: str | None = None) -> int:
        query = select(func.count()).select_from(self.effects)
        if event_id:
            query = query.where(self.effects.c.event_id == event_id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).scalar_one()

    async def dead_letters(self, expected: int) -> list:
        consumer = AIOKafkaConsumer(dlq_topic(self.name), bootstrap_servers=self.broker.bootstrap,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        records = []
        try:
            deadline = asyncio.get_running_loop().time() + 20
            while len(records) < expected and asyncio.get_running_loop().time() < deadline:
                for batch in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(batch)
        finally:
            await consumer.stop()
        return records


@pytest.fixture
async def harness(broker, databases):
    async with Harness(broker, databases.url(f"runtime_{uuid.uuid4().hex[:6]}")) as h:
        yield h


@pytest.fixture
async def skipping_harness(broker, databases):
    h = Harness(broker, databases.url(f"runtime_{uuid.uuid4().hex[:6]}"))
    h.policies["complaint.closed"] = Policy.SKIP
    async with h:
        yield h


@pytest.fixture
async def dead_lettering_harness(broker, databases):
    h = Harness(broker, databases.url(f"runtime_{uuid.uuid4().hex[:6]}"))
    h.policies["complaint.closed"] = Policy.DEAD_LETTER
    async with h:
        yield h


async def test_a_refused_event_under_the_skip_policy_is_handled_without_effect_and_counted(skipping_harness):
    harness = skipping_harness
    harness.refusing.add("refused-1")
    refused = await harness.send_event("refused-1")
    after = await harness.send_event("fine-1")
    await eventually(lambda: harness.effect_count(after), what="the next event handled")
    assert await harness.effect_count(refused) == 0  # what the handler wrote before refusing was rolled back
    assert refused in await harness.processed_at()  # handled: it does not come again
    assert harness.refusals.counts == {("jointsup.complaint.closed", "closed already"): 1}
    assert harness.consumer.stats["dead_lettered"] == 0


async def test_a_refused_event_under_the_dead_letter_policy_goes_to_the_dead_letters_untried(dead_lettering_harness):
    harness = dead_lettering_harness
    harness.refusing.add("refused-2")
    refused = await harness.send_event("refused-2")
    after = await harness.send_event("fine-2")
    await eventually(lambda: harness.effect_count(after), what="the next event handled")
    (letter,) = await harness.dead_letters(1)
    headers = dict(letter.headers)
    assert await harness.effect_count(refused) == 0 and not harness.refusals.counts
    assert headers["dlq-error"].startswith(b"DeadLetter: refused: refused-2 is closed already")
    assert headers["dlq-attempts"] == b"1"


@pytest.fixture
async def stopped_harness(broker, databases):
    """A harness whose consumer starts when the test says so."""
    h = Harness(broker, databases.url(f"runtime_{uuid.uuid4().hex[:6]}"))
    h.start_at_once = False
    async with h:
        yield h


async def test_the_events_of_one_poll_are_handled_in_one_transaction(stopped_harness):
    harness = stopped_harness
    ids = [await harness.send_event(f"together-{i}") for i in range(5)]
    harness.start()
    await eventually(lambda: harness.effect_count(ids[-1]), what="the last event handled")
    assert [await harness.effect_count(i) for i in ids] == [1] * 5
    processed = await harness.processed_at()
    assert len({processed[i] for i in ids}) == 1  # one processed row per event, written together
    assert harness.consumer.stats["handled"] == 5


async def test_a_join_that_does_not_end_in_time_is_tried_again_by_a_new_consumer(stopped_harness):
    """aiokafka refuses a second start() on a consumer whose first one was cut short: retrying with the same one
    would never consume. (A join on the embedded broker takes about half the session timeout, 3 s here.)"""
    harness = stopped_harness
    harness.consumer.membership.start_timeout = 0.5
    event_id = await harness.send_event("joined-late")
    harness.start()
    await eventually(lambda: harness.effect_count(event_id), timeout=30, what="the event handled")
    assert harness.consumer.stats["start_failed"] >= 1 and harness.consumer.stats["handled"] == 1


async def test_a_poll_is_shared_out_among_transactions_of_the_configured_size(broker, databases):
    harness = Harness(broker, databases.url(f"runtime_{uuid.uuid4().hex[:6]}"))
    harness.start_at_once, harness.records_per_transaction = False, 2
    async with harness:
        ids = [await harness.send_event(f"pairs-{i}") for i in range(5)]
        harness.start()
        await eventually(lambda: harness.effect_count(ids[-1]), what="the last event handled")
        assert [await harness.effect_count(i) for i in ids] == [1] * 5
        processed = await harness.processed_at()
        per_transaction = Counter(processed[i] for i in ids)  # a transaction's records share one timestamp
    assert max(per_transaction.values()) == 2 and len(per_transaction) == 3  # two pairs and the last one


async def test_a_failing_event_sends_its_poll_record_by_record_without_doubling_the_others(stopped_harness):
    harness = stopped_harness
    harness.failing.add("poison")
    before, poison, after = [await harness.send_event(name) for name in ("before", "poison", "after")]
    harness.start()
    await eventually(lambda: harness.effect_count(after), what="the event after the poison handled")
    assert len(await harness.dead_letters(1)) == 1
    # The poll's shared attempt was rolled back whole: the others took effect once, the poison not at all.
    assert [await harness.effect_count(i) for i in (before, poison, after)] == [1, 0, 1]
    processed = await harness.processed_at()
    assert poison not in processed and processed[before] != processed[after]  # handled one by one
    assert harness.consumer.stats["handled"] == 2 and harness.consumer.stats["dead_lettered"] == 1


async def test_a_shared_transaction_kept_waiting_on_a_lock_gives_up_and_goes_record_by_record(stopped_harness,
                                                                                               backend):
    """Another transaction holds a row every handler updates: the poll's shared transaction stops waiting after
    100 ms, and record by record the events wait their turn and take effect once each."""
    if backend != "postgres":
        pytest.skip("row locks between concurrent writers are PostgreSQL's (SQLite serialises whole transactions)")
    harness = stopped_harness
    ids = [await harness.send_event(f"locked-{i}") for i in range(3)]
    async with harness.engine.connect() as blocker:
        await blocker.execute(harness.tally.update().values(n=harness.tally.c.n))  # locks the row until rollback
        harness.start()
        await eventually(harness.waiting_on_a_lock, timeout=30, what="the consumer waiting on the locked row")
        await asyncio.sleep(0.5)  # the shared attempt gives up; the first record-by-record one waits on
        assert await harness.waiting_on_a_lock() and await harness.effect_count() == 0
        await blocker.rollback()
    await eventually(lambda: harness.effect_count(ids[-1]), what="handled once the lock is free")
    assert [await harness.effect_count(i) for i in ids] == [1, 1, 1]
    async with harness.engine.connect() as conn:
        assert (await conn.execute(select(harness.tally.c.n))).scalar_one() == 3
    processed = await harness.processed_at()
    assert len({processed[i] for i in ids}) == 3  # each in a transaction of its own
    assert harness.consumer.stats["handled"] == 3 and harness.consumer.stats["dead_lettered"] == 0


async def test_poison_messages_go_to_dead_letters_and_later_ones_are_handled(harness):
    harness.failing.add("poison")
    await harness.send_raw(b"\x00\xffgarbage that is not JSON", headers=[("x-test", b"kept")])
    poison_id = await harness.send_event("poison")
    good_id = await harness.send_event("fine")

    await eventually(lambda: harness.effect_count(good_id), what="the later good event handled")
    letters = await harness.dead_letters(2)
    assert len(letters) == 2
    headers = [dict(r.headers) for r in letters]
    assert letters[0].value == b"\x00\xffgarbage that is not JSON"
    assert headers[0]["dlq-error"].startswith(b"InvalidEvent")
    assert headers[1]["dlq-error"].startswith(b"RuntimeError: handler refuses poison")
    assert headers[1]["dlq-attempts"] == b"3"
    assert all(h["x-test"] == b"kept" and h["dlq-original-topic"] == harness.topic.encode() for h in headers)
    assert await harness.effect_count(poison_id) == 0  # each failed attempt rolled back its effect
    assert harness.consumer.stats["dead_lettered"] == 2


async def test_redelivered_event_has_no_second_effect(harness):
    event_id = await harness.send_event("twice")
    await harness.send_event("twice", event_id=event_id)
    marker = await harness.send_event("after")
    await eventually(lambda: harness.effect_count(marker), what="events handled")
    assert await harness.effect_count(event_id) == 1
    assert harness.consumer.stats["duplicate"] == 1


async def test_replayed_dead_letter_is_handled_once_fixed(harness):
    harness.failing.add("flaky")
    event_id = await harness.send_event("flaky")
    assert len(await harness.dead_letters(1)) == 1
    harness.failing.clear()
    assert await replay(harness.broker.bootstrap, harness.name, partitions=1, session_timeout_ms=6000) == 1
    await eventually(lambda: harness.effect_count(event_id), what="replayed event handled")
    assert await replay(harness.broker.bootstrap, harness.name, partitions=1, session_timeout_ms=6000) == 0  # nothing replayed twice


async def test_unknown_event_types_are_skipped_not_dead_lettered(harness):
    encoded = encode(type="complaint.received", source="/test", subject="x", data={"anything": 1})
    await harness.send_raw(encoded.value)
    marker = await harness.send_event("after-skip")
    await eventually(lambda: harness.effect_count(marker), what="marker handled")
    assert harness.consumer.stats["skipped"] == 1 and harness.consumer.stats["dead_lettered"] == 0


async def test_database_outage_is_waited_out_not_dead_lettered(harness):
    harness.database_outages = 5  # more failures than max_attempts (3)
    event_id = await harness.send_event("during-outage")
    await eventually(lambda: harness.effect_count(event_id), what="event handled once the database is back")
    assert harness.consumer.stats["dead_lettered"] == 0
    assert harness.consumer.stats["waited_for_database"] == 5
