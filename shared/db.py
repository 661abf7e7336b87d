"""Database engines, sessions and migrations for a service's own database."""
import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Executable, event, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session
from sqlmodel import Session as SqlModelSession
from sqlmodel.ext.asyncio.session import AsyncSession

ALEMBIC_DIR = Path(__file__).parent / "alembic"
# The database restarting, refusing connections or dropping one: worth waiting for, unlike a failed statement.
DATABASE_AWAY = (OperationalError, InterfaceError, DisconnectionError)
log = logging.getLogger(__name__)


def async_url(url: str) -> str:
    """Normalise a URL to its async driver: aiosqlite, or asyncpg (a tenth to a quarter less CPU per statement than
    psycopg; bench/RESULTS.md, session 11). A URL that names its driver keeps it."""
    u = make_url(url)
    if u.drivername in ("sqlite", "sqlite+pysqlite"):
        u = u.set(drivername="sqlite+aiosqlite")
    elif u.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (for Alembic: psycopg on PostgreSQL)."""
    u = make_url(async_url(url))
    if u.drivername == "sqlite+aiosqlite":
        u = u.set(drivername="sqlite")
    elif u.drivername == "postgresql+asyncpg":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets WAL and immediate write transactions. A failed statement's message leaves
    its parameters out: they may be personal data, and such messages end in logs."""
    url = async_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _serialise_sqlite_writes(engine)
        return engine
    engine = create_async_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size,
                                 hide_parameters=True)
    if make_url(url).get_driver_name() == "asyncpg":
        event.listen(engine.sync_engine, "do_connect", _connect_or_operational_error)
        event.listen(engine.sync_engine, "handle_error", _as_operational_error)
    else:
        event.listen(engine.sync_engine, "handle_error", _without_detail)
    return engine


def _without_detail(context):
    """psycopg's message carries the server's DETAIL line, which names the key values of a violated constraint
    (a phone, an ID number): the error raised keeps the same class and SQLSTATE and only the primary message."""
    error = context.original_exception
    message = str(error)
    if "\nDETAIL:" not in message:
        return None
    plain = type(error)(message.split("\nDETAIL:", 1)[0])
    return type(context.sqlalchemy_exception)(context.statement, context.parameters, plain, hide_parameters=True,
                                              connection_invalidated=context.is_disconnect)


# psycopg, as PEP 249 asks, raises OperationalError when the database is away, restarting, short of resources or
# in the way of another transaction (these SQLSTATE classes); asyncpg's errors reach SQLAlchemy as a bare
# DBAPIError, and a refused connection as a plain OSError. Raised as OperationalError they mean to every caller
# (DATABASE_AWAY, a consumer's collisions) what they mean on psycopg.
_OPERATIONAL_SQLSTATE_CLASSES = frozenset({"08", "28", "40", "53", "54", "55", "57", "58"})


def _connect_or_operational_error(dialect, _record, cargs, cparams):
    try:
        return dialect.connect(*cargs, **cparams)
    except OSError as exc:  # refused, unreachable, timed out: not a DBAPI error until it is made one
        raise dialect.loaded_dbapi.OperationalError(str(exc)) from exc


def _as_operational_error(context) -> OperationalError | None:
    if isinstance(context.sqlalchemy_exception, (OperationalError, InterfaceError)):
        return None
    error = context.original_exception
    sqlstate = getattr(error, "sqlstate", None) or ""
    if sqlstate[:2] in _OPERATIONAL_SQLSTATE_CLASSES:
        return OperationalError(context.statement, context.parameters, error,
                                connection_invalidated=context.is_disconnect)
    return None


def _serialise_sqlite_writes(engine: AsyncEngine) -> None:
    # SQLite upgrades a read lock to a write lock without waiting, which fails
    # under concurrency; BEGIN IMMEDIATE makes every transaction wait its turn.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: AsyncEngine, **info) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit; `info` reaches every session. Only these sessions
    write rows queued for their commit (`insert_before_commit`) and run callbacks after it (`after_commit`): the
    listeners are on a session class of this sessionmaker's own, not on every Session in the process."""
    return async_sessionmaker(engine, class_=AsyncSession, sync_session_class=_listening_session_class(),
                              expire_on_commit=False, info=info)


