"""The stack as `make run` runs it (shared/cli/devstack.py: the embedded broker and the four services on SQLite) as a
real process, on free ports and a data directory of its own, for drills that kill its processes one by one."""
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from harness.reconcile import count_keys, outcome
from shared.broker import free_port, port_open
from shared.events.topics import SERVICES

BROKER = "broker"
REPUBLISHED = re.compile(r"(?P<service>\w+) relay: the broker kept none of what it sent; (?P<count>\d+) retained")


def children(pid: int) -> dict[str, int]:
    """The processes `pid` started, by what they are: a service's name, or `broker`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue  # it ended meanwhile
        if parent != pid:
            continue
        if b"broker" in command and b"--listener-url" in command:
            found[BROKER] = int(entry.name)
        for name in SERVICES:
            if f"services.{name}".encode() in command:
                found[name] = int(entry.name)
    return found


@dataclass
class MakeRun:
    """`python -m shared.cli.devstack` (what `make run` starts once installed), with its output in `logs`."""

    extra_env: dict[str, str] = field(default_factory=dict)
    data_dir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="jointsup-makerun-"))
    ports: dict[str, int] = field(default_factory=lambda: {name: free_port() for name in SERVICES})
    kafka_port: int = field(default_factory=free_port)
    launcher: subprocess.Popen | None = None
    keep_logs: bool = False
    starts: int = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def logs(self) -> str:
        return self.data_dir

    @property
    def databases(self) -> dict[str, str]:
        return {name: f"sqlite+aiosqlite:///{self.data_dir}/{name}.db" for name in SERVICES}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}  # SQLite, as make run has it
        return {**env, "JOINTSUP_DATA_DIR": self.data_dir, "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
                "JOINTSUP_ENV": "development", "JOINTSUP_LOG_LEVEL": "WARNING",
                "JOINTSUP_CONSUMER_SESSION_TIMEOUT_MS": "6000",  # a killed member leaves its group sooner
                **{f"{name.upper()}_PORT": str(port) for name, port in self.ports.items()}, **self.extra_env}

    async def start(self, timeout: float = 120) -> None:
        """Start the launcher (again) and wait until every service is ready."""
        self.starts += 1
        with open(Path(self.data_dir) / "make-run.log", "ab") as log:
            self.launcher = subprocess.Popen([sys.executable, "-m", "shared.cli.devstack"], env=self.env(),
                                             stdout=log, stderr=subprocess.STDOUT)
        await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not all([await self.ready(name) for name in SERVICES]):
            if self.launcher.poll() is not None or time.monotonic() > deadline:
                self.keep_logs = True
                raise RuntimeError(f"make run not ready (launcher {self.launcher.poll()}); see {self.data_dir}")
            await asyncio.sleep(0.3)

    async def ready(self, name: str) -> bool:
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                return (await client.get(f"{self.url(name)}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    def pids(self) -> dict[str, int]:
        return children(self.launcher.pid) if self.launcher and self.launcher.poll() is None else {}

    def kill(self, name: str) -> int:
        """SIGKILL one process of the stack; its pid."""
        pid = self.pids()[name]
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_launcher(self, timeout: float = 10) -> list[str]:
        """SIGKILL `make run` itself and wait until nothing of it holds a port; the processes it left running
        (killed by the drill after `timeout`, so that it can start again)."""
        left = self.pids()
        self.launcher.kill()
        self.launcher.wait()
        deadline = time.monotonic() + timeout
        while any(port_open("127.0.0.1", p) for p in [*self.ports.values(), self.kafka_port]):
            if time.monotonic() > deadline:
                survivors = [name for name, pid in left.items() if _kill(pid)]
                time.sleep(1)
                return survivors
            time.sleep(0.1)
        return []

    async def back(self, name: str, killed: int, timeout: float = 90) -> bool:
        """Whether the launcher started `name` again (a new pid, ready) within `timeout`; False at once if the
        launcher itself ended, as it did when one process died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.launcher.poll() is None:
            pid = self.pids().get(name)
            if pid and pid != killed and (port_open("127.0.0.1", self.kafka_port) if name == BROKER
                                          else await self.ready(name)):
                return True
            await asyncio.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.launcher is not None and self.launcher.poll() is None:
            self.launcher.send_signal(signal.SIGTERM)
            try:
                self.launcher.wait(60)
            except subprocess.TimeoutExpired:
                self.launcher.kill()
                self.launcher.wait()

    def republished(self) -> Counter:
        """Per service, the retained events its relay sent again to a new broker (from the services' log)."""
        sent: Counter = Counter()
        for line in (Path(self.data_dir) / "make-run.log").read_text(errors="replace").splitlines():
            if found := REPUBLISHED.search(line):
                sent[found["service"]] += int(found["count"])
        return sent

    async def snapshot(self) -> None:
        """Nothing to add: the services' output is in make-run.log beside their databases."""


def _kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


async def complaints_stored(m: MakeRun, ids: list[str]) -> dict:
    """The load's complaints in the complaints database."""
    from services.complaints.tables import Complaint

    found, doubled = await count_keys(m.databases["complaints"], Complaint.__table__.c.id, ids)
    return outcome(len(ids), found, doubled)


async def complainant_sms(m: MakeRun, ids: list[str], *, timeout: float) -> dict:
    """Each complainant of `ids` (the escalated complaints) told twice by SMS: accepted (受理), then escalated
    (线索); read from the file the development SMS provider writes, waiting up to `timeout` for them."""
    wanted = {(i, kind) for i in ids for kind in ("受理", "线索")}
    deadline = time.monotonic() + timeout
    while True:
        path = Path(m.data_dir) / "notify-outbox" / "sms.jsonl"
        texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()] \
            if path.exists() else []
        sent = Counter((i, kind) for text in texts for i, kind in wanted if i in text and kind in text)
        if set(sent) >= wanted or time.monotonic() > deadline:
            return outcome(len(wanted), len(set(sent) & wanted), sum(1 for c in sent.values() if c > 1))
        await asyncio.sleep(1)
