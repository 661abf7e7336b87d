"""The whole system as real processes for fault drills: the embedded broker, the four services on scratch
PostgreSQL databases (dropped afterwards), a load of complaints, and a reconciliation that counts what
arrived where, what arrived twice and what was lost."""
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from bench.scratch import scratch_databases
from shared.broker import EmbeddedBroker, free_port
from shared.db import make_engine
from shared.events.topics import SERVICES, dlq_topic
from shared.identity import mint_token
from shared.messaging.kafka import make_consumer
from shared.settings import DEV_JWT_SECRET
from shared.uscc import make_uscc


@dataclass
class Stack:
    server_url: str
    broker: EmbeddedBroker | None = None
    ports: dict[str, int] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def env(self, name: str) -> dict:
        return {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap, "JOINTSUP_LOG_LEVEL": "WARNING",
                f"{name.upper()}_PORT": str(self.ports[name]),
                f"{name.upper()}_DATABASE_URL": self.databases[name],
                "NOTIFY_COMPLAINTS_URL": f"http://127.0.0.1:{self.ports['complaints']}",
                "NOTIFY_OUTBOX_DIR": f"/tmp/jointsup-drill-{os.getpid()}", "JOINTSUP_CONSUMER_SESSION_TIMEOUT_MS": "6000"}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    async def start(self, name: str) -> None:
        self.processes[name] = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=self.env(name),
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await self.wait_ready(name)

    async def wait_ready(self, name: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get(f"{self.url(name)}/readyz", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
        raise RuntimeError(f"{name} not ready after {timeout}s")

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@asynccontextmanager
async def stack(server_url: str = "postgresql://postgres@127.0.0.1:5432/test"):
    s = Stack(server_url)
    async with scratch_databases(server_url, list(SERVICES), prefix="drill") as databases:
        s.databases = databases
        s.broker = EmbeddedBroker(free_port()).start()
        s.ports = {name: free_port() for name in SERVICES}
        try:
            for name in SERVICES:
                await s.start(name)
            yield s
        finally:
            s.stop()
            s.broker.stop()


async def load(s: Stack, n: int, *, rate: float = 50.0) -> list[str]:
    """Post `n` complaints (food safety, Haizhu: lead 440105-amr) at about `rate` per second."""
    token = mint_token(DEV_JWT_SECRET, sub="drill", agency="440100-12345", roles=["intake"])
    ids = []
    async with httpx.AsyncClient(base_url=s.url("complaints"), headers={"Authorization": f"Bearer {token}"},
                                 timeout=30) as client:
        for i in range(n):
            body = {"kind": "complaint", "channel": "web", "external_ref": f"drill-{uuid.uuid4().hex}",
                    "complainant": {"name": "王五", "phone": f"137{i:08d}"},
                    "subject": {"uscc": make_uscc("440105", f"D{i:07d}"), "region": "440105"},
                    "category": "food_safety", "description": "外卖食品变质"}
            ids.append(await _post(client, body))
            await asyncio.sleep(1 / rate)
    return ids


async def _post(client: httpx.AsyncClient, body: dict) -> str:
    """Intake keeps working while the broker is away; a restarting process is waited for (same external_ref,
    so a retry never makes a second complaint)."""
    for _ in range(60):
        try:
            response = await client.post("/v1/complaints", json=body)
            if response.status_code < 500:
                return response.json()["id"]
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError("intake did not answer for 30 s")


async def _count(url: str, key_column, ids: list[str]) -> tuple[int, int]:
    """Rows for these ids, and how many ids appear more than once."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(key_column, func.count()).where(key_column.in_(ids))
                                       .group_by(key_column))).all()
    finally:
        await engine.dispose()
    return len(rows), sum(1 for _, c in rows if c > 1)


async def dead_letters(s: Stack) -> int:
    consumer = make_consumer(s.broker.bootstrap, group_id=None, client_id="drill", topics=[
        dlq_topic(n) for n in SERVICES])
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=2000)
        return sum(len(records) for records in batches.values())
    finally:
        await consumer.stop()


async def reconcile(s: Stack, ids: list[str], *, timeout: float = 120) -> dict:
    """Wait until every complaint reached notify (lead inbox), cases and credit, or the timeout."""
    from services.cases.tables import ComplaintRef
    from services.credit.tables import SubjectComplaint
    from services.notify.tables import InboxItem

    checks = {"notify inbox": (s.databases["notify"], InboxItem.__table__.c.aggregate_id),
              "cases projection": (s.databases["cases"], ComplaintRef.__table__.c.complaint_id),
              "credit projection": (s.databases["credit"], SubjectComplaint.__table__.c.complaint_id)}
    deadline = time.monotonic() + timeout
    while True:
        counts = {name: await _count(url, column, ids) for name, (url, column) in checks.items()}
        if all(found == len(ids) for found, _ in counts.values()) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    return {"expected": len(ids), **{name: {"delivered": found, "duplicated": dup, "lost": len(ids) - found}
                                     for name, (found, dup) in counts.items()},
            "dead letters": await dead_letters(s)}


def table(rows: list[tuple[str, str, dict]]) -> str:
    lines = [f"{'drill':<22}{'fault':<34}{'where':<19}{'expected':>9}{'delivered':>10}{'duplicated':>11}{'lost':>6}"]
    for drill, fault, result in rows:
        for where, counts in result.items():
            if isinstance(counts, dict):
                lines.append(f"{drill:<22}{fault:<34}{where:<19}{result['expected']:>9}{counts['delivered']:>10}"
                             f"{counts['duplicated']:>11}{counts['lost']:>6}")
        lines.append(f"{drill:<22}{fault:<34}{'dead-letter topics':<19}{0:>9}{result['dead letters']:>10}")
    return "\n".join(lines)
