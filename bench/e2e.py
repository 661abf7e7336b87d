"""End to end: complaints posted at a steady rate reach the lead agency's notify inbox and a webhook receiver;
p50/p99 latency against the broker's own produce-to-consume round trip (same client settings as the services,
measured in the same run, on the same broker), and each service's peak RSS at the end.

    python -m bench.e2e [--rate 50] [--seconds 60]

The whole system runs as real processes (the embedded broker, the four services on scratch PostgreSQL
databases). Latency is from just before the POST to the inbox row's creation / the webhook's arrival, on the
same clock. Targets (issue 8): p50 within 3x the round trip plus the HTTP work (the intake POST), p99 < 250 ms."""
import argparse
from collections import Counter
import asyncio
import os
import time
import uuid
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.figures import cpu_seconds, cpu_seconds_of, pct
from harness.load import complaint_body, intake_token
from harness.scratch import SERVER_URL, add_database_argument
from harness.stack import Stack, stack
from harness.webhooks import Receiver, subscribe
from shared.db import make_engine
from shared.messaging.kafka import ensure_topics, make_consumer, make_producer

LEAD = "440105-amr"


def quantiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ms = [s * 1000 for s in samples]
    return pct(ms, .5), pct(ms, .99)


async def broker_round_trip(bootstrap: str, *, rate: float, seconds: float) -> list[float]:
    """Produce timestamped records at `rate` while a consumer of the same settings reads them back."""
    topic = f"bench.roundtrip.{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [topic], partitions=3)
    producer = make_producer(bootstrap, client_id="bench-rt")
    consumer = make_consumer(bootstrap, group_id=f"bench-rt-{uuid.uuid4().hex[:8]}", client_id="bench-rt",
                             topics=[topic])
    await producer.start()
    await consumer.start()
    latencies: list[float] = []
    n = int(rate * seconds)

    async def read():
        while len(latencies) < n:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.time()
                latencies.extend(now - float(r.value) for r in records)
    try:
        reader = asyncio.create_task(read())
        await asyncio.sleep(4)  # the group join
        for i in range(n):
            await producer.send(topic, str(time.time()).encode(), key=str(i).encode())
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(reader, 30)
    finally:
        await consumer.stop()
        await producer.stop()
    return latencies


async def post_at_rate(s: Stack, *, rate: float, seconds: float) -> tuple[dict[str, float], list[float]]:
    """Open loop: POST at fixed times whatever the answers; complaint id → when its POST began, and POST times."""
    sent: dict[str, float] = {}
    durations: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=s.url("complaints"), headers={"Authorization": f"Bearer {intake_token()}"},
                                 timeout=30, limits=limits) as client:
        async def post(i: int):
            began = time.time()
            try:
                response = await client.post("/v1/complaints", json=complaint_body(i))
                response.raise_for_status()
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                return
            durations.append(time.time() - began)
            sent[response.json()["id"]] = began

        start, tasks = time.monotonic(), []
        for i in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            tasks.append(asyncio.create_task(post(i)))
        await asyncio.gather(*tasks)
    if errors:
        print(f"{len(errors)} POSTs failed: {dict(Counter(errors))}")
    return sent, durations


async def inbox_times(s: Stack, ids: list[str], *, timeout: float = 60) -> dict[str, float]:
    from services.notify.tables import InboxItem
    engine = make_engine(s.databases["notify"])
    deadline = time.monotonic() + timeout
    try:
        while True:
            async with engine.connect() as conn:
                rows = (await conn.execute(select(InboxItem.aggregate_id, InboxItem.created_at).where(
                    InboxItem.recipient == LEAD, InboxItem.event_type == "jointsup.complaint.routed"))).all()
            found = {aggregate: created.timestamp() for aggregate, created in rows}
            if all(i in found for i in ids) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(1)
    finally:
        await engine.dispose()


async def webhook_times(receiver: Receiver, ids: list[str], *, timeout: float = 60) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while True:
        found = {c["event"]["data"]["complaint_id"]: c["received_at"] for c in receiver.endpoints["lead"].received}
        if all(i in found for i in ids) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


def peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024


async def run(rate: float, seconds: float, server_url: str) -> None:
    async with stack(server_url) as s, Receiver() as receiver:
        round_trip = await broker_round_trip(s.broker.bootstrap, rate=rate, seconds=min(seconds, 15))
        await subscribe(s.url("notify"), LEAD, receiver.url("lead"), ["complaint.routed"])
        pids = {name: process.pid for name, process in s.processes.items()} | {"broker": s.broker.process.pid}
        readings = {name: partial(cpu_seconds, pid) for name, pid in pids.items()} | {
            "PostgreSQL (all its processes)": partial(cpu_seconds_of, "postgres"),
            "this bench (load generator, webhook receiver)": time.process_time}
        cpu_before = {name: read() for name, read in readings.items()}
        sent, durations = await post_at_rate(s, rate=rate, seconds=seconds)
        ids = list(sent)
        inbox = await inbox_times(s, ids)
        webhooks = await webhook_times(receiver, ids)
        cpu_ms = {name: (read() - cpu_before[name]) * 1000 / max(len(ids), 1) for name, read in readings.items()}
        rss = {name: peak_rss_mib(process.pid) for name, process in s.processes.items()}

    rt50, rt99 = quantiles(round_trip)
    http50, http99 = quantiles(durations)
    budget = 3 * rt50 + http50
    print(f"{len(ids)} complaints at {rate:g}/s for {seconds:g} s\n")
    print("| path | p50 ms | p99 ms | target | met |\n|---|---|---|---|---|")
    print(f"| broker round trip (baseline, same run) | {rt50:.1f} | {rt99:.1f} | | |")
    print(f"| intake POST (the HTTP work) | {http50:.1f} | {http99:.1f} | | |")
    for name, arrived in (("posted → lead agency's inbox", inbox), ("posted → webhook received", webhooks)):
        samples = [arrived[i] - sent[i] for i in ids if i in arrived]
        p50, p99 = quantiles(samples)
        met = p50 <= budget and p99 < 250
        lost = len(ids) - len(samples)
        print(f"| {name}{f' ({lost} missing)' if lost else ''} | {p50:.1f} | {p99:.1f} | "
              f"p50 ≤ {budget:.0f}, p99 < 250 | {'yes' if met else 'no'} |")
    print("\n| process | peak RSS MiB | CPU ms per complaint |\n|---|---|---|")
    system = [name for name in pids]
    for name in system:
        print(f"| {name} | {f'{rss[name]:.0f}' if name in rss else ''} | {cpu_ms[name]:.1f} |")
    ours = sum(cpu_ms[name] for name in system)
    print(f"| services and broker | | {ours:.1f} |")
    for name in [n for n in cpu_ms if n not in system]:
        print(f"| {name} | | {cpu_ms[name]:.1f} |")
    everything = sum(cpu_ms.values())
    print(f"| everything on the machine | | {everything:.1f}: {os.cpu_count()} cores carry at most "
          f"{1000 * os.cpu_count() / everything:.0f} complaints/s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    add_database_argument(parser, default=SERVER_URL)
    args = parser.parse_args()
    asyncio.run(run(args.rate, args.seconds, args.database_url))


if __name__ == "__main__":
    main()
