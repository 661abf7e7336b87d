"""Consumers: events/s handled by one consumer of each service (the real EventConsumer, handlers and processed
table on a scratch PostgreSQL database), by two consumers of one group in separate processes sharing the
partitions, and by a bare aiokafka consumer reading the same records in the same run (the baseline).

    .venv/bin/python -m bench.consumers [--events 1500] [--partitions 6] [--services complaints,cases,credit,notify]
                                        [--database-url postgresql://postgres@127.0.0.1:5432/test]

Each service gets a stream of the events it handles: many complaints, subjects, clues and cases, encoded as the
outbox encodes them, keyed by their aggregate. The complaints it refers to are first made through the real
intake, acceptance and escalation. Every run gets a fresh broker holding the same records and a fresh copy of
the migrated (and seeded) database. Timing runs from the first record handled to the last one: the group join
(about 3 s on Tansu) is left out by holding each member's first poll until the whole group is assigned. The
relay, sweepers and deliverer do not run: what the handlers write to the outbox stays there.
"""
import argparse
import asyncio
import importlib
import math
import multiprocessing
import os
import queue
import random
import time
from dataclasses import dataclass, field

import psycopg
from sqlalchemy.engine import make_url

from bench.consumer_load import ESCALATED, FATES, seed_complaints, settings_for, stream, synthetic
from harness.scratch import SERVER_URL, add_database_argument, scratch_databases
from shared.app import build_runtime
from shared.broker import EmbeddedBroker, free_port
from shared.db import migrate
from shared.events.topics import SERVICES, dlq_topic, retry_topic
from shared.messaging.kafka import ensure_topics, make_consumer, make_producer
from shared.registry import Registry
from shared.telemetry import setup_logging, setup_tracing

OUTCOMES = ("handled", "duplicate", "skipped", "dead_lettered")


def clone(server_url: str, template_url: str, url: str) -> None:
    """Make the database at `url` a fresh copy of `template_url`."""
    admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{make_url(url).database}" TEMPLATE "{make_url(template_url).database}"')


async def on_fresh_broker(topics: list[str], records: list[tuple], partitions: int, measure):
    """Run `measure(bootstrap)` on a new broker holding `records`, its `topics` of `partitions` partitions each."""
    broker = EmbeddedBroker(free_port()).start()
    try:
        await ensure_topics(broker.bootstrap, topics, partitions=partitions)
        producer = make_producer(broker.bootstrap, client_id="bench-producer")
        await producer.start()
        try:
            await asyncio.gather(*[await producer.send(topic, value, key=key, headers=headers)
                                   for topic, key, value, headers in records])
        finally:
            await producer.stop()
        return await measure(broker.bootstrap)
    finally:
        broker.stop()


async def bare(bootstrap: str, topics: list[str], n: int) -> float:
    """Seconds for a bare aiokafka consumer (the services' settings) to read `n` records, once assigned."""
    consumer = make_consumer(bootstrap, group_id="bench-bare", client_id="bench-bare", topics=topics)
    await consumer.start()
    try:
        while not consumer.assignment():
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)  # as for the services' consumers, the first fetch is in hand when timing starts
        seen, t0 = 0, time.monotonic()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=200, max_records=200)
            seen += sum(len(records) for records in batches.values())
        return time.monotonic() - t0
    finally:
        await consumer.stop()


def work(service: str, url: str, bootstrap: str, index: int, reports, go, stop) -> None:
    """One consumer process: the service's own consumer, built as the service builds it."""
    asyncio.run(_work(service, url, bootstrap, index, reports, go, stop))


async def _work(service: str, url: str, bootstrap: str, index: int, reports, go, stop) -> None:
    setup_logging("WARNING")
    setup_tracing(service)
    definition = importlib.import_module(f"services.{service}.app").DEFINITION
    runtime = await build_runtime(definition, settings_for(service, url, bootstrap))
    consumer, gate, clock = runtime.consumers[0], asyncio.Event(), {}

    getmany, handle = consumer.consumer.getmany, consumer.handle_poll

    async def held_getmany(*args, **kwargs):  # the first poll waits until the whole group is assigned
        await gate.wait()
        return await getmany(*args, **kwargs)

    async def timed_handle(batches):
        clock.setdefault("first", (time.monotonic(), time.process_time()))
        await handle(batches)
        clock["last"] = (time.monotonic(), time.process_time())

    consumer.consumer.getmany, consumer.handle_poll = held_getmany, timed_handle
    await runtime.producer.start()  # for dead letters
    task = asyncio.create_task(consumer.run())
    while not stop.is_set() and not task.done():
        if go.is_set():
            gate.set()
        assigned = sorted(f"{tp.topic}:{tp.partition}" for tp in consumer.consumer.assignment())
        reports.put((index, assigned, dict(consumer.stats), clock, False))
        await asyncio.sleep(0.05)
    consumer.stop()
    gate.set()
    await task
    await runtime.stop()
    reports.put((index, [], dict(consumer.stats), clock, True))


