"""`make run`: the embedded broker and the four services on SQLite. A process that dies is started again on its
own while the others keep running; Ctrl-C or SIGTERM stops everything."""
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

from shared.broker import EmbeddedBroker, die_with_parent
from shared.events.topics import SERVICES

DEFAULT_PORTS = {"complaints": 8101, "cases": 8102, "credit": 8103, "notify": 8104}
GIVE_UP_AFTER = 5  # deaths in a row before it was ever healthy: it cannot start (a bad setting, a taken port)


def restart_delay(early_deaths: int) -> float | None:
    """Seconds before starting again a process that died, given how many times in a row it died before it was
    ever healthy (0: it had been healthy, so at once); None: give up."""
    if early_deaths >= GIVE_UP_AFTER:
        return None
    return 0.0 if early_deaths == 0 else float(2 ** (early_deaths - 1))


class Supervised:
    """One process of the stack, started again when it dies."""

    def __init__(self, name: str, start: Callable[[], subprocess.Popen], healthy: Callable[[], bool]):
        self.name, self._start, self._healthy = name, start, healthy
        self.process: subprocess.Popen | None = None
        self.healthy = False
        self.early_deaths = 0
        self._start_at = 0.0

    def tend(self) -> bool:
        """Start it when due, notice it healthy or dead; False once it keeps dying at start-up."""
        if self.process is None:
            if time.monotonic() >= self._start_at:
                try:
                    self.process = self._start()
                except RuntimeError as exc:  # the broker could not listen
                    return self._died(str(exc))
            return True
        code = self.process.poll()
        if code is not None:
            return self._died(f"exited with code {code}")
        if not self.healthy and self._healthy():
            self.healthy, self.early_deaths = True, 0
        return True

    def _died(self, why: str) -> bool:
        self.early_deaths = 0 if self.healthy else self.early_deaths + 1
        delay = restart_delay(self.early_deaths)
        if delay is None:
            print(f"{self.name} {why}, {self.early_deaths} times in a row before it was up; stopping everything",
                  file=sys.stderr, flush=True)
            return False
        print(f"{self.name} {why}; starting it again in {delay:.0f} s", file=sys.stderr, flush=True)
        self.process, self.healthy, self._start_at = None, False, time.monotonic() + delay
        return True


def _port(service: str) -> int:
    return int(os.environ.get(f"{service.upper()}_PORT", DEFAULT_PORTS[service]))


def _answers(service: str, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{_port(service)}/{path}", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _embedded_broker(bootstrap: str, data_dir: str) -> Supervised:
    host, _, port = bootstrap.partition(":")
    if host not in ("127.0.0.1", "localhost"):
        sys.exit(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap} is not local: set JOINTSUP_EMBEDDED_BROKER=0 to use it")
    broker = EmbeddedBroker(int(port or 19092), log_path=os.path.join(data_dir, "broker.log"), dies_with_parent=True)
    # It forgets its log when it restarts: each relay then sends again what its outbox retains.
    os.environ.setdefault("JOINTSUP_REPUBLISH_ON_NEW_BROKER", "true")
    return Supervised("broker", lambda: broker.start().process, lambda: True)


def _service(name: str) -> Supervised:
    # A session of its own: Ctrl-C reaches this process only, which stops the services in order.
    return Supervised(name, lambda: subprocess.Popen([sys.executable, "-m", f"services.{name}"],
                                                     start_new_session=True, preexec_fn=die_with_parent()),
                      lambda: _answers(name, "healthz"))


def _stop(supervised: list[Supervised]) -> None:
    running = [s.process for s in supervised if s.process is not None and s.process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> int:
    bootstrap = os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    data_dir = os.environ.get("JOINTSUP_DATA_DIR", "data")
    os.makedirs(data_dir, exist_ok=True)
    broker = None
    if os.environ.get("JOINTSUP_EMBEDDED_BROKER", "1") != "0":
        broker = _embedded_broker(bootstrap, data_dir)
        print(f"broker      kafka://{bootstrap} (Tansu, memory-only)", flush=True)
    os.environ.setdefault("NOTIFY_COMPLAINTS_URL", f"http://127.0.0.1:{_port('complaints')}")
    os.environ.setdefault("NOTIFY_OUTBOX_DIR", os.path.join(data_dir, "notify-outbox"))
    services = [_service(name) for name in SERVICES]
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervised = ([broker] if broker else []) + services  # the broker first: the services connect to it
    deadline, announced, code = time.monotonic() + 90, False, 0
    while not stopping:
        if not all(p.tend() for p in supervised):
            code = 1
            break
        if not announced and all(_answers(n, "readyz") for n in SERVICES):
            announced = True
            for name in SERVICES:
                print(f"{name:<11} http://127.0.0.1:{_port(name)}  (docs: /docs)", flush=True)
            print("token       .venv/bin/jointsup-token --agency 440100-amr --roles officer,lead", flush=True)
            print("ready; a process that dies is started again; Ctrl-C stops everything", flush=True)
        elif not announced and time.monotonic() > deadline:
            print("services not ready after 90 s; see their logs above", file=sys.stderr, flush=True)
            deadline = float("inf")
        time.sleep(0.3)

    _stop(services)
    if broker is not None:
        _stop([broker])
    print("stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
