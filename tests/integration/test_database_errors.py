"""What a database error means to the services does not depend on the driver: on PostgreSQL (asyncpg by
default) a database that is away is DATABASE_AWAY, a lock wait given up is a collision, and a broken rule or
statement is neither. Whatever the database, an error's message (which ends in logs) leaves out what was bound.
A start that migrates waits a while for a database that is away."""
import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, ProgrammingError

from shared.broker import free_port
from shared.db import DATABASE_AWAY, async_url, make_engine, migrate_when_reachable, sync_url
from shared.messaging.ack_policy import collided
from tests.conftest import service_settings, start_service, stop_service
from tests.support import eventually, logged


@pytest.fixture(params=["postgresql", "postgresql+psycopg"])
def driver(request, backend) -> str:
    """Each PostgreSQL driver in turn: the default (asyncpg), and psycopg named in the URL."""
    if backend != "postgres":
        pytest.skip("driver errors are PostgreSQL's")
    return request.param


def _through(driver: str, url: str) -> str:
    return url.replace("postgresql://", f"{driver}://", 1)


def _engine_on(driver: str, databases, name: str):
    return make_engine(_through(driver, databases.url(f"{name}_{driver.replace('+', '_')}")))


def test_a_plain_postgresql_url_runs_on_asyncpg_and_migrates_through_psycopg():
    assert async_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert sync_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert async_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"  # a named driver is kept


async def _raised(engine, *statements) -> BaseException:
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    except Exception as exc:
        return exc
    raise AssertionError("nothing was raised")


async def test_a_server_that_refuses_connections_is_away(driver):
    engine = make_engine(f"{driver}://postgres@127.0.0.1:1/test")
    try:
        assert isinstance(await _raised(engine, "SELECT 1"), DATABASE_AWAY)
    finally:
        await engine.dispose()


async def test_a_database_that_refuses_connections_is_away(databases, driver):
    url = databases.url(f"refusing_{driver.replace('+', '_')}")
    engine = make_engine(_through(driver, url))
    databases.accept_connections(url, False)
    try:
        assert isinstance(await _raised(engine, "SELECT 1"), DATABASE_AWAY)
    finally:
        databases.accept_connections(url, True)
        await engine.dispose()


async def test_a_lock_wait_given_up_is_a_collision_and_broken_statements_are_not_away(databases, driver):
    engine = _engine_on(driver, databases, "locks")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE item (id int PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO item VALUES (1)"))
        async with engine.begin() as holder:
            await holder.execute(text("SELECT * FROM item WHERE id = 1 FOR UPDATE"))
            gave_up = await _raised(engine, "SET LOCAL lock_timeout = '50ms'",
                                    "UPDATE item SET id = 1 WHERE id = 1")
        assert isinstance(gave_up, DATABASE_AWAY) and collided(gave_up)
        duplicate = await _raised(engine, "INSERT INTO item VALUES (1)")
        assert isinstance(duplicate, IntegrityError) and not isinstance(duplicate, DATABASE_AWAY)
        assert not collided(duplicate)
        unknown = await _raised(engine, "SELECT * FROM no_such_table")
        assert isinstance(unknown, ProgrammingError) and not isinstance(unknown, DATABASE_AWAY)
    finally:
        await engine.dispose()


async def test_a_failed_statement_does_not_carry_its_parameters_into_messages(databases):
    engine = make_engine(databases.url("parameters"))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE person (phone text PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO person VALUES (:phone)"), {"phone": "13912345678"})
        try:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO person VALUES (:phone)"), {"phone": "13912345678"})
        except IntegrityError as exc:
            assert "13912345678" not in str(exc) and "hidden" in str(exc)
        else:
            raise AssertionError("the duplicate was stored")
    finally:
        await engine.dispose()


async def test_a_violated_constraint_keeps_its_key_values_out_of_messages_on_each_driver(databases, driver):
    engine = _engine_on(driver, databases, "detail")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE person (phone text PRIMARY KEY)"))
            await conn.execute(text("INSERT INTO person VALUES ('13912345678')"))
        duplicate = await _raised(engine, "INSERT INTO person VALUES ('13912345678')")
        assert isinstance(duplicate, IntegrityError) and "person_pkey" in str(duplicate)
        assert "13912345678" not in str(duplicate.orig) and "DETAIL" not in str(duplicate.orig)
        assert duplicate.orig.sqlstate == "23505"
    finally:
        await engine.dispose()


@pytest.fixture
def postgres(backend):
    if backend != "postgres":
        pytest.skip("a database that is away is PostgreSQL's (SQLite is a file)")


async def test_a_service_starting_while_its_database_is_away_waits_for_it_then_migrates(postgres, databases, broker):
    url = databases.url("starting")
    databases.accept_connections(url, False)
    settings = service_settings("credit", database_url=url, bootstrap=broker.bootstrap, port=free_port())
    with logged("shared.db") as warnings:
        starting = asyncio.create_task(start_service("credit", settings))
        await eventually(lambda: asyncio.sleep(0, any("the database is away" in w for w in warnings)),
                         what="a warning that the database is away")
        assert not starting.done()
        databases.accept_connections(url, True)
        service = await asyncio.wait_for(starting, 60)
    try:
        async with httpx.AsyncClient(base_url=service.url) as client:
            await eventually(lambda: _ready(client), what="credit ready")
    finally:
        await stop_service(service)


async def _ready(client) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def test_a_start_that_waited_long_enough_for_the_database_gives_up(postgres, databases):
    url = databases.url("never")
    databases.accept_connections(url, False)
    try:
        with pytest.raises(DATABASE_AWAY):
            await migrate_when_reachable(url, "credit", wait_seconds=1)
    finally:
        databases.accept_connections(url, True)