@dataclass
class Run:
    reader: str
    events: int
    seconds: float
    stats: list[dict] = field(default_factory=list)  # one per consumer
    cpu: list[float] = field(default_factory=list)  # each consumer process's CPU time / wall time
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def measure(service: str, url: str, bootstrap: str, k: int, expected: set[str], n: int, timeout: float) -> Run:
    """`k` consumer processes of one group until `n` records are handled (or `timeout` seconds pass)."""
    context = multiprocessing.get_context("spawn")
    reports, go, stop = context.Queue(), context.Event(), context.Event()
    processes = [context.Process(target=work, args=(service, url, bootstrap, i, reports, go, stop))
                 for i in range(k)]
    for process in processes:
        process.start()
    latest, final, deadline = {}, {}, time.monotonic() + timeout
    try:
        while len(final) < k:
            index, assigned, stats, clock, done = reports.get(timeout=60)  # a live process reports every 50 ms
            (final if done else latest)[index] = (assigned, stats, clock)
            if not go.is_set() and settled([a for a, _, _ in latest.values()], k, expected):
                go.set()
            if sum(s.get(o, 0) for _, s, _ in latest.values() for o in OUTCOMES) >= n \
                    or time.monotonic() > deadline:
                stop.set()
    except queue.Empty:
        raise RuntimeError(f"{service}: a consumer process stopped reporting") from None
    finally:
        stop.set()
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.terminate()
    clocks = [final[i][2] for i in range(k) if final[i][2]]
    seconds = max(c["last"][0] for c in clocks) - min(c["first"][0] for c in clocks) if clocks else math.nan
    stats = [final[i][1] for i in range(k)]
    cpu = [(c["last"][1] - c["first"][1]) / max(c["last"][0] - c["first"][0], 1e-9) for c in clocks]
    done = sum(s.get(o, 0) for s in stats for o in OUTCOMES)
    return Run(f"{k} consumer{'s' if k > 1 else ''}", done, seconds, stats, cpu, timed_out=done < n)


def settled(assignments: list[list[str]], k: int, expected: set[str]) -> bool:
    """Every member holds partitions, none twice, all of them held."""
    held = [p for a in assignments for p in a]
    return len(assignments) == k and all(assignments) and len(held) == len(set(held)) and set(held) == expected


async def bench(service: str, args, registry: Registry) -> list[Run]:
    definition = importlib.import_module(f"services.{service}.app").DEFINITION
    topics = [*definition.consumes, retry_topic(service)]
    created = [*topics, dlq_topic(service)]
    expected = {f"{t}:{p}" for t in topics for p in range(args.partitions)}
    rng = random.Random(args.seed)
    async with scratch_databases(args.database_url, [service, f"{service}_1", f"{service}_2"]) as urls:
        await migrate(urls[service], service)
        if service == "complaints":
            t0 = time.monotonic()
            facts = await seed_complaints(urls[service], math.ceil(args.events * 0.4) + 4, rng, registry)
            print(f"complaints: {len(facts):,} escalated complaints made in {time.monotonic() - t0:.0f} s",
                  flush=True)
            fates = ESCALATED
        else:
            facts, fates = synthetic(args.events, rng, registry), FATES
        handled = set(definition.handlers(None))  # the handler map's keys; building it touches no runtime
        records = stream(handled, facts, fates, args.events, rng)
        n = len(records)
        runs = [Run("bare aiokafka consumer", n, await on_fresh_broker(
            created, records, args.partitions, lambda bootstrap: bare(bootstrap, topics, n)))]
        for k in (1, 2):
            url = urls[f"{service}_{k}"]
            clone(args.database_url, urls[service], url)
            runs.append(await on_fresh_broker(created, records, args.partitions, lambda bootstrap: asyncio.to_thread(
                measure, service, url, bootstrap, k, expected, n, args.timeout)))
            print(f"{service}: {runs[-1].reader} done", flush=True)
    return runs


def table(results: dict[str, list[Run]]) -> str:
    lines = ["| service | reader | events | handled | duplicate | skipped | dead-lettered | seconds | events/s "
             "| vs bare | vs 1 consumer | CPU per consumer |", "|---" * 12 + "|"]
    for service, (bare_run, one, *more) in results.items():
        lines.append(f"| {service} | {bare_run.reader} | {bare_run.events:,} | | | | | {bare_run.seconds:.3f} "
                     f"| {bare_run.rate:,.0f} | 100% | | |")
        for run in (one, *more):
            handled = [s.get("handled", 0) for s in run.stats]
            split = f" ({' + '.join(f'{h:,}' for h in handled)})" if len(handled) > 1 else ""
            others = " | ".join(f"{sum(s.get(o, 0) for s in run.stats):,}" for o in OUTCOMES[1:])
            lines.append(f"| {service} | {run.reader}{' (timed out)' if run.timed_out else ''} | {run.events:,} "
                         f"| {sum(handled):,}{split} | {others} | {run.seconds:.2f} | {run.rate:,.0f} "
                         f"| {run.rate / bare_run.rate:.2%} | {'' if run is one else f'{run.rate / one.rate:.2f}x'} "
                         f"| {' + '.join(f'{c:.0%}' for c in run.cpu)} |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1500, help="records per service")
    parser.add_argument("--partitions", type=int, default=6, help="partitions per topic (the services create 3)")
    parser.add_argument("--services", default=",".join(SERVICES))
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run before giving up")
    parser.add_argument("--seed", type=int, default=1)
    add_database_argument(parser, default=SERVER_URL)
    args = parser.parse_args()
    registry, load = Registry.load(), os.getloadavg()[0]
    results = {service: await bench(service, args, registry) for service in args.services.split(",")}
    print(f"\nPostgreSQL, embedded Tansu broker, {args.partitions} partitions per topic, {os.cpu_count()} cores "
          f"(load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end); "
          "each consumer in its own process\n")
    print(table(results))


if __name__ == "__main__":
    asyncio.run(main())
