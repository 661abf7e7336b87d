"""The whole system as real processes: the embedded broker and the four services on scratch databases (PostgreSQL
by default, dropped afterwards), each service's warnings and errors in a log file of its own."""
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from harness.load import LOAD_RATE_LIMITS
from harness.scratch import SERVER_URL, scratch_databases
from shared.broker import EmbeddedBroker, free_port
from shared.events.topics import SERVICES


@dataclass
class Stack:
    server_url: str
    broker: EmbeddedBroker | None = None
    ports: dict[str, int] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # What the services write (warnings and errors), one file each: removed with the stack, unless a
    # reconciliation leaves it to kept_unless_clean() to decide.
    logs: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="jointsup-drill-"))
    keep_logs: bool = False

    def env(self, name: str) -> dict:
        return {**os.environ, **LOAD_RATE_LIMITS, **self.extra_env,
                "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
                "JOINTSUP_LOG_LEVEL": "WARNING",
                f"{name.upper()}_PORT": str(self.ports[name]),
                f"{name.upper()}_DATABASE_URL": self.databases[name],
                "NOTIFY_COMPLAINTS_URL": f"http://127.0.0.1:{self.ports['complaints']}",
                "NOTIFY_OUTBOX_DIR": f"/tmp/jointsup-drill-{os.getpid()}",
                "JOINTSUP_CONSUMER_SESSION_TIMEOUT_MS": "6000"}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def log_path(self, name: str) -> str:
        return os.path.join(self.logs, f"{name}.log")

    async def start(self, name: str) -> None:
        with open(self.log_path(name), "ab") as log:
            self.processes[name] = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=self.env(name),
                                                    stdout=log, stderr=subprocess.STDOUT)
        await self.wait_ready(name)

    async def wait_ready(self, name: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if (code := self.processes[name].poll()) is not None:
                    self.keep_logs = True
                    raise RuntimeError(f"{name} exited with code {code} before it was ready; its log: "
                                       f"{self.log_path(name)}")
                try:
                    if (await client.get(f"{self.url(name)}/readyz", timeout=2)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.3)
        self.keep_logs = True
        raise RuntimeError(f"{name} not ready after {timeout}s; its log: {self.log_path(name)}")

    async def snapshot(self) -> None:
        """Each running service's /readyz and /metrics (lag, assignment, outcomes) beside its log."""
        async with httpx.AsyncClient(timeout=10) as client:
            for name in self.processes:
                for path in ("readyz", "metrics"):
                    try:
                        text = (await client.get(f"{self.url(name)}/{path}")).text
                    except httpx.HTTPError as exc:
                        text = f"no answer: {exc!r}"
                    with open(os.path.join(self.logs, f"{name}.{path}"), "w") as out:
                        out.write(text)

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
async def stack(server_url: str = SERVER_URL, **extra_env: str):
    """The broker and the four services; `extra_env` tunes the services (e.g. notify's retry schedule)."""
    s = Stack(server_url, extra_env=extra_env)
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
            if not s.keep_logs:
                shutil.rmtree(s.logs, ignore_errors=True)
