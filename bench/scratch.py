"""A database for one bench run: a temporary SQLite file, or a new database on a PostgreSQL server that is
dropped afterwards (so a bench never writes into a database anyone uses)."""
import tempfile
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url


@asynccontextmanager
async def scratch_database(server_url: str | None, name: str):
    if not server_url:
        yield f"sqlite:///{Path(tempfile.mkdtemp()) / f'{name}.db'}"
        return
    url = make_url(server_url)
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
