"""Table statistics on PostgreSQL: with autovacuum off, plans made while the tables were empty stick, so a
service warns at start and the benches' and drills' scratch databases are analysed in autovacuum's place."""
import asyncio

import psycopg
import pytest

from harness.scratch import SERVER_URL, scratch_databases
from shared.db import make_engine, warn_if_autovacuum_off
from tests.support import logged


@pytest.fixture
def postgres_pass(backend):
    if backend != "postgres":
        pytest.skip("scratch databases on PostgreSQL are checked in the PostgreSQL pass")


def _autovacuum() -> str:
    with psycopg.connect(SERVER_URL) as connection:
        return connection.execute("SHOW autovacuum").fetchone()[0]


async def test_scratch_databases_are_analysed_as_autovacuum_would_while_it_is_off_and_dropped_after(postgres_pass):
    if _autovacuum() == "on":
        pytest.skip("this server's autovacuum analyses the tables itself")
    async with scratch_databases(SERVER_URL, ["one"], prefix="test", analyse_every=0.2) as urls:
        url = urls["one"]
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
            await connection.execute("CREATE TABLE item (id int PRIMARY KEY)")
            await connection.execute("INSERT INTO item SELECT generate_series(1, 500)")
            await connection.execute("CREATE TABLE few (id int PRIMARY KEY)")
            await connection.execute("INSERT INTO few SELECT generate_series(1, 10)")  # under autovacuum's 50
            analysed = None
            for _ in range(50):
                await asyncio.sleep(0.1)
                analysed, = await (await connection.execute(
                    "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'item'")).fetchone()
                if analysed is not None:
                    break
            assert analysed is not None, "the stand-in never analysed the table"
            reltuples = await (await connection.execute(
                "SELECT reltuples FROM pg_class WHERE relname = 'item'")).fetchone()
            assert reltuples[0] == 500  # the planner now knows the table's size
            few = await (await connection.execute(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'few'")).fetchone()
            assert few[0] is None  # like autovacuum, a table that changed too little is left alone
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(SERVER_URL) as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is None


async def test_a_service_warns_at_start_exactly_when_its_postgresql_runs_without_autovacuum(backend, databases):
    engine = make_engine(databases.url("statistics"))
    try:
        with logged("shared.db") as lines:
            warned = await warn_if_autovacuum_off(engine)
    finally:
        await engine.dispose()
    expected = backend == "postgres" and _autovacuum() != "on"
    assert warned is expected
    assert any("autovacuum is off" in line for line in lines) is expected
