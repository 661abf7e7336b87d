"""Relay: events/s from the outbox table to Kafka, against a raw aiokafka producer sending the same records
to the same broker in the same run.

    .venv/bin/python -m bench.relay [--events 100000] [--database-url postgresql://127.0.0.1/test]
"""
import argparse
import asyncio
import time

from sqlalchemy import update

from harness.scratch import add_database_argument, scratch_database
from services.complaints.tables import messaging
from shared.broker import EmbeddedBroker, free_port
from shared.db import make_engine, make_sessionmaker, migrate
from shared.events.payloads.complaints import ComplaintClosed
from shared.events.topics import ALL
from shared.messaging import Outbox, OutboxRelay
from shared.messaging.kafka import ensure_topics, make_producer
from shared.settings import ServiceSettings
from shared.telemetry import setup_tracing


async def fill(sessionmaker, outbox: Outbox, n: int) -> None:
    async with sessionmaker() as session:
        for i in range(n):
            outbox.add(session, "complaint.closed", subject=f"c-{i % 500}",
                             data=ComplaintClosed(complaint_id=f"c-{i % 500}", lead_agency="440105-amr",
                                                  outcome="mediated"))
            if i % 1000 == 999:
                await session.commit()
        await session.commit()


async def raw_rate(bootstrap: str, rows) -> float:
    raw = make_producer(bootstrap, client_id="bench-raw")
    await raw.start()
    t0 = time.perf_counter()
    futures = [await raw.send(r.topic, r.value, key=r.key.encode(),
                              headers=[(k, v.encode()) for k, v in r.headers.items()]) for r in rows]
    await asyncio.gather(*futures)
    seconds = time.perf_counter() - t0
    await raw.stop()
    return len(rows) / seconds


async def relay_rate(bootstrap: str, engine, n: int, batch: int) -> float:
    async with engine.begin() as conn:  # every event pending again
        await conn.execute(update(messaging.outbox).values(published_at=None))
    producer = make_producer(bootstrap, client_id="bench-relay")
    await producer.start()
    relay = OutboxRelay(engine=engine, table=messaging.outbox, producer=producer, name="bench",
                        batch_size=batch, poll_seconds=0.05)
    t0 = time.perf_counter()
    task = asyncio.create_task(relay.run())
    while relay.published < n:
        await asyncio.sleep(0.01)
    seconds = time.perf_counter() - t0
    relay.stop()
    await task
    await producer.stop()
    return n / seconds


async def run(url: str, args) -> None:
    broker = EmbeddedBroker(free_port()).start()
    results = []
    try:
        await ensure_topics(broker.bootstrap, list(ALL), partitions=3)
        await migrate(url, "complaints")
        engine = make_engine(url)
        outbox = Outbox(messaging.outbox, source="/jointsup/bench")
        await fill(make_sessionmaker(engine), outbox, args.events)
        async with engine.connect() as conn:
            rows = (await conn.execute(messaging.outbox.select().order_by(messaging.outbox.c.seq))).all()
        for tracing in ("off", "on, as the services run"):
            if tracing != "off":  # the SDK and the aiokafka instrumentation: a producer span per record
                setup_tracing("bench")
            raw = await raw_rate(broker.bootstrap, rows)
            relayed = await relay_rate(broker.bootstrap, engine, len(rows), args.batch)
            results.append((tracing, raw, relayed))
        await engine.dispose()
    finally:
        broker.stop()
    print(f"{engine.dialect.name}, {len(rows):,} events, batch {args.batch}\n")
    print("| tracing | raw aiokafka producer events/s | outbox relay events/s | relay / raw |\n|---|---|---|---|")
    for tracing, raw, relayed in results:
        print(f"| {tracing} | {raw:,.0f} | {relayed:,.0f} | {relayed / raw:.0%} |")
    print("\ntarget: at least 50%")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=ServiceSettings.model_fields["relay_batch_size"].default,
                        help="events per read (default: the services' JOINTSUP_RELAY_BATCH_SIZE default)")
    add_database_argument(parser)
    args = parser.parse_args()
    async with scratch_database(args.database_url, "relay") as url:
        await run(url, args)


if __name__ == "__main__":
    asyncio.run(main())
