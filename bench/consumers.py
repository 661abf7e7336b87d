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
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import psycopg
from sqlalchemy.engine import make_url

from bench.scratch import SERVER_URL, add_database_argument, scratch_databases
from shared.app import build_runtime
from shared.broker import EmbeddedBroker, free_port
from shared.db import migrate
from shared.events import encode, spec_for
from shared.events.payloads import cases as ca
from shared.events.payloads import complaints as co
from shared.events.payloads import credit as cr
from shared.events.payloads.common import SubjectRef
from shared.events.topics import SERVICES, dlq_topic, retry_topic
from shared.identity import Principal
from shared.messaging.kafka import ensure_topics, make_consumer, make_producer
from shared.registry import Registry
from shared.subjects import Subject, ref_of
from shared.telemetry import setup_logging, setup_tracing
from shared.uscc import make_uscc

FATES = ("mediated",) * 5 + ("case",) * 3 + ("dismissed", "rejected")
ESCALATED = ("case",) * 3 + ("dismissed",)  # 2.5 events for the complaints service per complaint
OUTCOMES = ("handled", "duplicate", "skipped", "dead_lettered")
OFFICER = "bench-officer"


@dataclass(frozen=True)
class Facts:
    """What the stream needs to know about one complaint."""

    id: str
    kind: str
    category: str
    subject: SubjectRef
    lead: str
    co: list[str]
    received_at: datetime


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def subjects(n: int, rng: random.Random, registry: Registry, *, shops: bool = True) -> list[SubjectRef]:
    """Market subjects across the districts; every tenth a platform shop without a USCC."""
    districts = [code for code, region in registry.regions.items() if region.level == "district"]
    pool = []
    for j in range(max(n, 1)):
        region = rng.choice(districts)
        if shops and j % 10 == 9:
            pool.append(SubjectRef(platform=rng.choice(["taobao", "meituan", "jd"]), shop_id=f"shop-{j}",
                                   name=f"网店{j}", region=region))
        else:
            pool.append(SubjectRef(uscc=make_uscc(region, f"B{j:07d}"), name=f"商户{j}", region=region))
    return pool