def _listening_session_class() -> type[SqlModelSession]:
    listening = type("ServiceSession", (SqlModelSession,), {})
    event.listen(listening, "after_transaction_create", _mark_savepoint)
    event.listen(listening, "before_commit", _write_before_commit)
    event.listen(listening, "after_commit", _run_after_commit)
    event.listen(listening, "after_soft_rollback", _forget_queued)
    event.listen(listening, "after_transaction_end", _forget_all_at_end)
    return listening


async def ping(engine: AsyncEngine, timeout: float = 2.0) -> None:
    """Raise when the database does not answer within `timeout` seconds."""
    async def _select_one():
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.wait_for(_select_one(), timeout)


async def warn_if_autovacuum_off(engine: AsyncEngine, timeout: float = 2.0) -> bool:
    """Warn when PostgreSQL's autovacuum is off: the tables are then never analysed, and the generic plans that
    prepared statements settle on while a table is still empty (whole-table scans) are kept as it grows."""
    if engine.dialect.name != "postgresql":
        return False

    async def _setting() -> str:
        async with engine.connect() as conn:
            return (await conn.execute(text("SHOW autovacuum"))).scalar_one()

    try:
        off = await asyncio.wait_for(_setting(), timeout) != "on"
    except (SQLAlchemyError, OSError, TimeoutError):
        return False  # the database is not up (or not answering) yet; start anyway, /readyz reports it
    if off:
        log.warning("PostgreSQL autovacuum is off: run ANALYZE on this database regularly (or turn autovacuum on), "
                    "or queries keep the whole-table plans they were given while the tables were empty")
    return off


def alembic_config(url: str, service: str) -> Config:
    """Alembic config: the shared env, the service's own versions folder."""
    versions = Path(__file__).parent.parent / "services" / service / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(versions))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


