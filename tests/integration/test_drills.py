"""The fault drills in short form (make drills runs them at full length): real service processes on
PostgreSQL, a load of complaints, a fault, and a reconciliation with nothing lost or doubled."""
import shutil
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drills.fuzz import fuzz
from drills.run import (broker_frozen, consumer_killed, garbage_injected, postgres_restarted, processes_killed,
                        receiver_down)
from harness.load import load
from harness.reconcile import backlog, drained, kept_unless_clean, reconcile
from harness.stack import stack
from services.complaints.app import DEFINITION as COMPLAINTS
from shared.db import make_engine


def _clean(result: dict) -> None:
    result = kept_unless_clean(result)
    for where, counts in result["places"].items():
        assert (counts["delivered"], counts["duplicated"], counts["lost"]) == (counts["expected"], 0, 0), \
            f"{where}: {result.get('notes')}"
    assert result["dead letters"] == result["dead letters expected"], result.get("notes")
    assert drained(result["left"]), result["left"]  # every service handled what it should, every outbox relayed


@pytest.fixture
def postgres_pass(backend):
    if backend != "postgres":
        pytest.skip("the drills run real processes on PostgreSQL: they run in the PostgreSQL pass")


@pytest.fixture
def sqlite_pass(backend):
    if backend != "sqlite":
        pytest.skip("make run is the embedded default, on SQLite: its drill runs in the SQLite pass")


async def test_broker_frozen_mid_load_loses_and_doubles_nothing(postgres_pass):
    _clean(await broker_frozen(20, 3))


async def test_consumer_killed_mid_load_loses_and_doubles_nothing(postgres_pass):
    _clean(await consumer_killed(20))


@pytest.mark.skipif(not shutil.which("pg_ctlcluster"), reason="restarting PostgreSQL needs postgresql-common")
async def test_postgres_restarted_mid_load_every_service_goes_unready_and_back(postgres_pass):
    result = await postgres_restarted(20)
    _clean(result)
    assert result["readyz recovered"] == ["cases", "complaints", "credit", "notify"], result["notes"]


async def test_garbage_on_every_topic_ends_in_the_dead_letter_topics_and_nothing_else(postgres_pass):
    result = await garbage_injected(20, share=0.05)
    _clean(result)
    assert result["dead letters expected"] >= 8 and result["stray dead letters"] == 0  # 1 per topic at least


async def test_webhook_receiver_down_backs_up_then_drains_once_each(postgres_pass):
    result = await receiver_down(20, 4)
    _clean(result)
    assert result["places"]["webhook receiver"] == {"expected": 20, "delivered": 20, "duplicated": 0, "lost": 0}
    assert result["webhook attempts"]["retried"] > 0  # the receiver really was down for some of them


async def test_each_process_of_make_run_killed_under_load_loses_and_doubles_nothing(sqlite_pass):
    """Each service and the broker SIGKILLed in turn (make run starts each again), then make run itself (started
    again as by hand): the new broker holds nothing, and the relays send what their outboxes retain."""
    result = await processes_killed(30, rate=5)
    _clean(result)
    assert result["places"]["complainant SMS"]["expected"] == 6
    assert "make run started 2 times" in result["notes"]  # the killed processes came back without the drill


async def test_fuzzing_finds_no_server_error_and_no_schema_mismatch(postgres_pass, tmp_path):
    results = await fuzz(examples=3, report_dir=tmp_path)
    assert {name: r["failed"] for name, r in results.items()} == {name: [] for name in results}, \
        "\n".join(r["output"] for r in results.values() if r["exit"])
    assert all(r["operations"] >= 10 for r in results.values())


def test_a_drill_that_lost_something_keeps_its_services_logs_and_says_where(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    lost = {"places": {"inbox": {"expected": 2, "delivered": 1, "duplicated": 0, "lost": 1}}, "dead letters": 0,
            "dead letters expected": 0, "left": {"inbox": {"unhandled": 0, "unpublished": 0}}, "logs": str(logs)}
    assert kept_unless_clean(lost)["notes"] == [f"the services' logs: {logs}"] and logs.exists()
    kept_unless_clean({**lost, "places": {"inbox": {"expected": 2, "delivered": 2, "duplicated": 0, "lost": 0}}})
    assert not logs.exists()


async def test_a_reconciliation_that_finds_a_loss_keeps_what_each_service_reported(postgres_pass):
    async with stack() as s:
        s.kill("credit")
        started = time.monotonic()
        result = await reconcile(s, await load(s, 3), started=started, timeout=5)
    logs = Path(result["logs"])
    try:
        assert result["places"]["credit projection"]["lost"] == 3 and result["left"]["credit"]["unhandled"] >= 3
        assert "no answer" in (logs / "credit.readyz").read_text()
        assert '"status":"ready"' in (logs / "cases.readyz").read_text()
        assert 'jointsup_consumer_lag{group="cases"' in (logs / "cases.metrics").read_text()
    finally:
        shutil.rmtree(logs)


async def test_an_event_relayed_and_not_handled_is_left_to_consume_whatever_the_broker_reports(postgres_pass):
    """The drills count what each service handled against what the outboxes relayed: the embedded broker reports
    log ends too low after multi-record batches, so a group's lag (log end minus committed) can read 0 while
    records wait. Here an event marked relayed never reached the broker at all: the lag says nothing is left."""
    async with stack() as s:
        engine = make_engine(s.databases["complaints"])
        now = datetime.now(timezone.utc)
        try:
            async with engine.begin() as conn:
                await conn.execute(COMPLAINTS.tables.outbox.insert().values(
                    event_id=uuid.uuid4().hex, event_type="jointsup.complaint.received", topic="jointsup.complaints",
                    key="c", value=b"{}", headers={}, created_at=now, published_at=now, attempts=0))
        finally:
            await engine.dispose()
        left = await backlog(s)
    assert not drained(left)
    assert {name: b["unhandled"] for name, b in left.items()} == {"complaints": 0, "cases": 1, "credit": 1,
                                                                   "notify": 0}


async def test_a_service_that_exits_at_start_is_named_at_once_and_its_log_kept(postgres_pass):
    with pytest.raises(RuntimeError, match=r"complaints exited with code \d+ before it was ready; its log: (\S+)") as e:
        async with stack(JOINTSUP_TOPIC_PARTITIONS="0"):  # a setting out of range: the service refuses to start
            pass
    log = Path(e.value.args[0].rsplit(" ", 1)[1])
    try:
        assert "JOINTSUP_TOPIC_PARTITIONS" in log.read_text()
    finally:
        shutil.rmtree(log.parent)
