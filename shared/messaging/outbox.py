"""Transactional outbox: events are rows written in the same transaction as the state they describe."""
from datetime import datetime, timezone

from opentelemetry.propagate import inject
from pydantic import BaseModel
from sqlalchemy import Table, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shared.db import after_commit
from shared.events import EncodedEvent, encode, spec_for

WAKE_KEY = "outbox_wake"  # sessionmaker info: callable run after a commit that added events
_PENDING = "outbox_pending"  # session info: insert statement → rows written just before the commit


class Outbox:
    """Adds events to the current transaction; the relay publishes them after commit."""

    def __init__(self, table: Table, *, source: str):
        self.table = table
        self.source = source
        self._insert = table.insert()

    async def add(self, session: AsyncSession, event_type: str, *, subject: str, data: BaseModel) -> EncodedEvent:
        """Record one event for `subject` (the aggregate id, also the Kafka key)."""
        spec = spec_for(event_type)
        if not isinstance(data, spec.payload):
            raise TypeError(f"{event_type} carries {spec.payload.__name__}, not {type(data).__name__}")
        encoded = encode(type=spec.full_type, source=self.source, subject=subject,
                         data=data.model_dump(mode="json"))
        carrier: dict[str, str] = {}
        inject(carrier)  # the request's trace continues in the relay and the consumers
        headers = {**{k: v.decode() for k, v in encoded.headers.items()}, **carrier}
        info = session.sync_session.info
        info.setdefault(_PENDING, {}).setdefault(self._insert, []).append({
            "event_id": encoded.id, "event_type": encoded.type, "topic": spec.topic, "key": encoded.key,
            "value": encoded.value, "headers": headers, "created_at": datetime.now(timezone.utc), "attempts": 0})
        wake = info.get(WAKE_KEY)
        if wake is not None:
            after_commit(session, wake)
        return encoded


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """The transaction's events in one statement per outbox, committed with the state they describe."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        connection = session.connection()
        for insert, rows in pending.items():
            connection.execute(insert, rows)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