async def migrate(url: str, service: str) -> None:
    """Bring the service's database to the newest schema."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(command.upgrade, alembic_config(url, service), "head")


async def migrate_when_reachable(url: str, service: str, *, wait_seconds: float) -> None:
    """migrate(), waiting up to `wait_seconds` for a database that is away (starting, restarting): a
    PostgreSQL migration is one transaction, so one cut short leaves nothing behind and is simply run again."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.5
    while True:
        try:
            return await migrate(url, service)
        except DATABASE_AWAY as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("%s: the database is away (%s); migrating again in %.1f s", service, type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def upsert_insert(session_or_connection, table):
    """The dialect's INSERT (SQLite or PostgreSQL), which offers ON CONFLICT DO NOTHING / DO UPDATE."""
    return _insert_of(session_or_connection.bind.dialect.name)(table)


def _insert_of(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def per_dialect(build: Callable[[Callable], Executable]) -> Callable[[object], Executable]:
    """A statement built once per dialect and run with parameters (building one costs more than running it on a
    hot path); `build` gets the dialect's INSERT, which offers ON CONFLICT."""
    built: dict[str, Executable] = {}

    def statement(session_or_connection) -> Executable:
        dialect = session_or_connection.bind.dialect.name
        if dialect not in built:
            built[dialect] = build(_insert_of(dialect))
        return built[dialect]

    return statement


def is_postgres(session_or_connection) -> bool:
    return session_or_connection.bind.dialect.name == "postgresql"


def for_update(query, session_or_connection, *, skip_locked: bool = False):
    """Lock the selected rows on PostgreSQL (SQLite serialises writers with BEGIN IMMEDIATE instead)."""
    return query.with_for_update(skip_locked=skip_locked) if is_postgres(session_or_connection) else query


# What a transaction queues for its commit lives in the session's info. SQLAlchemy fires before_commit and
# after_commit when a savepoint is released too: the queues are for the real commit only, so those are ignored,
# and a savepoint that rolls back takes back only what was queued inside it (each savepoint marks the queues'
# lengths when it begins; every queue is append-only, so truncating to the mark undoes it, at no cost per
# savepoint released).
_AFTER_COMMIT = "after_commit_callbacks"  # {callback: None}, in the order queued
_BEFORE_COMMIT = "rows_before_commit"  # {insert: [row, ...]}
_BEFORE_COMMIT_CALLBACKS = "before_commit_callbacks"  # {callback: None}
_PENDING = "pending"  # {key: [item, ...]}
_SAVEPOINTS = "savepoint_marks"  # {savepoint: its queues' lengths when it began}


def after_commit(session: AsyncSession | Session, callback: Callable[[], None]) -> None:
    """Call `callback` once the session's transaction commits (never if it rolls back); once per transaction."""
    _info(session).setdefault(_AFTER_COMMIT, {})[callback] = None


def insert_before_commit(session: AsyncSession | Session, insert: Executable, row: dict) -> None:
    """Queue `row` for `insert`, written (one statement per insert) just before the transaction commits."""
    _info(session).setdefault(_BEFORE_COMMIT, {}).setdefault(insert, []).append(row)


def before_commit(session: AsyncSession | Session, callback: Callable[[Session], None]) -> None:
    """Call `callback(sync_session)` just before the transaction commits, after the queued rows are written (so
    what it writes is the last the transaction locks); once per transaction."""
    _info(session).setdefault(_BEFORE_COMMIT_CALLBACKS, {})[callback] = None


def pending(session: AsyncSession | Session, key: str) -> list:
    """A list that lives as long as the session's transaction, for a `before_commit` callback to read: append
    to it (a savepoint rolled back takes back what was appended inside it); emptied at commit or rollback."""
    return _info(session).setdefault(_PENDING, {}).setdefault(key, [])


def _info(session: AsyncSession | Session) -> dict:
    """The session's info, its transaction begun: what is queued belongs to that transaction, so a rollback
    before any statement ran forgets it too."""
    sync = session.sync_session if hasattr(session, "sync_session") else session
    if not sync.in_transaction():
        sync.begin()
    return sync.info


def _mark_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        info = session.info
        info.setdefault(_SAVEPOINTS, {})[transaction] = (
            len(info.get(_AFTER_COMMIT, ())), {k: len(v) for k, v in info.get(_BEFORE_COMMIT, {}).items()},
            len(info.get(_BEFORE_COMMIT_CALLBACKS, ())), {k: len(v) for k, v in info.get(_PENDING, {}).items()})


def _write_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its queued work waits for the real commit
    queued = session.info.pop(_BEFORE_COMMIT, None)
    if queued:
        connection = session.connection()
        for insert, rows in queued.items():
            connection.execute(insert, rows)
    for callback in session.info.pop(_BEFORE_COMMIT_CALLBACKS, {}):
        callback(session)


def _run_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    # The transaction is committed whatever a callback does: one that fails must not leave the callbacks after
    # it unrun (a delivery born leased would wait out its lease) nor make the caller think the commit failed.
    for callback in session.info.pop(_AFTER_COMMIT, {}):
        try:
            callback()
        except Exception:
            log.exception("a callback after commit failed: %r", callback)


def _forget_queued(session: Session, rolled_back) -> None:
    """After a rollback, of the transaction (forget every queue) or of a savepoint (truncate to its mark). A
    failed flush rolls back its subtransaction, which rolls back the savepoint or transaction around it."""
    boundary = rolled_back
    while boundary.parent is not None and not boundary.nested:
        boundary = boundary.parent
    mark = session.info.get(_SAVEPOINTS, {}).get(boundary) if boundary.nested else None
    if mark is None:
        return _forget_all(session)
    after, rows, before, items = mark
    _truncate(session.info.get(_AFTER_COMMIT), after)
    _truncate(session.info.get(_BEFORE_COMMIT_CALLBACKS), before)
    for queue, lengths in ((session.info.get(_BEFORE_COMMIT), rows), (session.info.get(_PENDING), items)):
        for key in list(queue or ()):
            if key in lengths:
                del queue[key][lengths[key]:]
            else:
                del queue[key]


def _forget_all_at_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # committed (its callbacks have run), rolled back, or closed unfinished
        _forget_all(session)


def _forget_all(session: Session) -> None:
    for key in (_AFTER_COMMIT, _BEFORE_COMMIT, _BEFORE_COMMIT_CALLBACKS, _PENDING, _SAVEPOINTS):
        session.info.pop(key, None)


def _truncate(queue: dict | None, length: int) -> None:
    for key in list(queue or ())[length:]:
        del queue[key]
