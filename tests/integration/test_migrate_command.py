"""`jointsup migrate` (python -m shared.cli.migrate): the one-shot schema job the image runs before services."""
import os
import sqlite3
import subprocess
import sys


def test_migrate_command_creates_each_schema_and_refuses_unknown_services(tmp_path):
    env = {**os.environ, "COMPLAINTS_DATABASE_URL": f"sqlite:///{tmp_path / 'complaints.db'}",
           "CREDIT_DATABASE_URL": f"sqlite:///{tmp_path / 'credit.db'}"}
    done = subprocess.run([sys.executable, "-m", "shared.cli.migrate", "complaints", "credit"], env=env,
                          capture_output=True, text=True, timeout=120)
    unknown = subprocess.run([sys.executable, "-m", "shared.cli.migrate", "payments"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["complaints: migrated", "credit: migrated"]
    tables = {r[0] for r in sqlite3.connect(tmp_path / "complaints.db").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"complaint", "complaint_step", "outbox_event"} <= tables
    assert unknown.returncode != 0 and "unknown service(s): payments" in unknown.stderr
