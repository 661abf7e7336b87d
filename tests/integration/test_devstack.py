"""`make run`'s launcher: broker and four services up, ready, all stopped by SIGTERM; a process that dies is
started again, and nothing outlives a launcher killed with SIGKILL."""
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from drills.makerun import BROKER, MakeRun
from shared.broker import free_port, port_open
from shared.events.topics import SERVICES


def test_launcher_starts_everything_and_sigterm_stops_it(tmp_path):
    ports = {name: free_port() for name in SERVICES}
    kafka_port = free_port()
    env = {**os.environ, "JOINTSUP_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka_port}",
           **{f"{name.upper()}_PORT": str(port) for name, port in ports.items()}}
    env.pop("DATABASE_URL", None)
    stderr = (tmp_path / "launcher.stderr").open("w")
    launcher = subprocess.Popen([sys.executable, "-m", "shared.cli.devstack"], env=env, stdout=subprocess.PIPE,
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


def _running(pid: int) -> bool:
    """Alive, not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _tail(path, lines=30) -> str:
    """The launcher's last words, so a failure here says why."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


async def test_a_process_killed_is_started_again_while_the_others_keep_running():
    """A service, then the broker: each SIGKILLed, each started again by make run on its port, nothing else
    restarted (until make run restarted nothing, and the whole stack stopped when one service died)."""
    m = MakeRun()
    try:
        await m.start()
        for name in ("notify", BROKER):
            before = m.pids()
            assert await m.back(name, m.kill(name)), f"{name} not started again; see {m.data_dir}"
            after = m.pids()
            assert after[name] != before[name]
            assert {n: p for n, p in after.items() if n != name} == {n: p for n, p in before.items() if n != name}
    finally:
        m.stop()
    assert m.launcher.returncode == 0
    shutil.rmtree(m.data_dir)


async def test_make_run_killed_leaves_no_process_behind_to_hold_its_ports():
    m = MakeRun()
    try:
        await m.start()
        pids = m.pids()
        assert m.kill_launcher() == []  # every port free again, none of its processes had to be killed by hand
        assert not [name for name, pid in pids.items() if _running(pid)]
    finally:
        m.stop()
    shutil.rmtree(m.data_dir)
