"""The faults the drills inject that need more than a signal: a PostgreSQL restart watched through /readyz,
garbage records on every topic, and a webhook receiver that goes away."""
import asyncio
import math
import subprocess
import time
from collections import Counter
from contextlib import asynccontextmanager

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func, select

from harness.reconcile import outcome
from harness.stack import Stack
from harness.webhooks import Receiver
from services.cases.app import DEFINITION as CASES
from services.complaints.app import DEFINITION as COMPLAINTS
from services.credit.app import DEFINITION as CREDIT
from services.notify.app import DEFINITION as NOTIFY
from shared.db import make_engine
from shared.events import topics
from shared.messaging.kafka import make_producer

GARBAGE = (b"\x00\xffnot an event", b'{"specversion": "1.0", "id": "cut off', b'[1, 2]',
           b'{"specversion": "1.0", "type": "jointsup.complaint.routed"}',
           b'{"specversion":"1.0","id":"g","source":"/x","type":"jointsup.complaint.routed","data":"not an object"}')


def restart_postgres() -> None:
    """Restart the cluster serving port 5432 (`pg_ctlcluster` of postgresql-common; needs root or postgres)."""
    clusters = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    version, name = next(line.split()[:2] for line in clusters.splitlines() if line.split()[2] == "5432")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"], check=True,
                   capture_output=True)


async def readiness_through(s: Stack, timeout: float = 60) -> dict:
    """Poll every service's /readyz until each has answered 503 and then 200 again (or the timeout)."""
    unready_at: dict[str, float] = {}
    back_after: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while len(back_after) < len(s.ports) and time.monotonic() < deadline:
            for name in s.ports:
                try:
                    status = (await client.get(f"{s.url(name)}/readyz")).status_code
                except httpx.HTTPError:
                    status = None
                if status == 503:
                    unready_at.setdefault(name, time.monotonic())
                elif status == 200 and name in unready_at and name not in back_after:
                    back_after[name] = time.monotonic() - unready_at[name]
            await asyncio.sleep(0.1)
    return {"notes": [f"/readyz of {name}: " + (f"503, then 200 after {back_after[name]:.1f} s" if name in back_after
                                                 else "503, not back" if name in unready_at else "never 503")
                      for name in s.ports],
            "readyz recovered": sorted(back_after)}


def consumers_of(topic: str) -> int:
    return sum(topic in service.consumes for service in (COMPLAINTS, CASES, CREDIT, NOTIFY))


@asynccontextmanager
async def garbage_on_every_topic(s: Stack, share: float):
    """While open, keep `share` of the records on each topic garbage (at least one each); yields the count
    injected per topic, final once closed."""
    injected: Counter[str] = Counter()
    producer = make_producer(s.broker.bootstrap, client_id="drill-garbage")
    watcher = AIOKafkaConsumer(bootstrap_servers=s.broker.bootstrap, client_id="drill-garbage")
    await producer.start()
    await watcher.start()

    async def top_up() -> None:
        await watcher.topics()
        for topic in topics.ALL:
            partitions = [TopicPartition(topic, p) for p in watcher.partitions_for_topic(topic) or ()]
            records = sum((await watcher.end_offsets(partitions)).values()) if partitions else 0
            wanted = max(1, math.ceil((records - injected[topic]) * share / (1 - share)))
            for _ in range(wanted - injected[topic]):
                await producer.send_and_wait(topic, GARBAGE[sum(injected.values()) % len(GARBAGE)])
                injected[topic] += 1

    async def keep_topping_up() -> None:
        while True:
            await top_up()
            await asyncio.sleep(0.5)

    task = asyncio.create_task(keep_topping_up())
    try:
        yield injected
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await top_up()
        await watcher.stop()
        await producer.stop()


async def webhooks_received(receiver: Receiver, endpoint: str, ids: list[str], *, timeout: float) -> dict:
    """Wait until the endpoint accepted a webhook for each complaint; count the complaints it got twice."""
    deadline = time.monotonic() + timeout
    while True:
        accepted = Counter(call["event"]["data"]["complaint_id"] for call in receiver.endpoints[endpoint].received)
        if all(i in accepted for i in ids) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    got = sum(1 for i in ids if i in accepted)
    return outcome(len(ids), got, sum(1 for i in ids if accepted[i] > 1))


async def webhook_attempts(s: Stack) -> dict:
    """How many webhook deliveries needed more than one attempt (the ones that backed up), and how many are
    still pending."""
    from services.notify.tables import Delivery

    engine = make_engine(s.databases["notify"])
    try:
        async with engine.connect() as conn:
            total, retried, attempts, pending = (await conn.execute(
                select(func.count(), func.count().filter(Delivery.attempts > 1), func.sum(Delivery.attempts),
                       func.count().filter(Delivery.status == "pending"))
                .where(Delivery.channel == "webhook"))).one()
    finally:
        await engine.dispose()
    return {"deliveries": total, "retried": retried, "attempts": attempts, "pending": pending}