def synthetic(n: int, rng: random.Random, registry: Registry) -> list[Facts]:
    """`n` complaints over a year, about four per subject, routed as the registry routes them."""
    pool = subjects(n // 4, rng, registry)
    start, step = datetime.now(timezone.utc) - timedelta(days=420), timedelta(days=360) / n
    facts = []
    for i in range(n):
        subject, category = rng.choice(pool), rng.choice(list(registry.categories))
        route = registry.route(category, subject.region)
        facts.append(Facts(new_id(rng), "report" if rng.random() < 0.2 else "complaint", category, subject,
                           route.lead, list(route.co_agencies), start + i * step))
    return facts


async def seed_complaints(url: str, n: int, rng: random.Random, registry: Registry) -> list[Facts]:
    """Escalated complaints in the complaints database, through the real intake, acceptance and escalation."""
    from services.complaints import handling
    from services.complaints.app import DEFINITION
    from services.complaints.intake import submit_complaint
    from services.complaints.schemas import Complainant, ComplaintCreate

    runtime = await build_runtime(replace(DEFINITION, handlers=None), settings_for("complaints", url, "127.0.0.1:1"))
    intake = Principal(sub="bench-intake", agency="440100-12345", roles=frozenset({"intake"}))
    pool, categories = subjects(n // 4, rng, registry, shops=False), list(registry.categories)
    start, step = datetime.now(timezone.utc) - timedelta(days=420), timedelta(days=360) / n
    facts = []
    try:
        for i in range(n):
            s = rng.choice(pool)
            data = ComplaintCreate(
                kind="report" if i % 5 == 4 else "complaint", channel="hotline_12345", external_ref=f"bench-{i}",
                complainant=Complainant(name="张三", phone=f"139{i:08d}"), category=rng.choice(categories),
                subject=Subject(uscc=s.uscc, name=s.name, region=s.region), description="商品与描述不符，商家拒绝退货。")
            async with runtime.sessionmaker() as session:
                c, _ = await submit_complaint(session, runtime=runtime, principal=intake, data=data,
                                              now=start + i * step)
                officer = Principal(sub=OFFICER, agency=c.lead_agency, roles=frozenset({"officer"}))
                await handling.accept(session, runtime, officer, c.id, note=None)
                c = await handling.escalate(session, runtime, officer, c.id, reason="涉嫌违法，转线索核查")
            facts.append(Facts(c.id, c.kind, c.category, ref_of(c), c.lead_agency, list(c.co_agencies),
                               c.received_at))
    finally:
        await runtime.stop()
    return facts


def lifecycle(c: Facts, fate: str, rng: random.Random) -> list[tuple]:
    """The events of one complaint's life (and of the clue and case it may lead to): (time, type, key, payload)."""
    def at(days: float) -> datetime:
        return c.received_at + timedelta(days=days)

    anonymous = c.kind == "report" and rng.random() < 0.5
    events = [
        (at(0), "complaint.received", c.id, co.ComplaintReceived(
            complaint_id=c.id, kind=c.kind, channel=rng.choice(["hotline_12345", "hotline_12315", "web"]),
            category=c.category, subject=c.subject, received_at=at(0), anonymous=anonymous,
            complainant_key=None if anonymous else f"{rng.getrandbits(128):032x}")),
        (at(0), "complaint.routed", c.id, co.ComplaintRouted(
            complaint_id=c.id, category=c.category, region=c.subject.region, lead_agency=c.lead,
            co_agencies=c.co, due_at=at(9))),
    ]
    if fate == "rejected":
        return events + [(at(2), "complaint.rejected", c.id, co.ComplaintRejected(
            complaint_id=c.id, lead_agency=c.lead, ground="not_this_office", decided_by=OFFICER))]
    events.append((at(1), "complaint.accepted", c.id, co.ComplaintAccepted(
        complaint_id=c.id, lead_agency=c.lead, decided_by=OFFICER, next_due_at=at(60))))
    if fate == "mediated":
        return events + [
            (at(20), "complaint.mediation_concluded", c.id, co.ComplaintMediationConcluded(
                complaint_id=c.id, lead_agency=c.lead, outcome="success")),
            (at(20), "complaint.closed", c.id, co.ComplaintClosed(complaint_id=c.id, lead_agency=c.lead,
                                                                  outcome="mediated"))]
    clue_id, case_id = new_id(rng), new_id(rng)
    events += [
        (at(5), "complaint.escalated", c.id, co.ComplaintEscalated(
            complaint_id=c.id, kind=c.kind, category=c.category, subject=c.subject, lead_agency=c.lead,
            reason="涉嫌违法，转线索核查", escalated_by=OFFICER)),
        (at(5), "clue.registered", clue_id, ca.ClueRegistered(
            clue_id=clue_id, source="complaint", subject=c.subject, category=c.category, agency=c.lead,
            complaint_ids=[c.id], due_at=at(20)))]
    if fate == "dismissed":
        return events + [
            (at(12), "clue.verified", clue_id, ca.ClueVerified(clue_id=clue_id, decision="dismiss",
                                                               reason="证据不足", complaint_ids=[c.id])),
            (at(12), "complaint.closed", c.id, co.ComplaintClosed(complaint_id=c.id, lead_agency=c.lead,
                                                                  outcome="clue_dismissed"))]
    penalty = rng.random() < 0.7
    return events + [
        (at(12), "clue.verified", clue_id, ca.ClueVerified(clue_id=clue_id, decision="file", case_id=case_id,
                                                           complaint_ids=[c.id])),
        (at(12), "case.filed", case_id, ca.CaseFiled(
            case_id=case_id, clue_id=clue_id, agency=c.lead, subject=c.subject, category=c.category,
            complaint_ids=[c.id], due_at=at(102))),
        (at(60), "case.decided", case_id, ca.CaseDecided(
            case_id=case_id, agency=c.lead, subject=c.subject, category=c.category,
            outcome="penalty" if penalty else "soft_measure", measures=["fine"] if penalty else ["warning"],
            severity=rng.choices(["minor", "general", "serious"], [60, 35, 5])[0],
            fine_amount=Decimal(rng.randrange(2, 500) * 1000) if penalty else None,
            legal_basis="《电子商务法》第八十五条", subjective_intent=rng.random() < 0.3, decided_on=at(60).date())),
        (at(65), "case.closed", case_id, ca.CaseClosed(
            case_id=case_id, agency=c.lead, complaint_ids=[c.id], clue_ids=[clue_id],
            outcome="penalty" if penalty else "warning")),
        (at(65), "complaint.closed", c.id, co.ComplaintClosed(complaint_id=c.id, lead_agency=c.lead,
                                                              outcome="case_closed"))]


def stream(handled: set[str], facts: list[Facts], fates: tuple[str, ...], n: int,
           rng: random.Random) -> list[tuple]:
    """`n` records of the types a service handles, from the middle of the time-ordered stream (steady state)."""
    events, by_subject = [], {}
    for i, c in enumerate(facts):
        events += lifecycle(c, fates[i % len(fates)], rng)
        same = by_subject.setdefault(c.subject.uscc or c.subject.shop_id, [])
        same.append(c.id)
        if i % 25 == 24:
            events.append((c.received_at, "complaint.cluster_alert", c.id, co.ComplaintClusterAlert(
                cluster_id=new_id(rng), subject=c.subject, category=c.category, lead_agency=c.lead,
                complaint_ids=same[-5:], window_days=30, count=len(same))))
        if i % 50 == 49 and c.subject.uscc:
            events.append((c.received_at, "credit.observation_started", c.subject.uscc, cr.CreditObservation(
                observation_id=new_id(rng), uscc=c.subject.uscc, starts_on=c.received_at.date(),
                ends_on=c.received_at.date() + timedelta(days=90), reason="重点监管")))
        if i % 100 == 99:
            events.append((c.received_at, "complainant.flagged", c.id, co.ComplainantFlagged(
                complainant_key=f"{rng.getrandbits(128):032x}", reasons=["too_many_complaints"],
                flagged_by="system", complaints_in_window=21)))
    events = sorted((e for e in events if e[1] in handled), key=lambda e: e[0])
    start = max(0, (len(events) - n) // 2)
    return [record(*e) for e in events[start:start + n]]


def record(at: datetime, event_type: str, key: str, payload) -> tuple:
    """(topic, key, value, headers) as the owning service's outbox would send it."""
    spec = spec_for(event_type)
    event = encode(type=event_type, source=f"/jointsup/{spec.topic.split('.')[1]}", subject=key,
                   data=payload.model_dump(mode="json"), time=at)
    return spec.topic, event.key.encode(), event.value, list(event.headers.items())


def settings_for(service: str, url: str, bootstrap: str):
    module = importlib.import_module(f"services.{service}.settings")
    cls = next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")
    # A 6 s session makes the join quicker (Tansu holds a join for half of it); it is not timed.
    return cls(database_url=url, kafka_bootstrap_servers=bootstrap, migrate_on_start=False, log_level="WARNING",
               consumer_session_timeout_ms=6000)


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
