"""`make run`: the embedded broker and the four services on SQLite, stopped together on Ctrl-C or SIGTERM."""
import os
import signal
import subprocess
import sys
import time
import urllib.request

from shared.broker import EmbeddedBroker
from shared.events.topics import SERVICES

DEFAULT_PORTS = {"complaints": 8101, "cases": 8102, "credit": 8103, "notify": 8104}


def _port(service: str) -> int:
    return int(os.environ.get(f"{service.upper()}_PORT", DEFAULT_PORTS[service]))


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    bootstrap = os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    host, _, port = bootstrap.partition(":")
    broker = None
    if os.environ.get("JOINTSUP_EMBEDDED_BROKER", "1") != "0":
        if host not in ("127.0.0.1", "localhost"):
            sys.exit(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap} is not local: set JOINTSUP_EMBEDDED_BROKER=0 to use it")
        os.makedirs(os.environ.get("JOINTSUP_DATA_DIR", "data"), exist_ok=True)
        broker = EmbeddedBroker(int(port or 19092), log_path=os.path.join(
            os.environ.get("JOINTSUP_DATA_DIR", "data"), "broker.log")).start()
        print(f"broker      kafka://{bootstrap} (Tansu, memory-only)", flush=True)

    os.environ.setdefault("NOTIFY_COMPLAINTS_URL", f"http://127.0.0.1:{_port('complaints')}")
    os.environ.setdefault("NOTIFY_OUTBOX_DIR", os.path.join(os.environ.get("JOINTSUP_DATA_DIR", "data"),
                                                            "notify-outbox"))
    children = {name: subprocess.Popen([sys.executable, "-m", f"services.{name}"]) for name in SERVICES}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    deadline, announced = time.monotonic() + 90, False
    code = 0
    while not stopping:
        dead = {n: c.returncode for n, c in children.items() if c.poll() is not None}
        if dead:
            print(f"service(s) exited: {dead}; stopping everything", file=sys.stderr, flush=True)
            code = 1
            break
        if not announced and all(_ready(f"http://127.0.0.1:{_port(n)}/readyz") for n in SERVICES):
            announced = True
            for name in SERVICES:
                print(f"{name:<11} http://127.0.0.1:{_port(name)}  (docs: /docs)", flush=True)
            print("token       .venv/bin/jointsup-token --agency 440100-amr --roles officer,lead", flush=True)
            print("ready; Ctrl-C stops everything", flush=True)
        elif not announced and time.monotonic() > deadline:
            print("services not ready after 90 s; see their logs above", file=sys.stderr, flush=True)
            deadline = float("inf")
        time.sleep(0.3)

    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children.values():
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
    if broker is not None:
        broker.stop()
    print("stopped", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
