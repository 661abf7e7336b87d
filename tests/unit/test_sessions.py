"""Only the services' own sessions write queued rows before commit and run callbacks after it."""
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session

from shared import db


def test_the_commit_listeners_are_on_each_sessionmakers_own_session_class():
    engine = create_async_engine("sqlite+aiosqlite://")
    first, second = (db.make_sessionmaker(engine).kw["sync_session_class"] for _ in range(2))
    assert first is not second and issubclass(first, Session)
    for listener, name in ((db._mark_savepoint, "after_transaction_create"),
                           (db._write_before_commit, "before_commit"), (db._run_after_commit, "after_commit"),
                           (db._forget_queued, "after_soft_rollback"), (db._forget_all_at_end, "after_transaction_end")):
        assert event.contains(first, name, listener) and event.contains(second, name, listener)
        assert not event.contains(Session, name, listener)
