"""`make run`'s launcher: broker and four services up, ready, and all stopped by SIGTERM."""
import os
import signal
import subprocess
import sys
import time
import urllib.request

from shared.broker import free_port, port_open
from shared.events.topics import SERVICES


def test_launcher_starts_everything_and_sigterm_stops_it(tmp_path):
    ports = {name: free_port() for name in SERVICES}
    kafka_port = free_port()
    env = {**os.environ, "JOINTSUP_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka_port}",
           **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    env.pop("DATABASE_URL", None)
    stderr = (tmp_path / "launcher.stderr").open("w")
    launcher = subprocess.Popen([sys.executable, "-m", "shared.devstack"], env=env, stdout=subprocess.PIPE,
                                stderr=stderr, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = launcher.stdout.readline()
            lines.append(line)
            if line.startswith("ready") or launcher.poll() is not None:
                break
        assert any(line.startswith("ready") for line in lines), (lines, _tail(tmp_path / "launcher.stderr"))
        for name, port in ports.items():
            assert f"http://127.0.0.1:{port}" in "".join(lines)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
                assert response.status == 200
        assert {p.name for p in tmp_path.iterdir()} >= {f"{name}.db" for name in SERVICES}
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(60)
        stderr.close()
    assert launcher.returncode == 0, _tail(tmp_path / "launcher.stderr")
    assert not any(port_open("127.0.0.1", p) for p in [*ports.values(), kafka_port])


def _tail(path, lines=30) -> str:
    """The launcher's last words, so a failure here says why."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
