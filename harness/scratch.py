"""Databases for one bench or drill run: temporary SQLite files, or new databases on a PostgreSQL server that
are dropped afterwards (so a run never writes into a database anyone uses)."""
import argparse
import asyncio
import sys
import tempfile
import uuid
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

SERVER_URL = "postgresql://postgres@127.0.0.1:5432/test"  # the machine's PostgreSQL; only scratch databases on it
ANALYZE_EVERY_SECONDS = 10.0


def add_database_argument(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    parser.add_argument("--database-url", default=default,
                        help="a PostgreSQL server to create scratch databases on (dropped afterwards)"
                             + ("" if default else "; default: temporary SQLite files"))


@asynccontextmanager
async def scratch_databases(server_url: str | None, names: list[str], *, prefix: str = "bench",
                            analyse_every: float = ANALYZE_EVERY_SECONDS):
    """name → URL of a fresh database for each name; where autovacuum is off, its analysing is done here."""
    if not server_url:
        folder = Path(tempfile.mkdtemp())
        yield {name: f"sqlite:///{folder / f'{name}.db'}" for name in names}
        return
    url = make_url(server_url)
    run = uuid.uuid4().hex[:8]
    databases = {name: f"{prefix}_{run}_{name}" for name in names}
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        for database in databases.values():
            connection.execute(f'CREATE DATABASE "{database}"')
        autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
    urls = {name: url.set(database=db).render_as_string(hide_password=False) for name, db in databases.items()}
    stand_in = None
    if autovacuum != "on":
        print(f"PostgreSQL runs with autovacuum off: every {analyse_every:g} s this run analyses the scratch "
              "tables autovacuum would", file=sys.stderr)
        stand_in = asyncio.create_task(_analyse_periodically(
            [url.set(drivername="postgresql", database=db).render_as_string(hide_password=False)
             for db in databases.values()], analyse_every))
    try:
        yield urls
    finally:
        if stand_in is not None:
            stand_in.cancel()
            with suppress(asyncio.CancelledError):
                await stand_in
        with psycopg.connect(admin, autocommit=True) as connection:
            for database in databases.values():
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# The tables autovacuum would analyse now: changed rows past its threshold (50 + 10% of the table by default).
_DUE_FOR_ANALYZE = """
SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables
WHERE n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::int
    + current_setting('autovacuum_analyze_scale_factor')::float * n_live_tup"""


async def _analyse_periodically(urls: list[str], every: float) -> None:
    # Without fresh statistics the tables stay "empty" to the planner, and the generic plans psycopg's prepared
    # statements settle on after five runs scan whole tables: the outbox and the complaint clusters grow O(n) per
    # complaint. ANALYZE invalidates those plans, as autovacuum's analyse would on a deployment; like it, only
    # tables that changed enough are analysed, so a growing table is analysed ever more rarely.
    while True:
        await asyncio.sleep(every)
        for database_url in urls:
            with suppress(psycopg.Error):
                async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as connection:
                    for (table,) in await (await connection.execute(_DUE_FOR_ANALYZE)).fetchall():
                        await connection.execute(f"ANALYZE {table}")


@asynccontextmanager
async def scratch_database(server_url: str | None, name: str):
    async with scratch_databases(server_url, [name]) as urls:
        yield urls[name]
