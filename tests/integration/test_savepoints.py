"""What a transaction queues for its commit (rows, callbacks, pending items) waits for the real commit: a
savepoint released runs none of it, and a savepoint rolled back (a refused event) takes back only its own."""
import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from shared.db import after_commit, before_commit, insert_before_commit, make_engine, make_sessionmaker, pending

metadata = MetaData()
NOTES = Table("savepoint_notes", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
              Column("text", String(40)))


@pytest.fixture
async def sessionmaker(databases):
    engine = make_engine(databases.url(f"savepoints_{uuid.uuid4().hex[:6]}"))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _texts(sessionmaker) -> list[str]:
    async with sessionmaker() as session:
        return list((await session.execute(select(NOTES.c.text).order_by(NOTES.c.id))).scalars())


async def test_a_released_savepoint_runs_nothing_before_the_commit(sessionmaker):
    ran, written_at_release = [], []
    async with sessionmaker() as session:
        async with session.begin_nested():
            insert_before_commit(session, NOTES.insert(), {"text": "queued in a savepoint"})
            after_commit(session, lambda: ran.append("after"))
            pending(session, "seen").append("in the savepoint")
        written_at_release.append((await session.execute(select(func.count()).select_from(NOTES))).scalar_one())
        assert ran == [] and pending(session, "seen") == ["in the savepoint"]
        await session.commit()
    assert written_at_release == [0]
    assert ran == ["after"] and await _texts(sessionmaker) == ["queued in a savepoint"]


async def test_a_savepoint_rolled_back_takes_back_only_what_it_queued(sessionmaker):
    ran, read_at_commit = [], []
    before = lambda session: read_at_commit.extend(pending(session, "items"))  # noqa: E731
    async with sessionmaker() as session:
        insert_before_commit(session, NOTES.insert(), {"text": "before"})
        after_commit(session, lambda: ran.append("before"))
        pending(session, "items").append(1)
        try:
            async with session.begin_nested():
                insert_before_commit(session, NOTES.insert(), {"text": "refused"})
                insert_before_commit(session, NOTES.update().values(text="x"), {})
                after_commit(session, lambda: ran.append("refused"))
                before_commit(session, before)
                pending(session, "items").append(2)
                pending(session, "others").append(3)
                raise LookupError("refused")
        except LookupError:
            pass
        async with session.begin_nested():
            before_commit(session, before)
            pending(session, "items").append(4)
        await session.commit()
    assert ran == ["before"] and read_at_commit == [1, 4]
    assert await _texts(sessionmaker) == ["before"]


async def test_a_rolled_back_transaction_forgets_everything(sessionmaker):
    ran = []
    async with sessionmaker() as session:
        insert_before_commit(session, NOTES.insert(), {"text": "dropped"})
        after_commit(session, lambda: ran.append("dropped"))
        await session.rollback()
        after_commit(session, lambda: ran.append("kept"))
        await session.commit()
    assert ran == ["kept"] and await _texts(sessionmaker) == []
