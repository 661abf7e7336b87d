"""Databases for one bench or drill run: temporary SQLite files, or new databases on a PostgreSQL server that
are dropped afterwards (so a run never writes into a database anyone uses)."""
import argparse
import tempfile
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

SERVER_URL = "postgresql://postgres@127.0.0.1:5432/test"  # the machine's PostgreSQL; only scratch databases on it


def add_database_argument(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    parser.add_argument("--database-url", default=default,
                        help="a PostgreSQL server to create scratch databases on (dropped afterwards)"
                             + ("" if default else "; default: temporary SQLite files"))


@asynccontextmanager
async def scratch_databases(server_url: str | None, names: list[str], *, prefix: str = "bench"):
    """name → URL of a fresh database for each name."""
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
    try:
        yield {name: url.set(database=db).render_as_string(hide_password=False) for name, db in databases.items()}
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for database in databases.values():
                connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@asynccontextmanager
async def scratch_database(server_url: str | None, name: str):
    async with scratch_databases(server_url, [name]) as urls:
        yield urls[name]
