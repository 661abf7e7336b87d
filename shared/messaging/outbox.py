"""Transactional outbox: events are rows written in the same transaction as the state they describe."""
from datetime import datetime, timezone

from opentelemetry.propagate import inject
from pydantic import BaseModel
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import after_commit, insert_before_commit
from shared.events import EncodedEvent, encode, spec_for

WAKE_KEY = "outbox_wake"  # sessionmaker info: callable run after a commit that added events


class Outbox:
    """Adds events to the current transaction; the relay publishes them after commit."""

    def __init__(self, table: Table, *, source: str):
        self.table = table
        self.source = source
        self._insert = table.insert()

    def add(self, session: AsyncSession, event_type: str, *, subject: str, data: BaseModel,
            event_id: str | None = None) -> EncodedEvent:
        """Record one event for `subject` (the aggregate id, also the Kafka key), written with the transaction."""
        spec = spec_for(event_type)
        if not isinstance(data, spec.payload):
            raise TypeError(f"{event_type} carries {spec.payload.__name__}, not {type(data).__name__}")
        encoded = encode(type=spec.full_type, source=self.source, subject=subject,
                         data=data.model_dump(mode="json"), event_id=event_id)
        carrier: dict[str, str] = {}
        inject(carrier)  # the request's trace continues in the relay and the consumers
        headers = {**{k: v.decode() for k, v in encoded.headers.items()}, **carrier}
        insert_before_commit(session, self._insert, {
            "event_id": encoded.id, "event_type": encoded.type, "topic": spec.topic, "key": encoded.key,
            "value": encoded.value, "headers": headers, "created_at": datetime.now(timezone.utc), "attempts": 0})
        wake = session.sync_session.info.get(WAKE_KEY)
        if wake is not None:
            after_commit(session, wake)
        return encoded
