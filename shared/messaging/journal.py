"""Events emitted during one change, remembered so the timeline step written with them can list them; and the
API view of such a step."""
from datetime import datetime

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.timeline import TimelineStep  # noqa: F401  (cases reads it here until it has no journal)

from .outbox import Outbox


class EventJournal:
    """Writes events to the outbox in the caller's transaction and keeps their ids and types until taken."""

    def __init__(self, session: AsyncSession, outbox: Outbox, now: datetime):
        self.session, self.outbox, self.now = session, outbox, now
        self._events: list[dict] = []

    async def emit(self, event_type: str, payload: BaseModel, *, subject: str) -> str:
        event = self.outbox.add(self.session, event_type, subject=subject, data=payload)
        self._events.append({"id": event.id, "type": event.type})
        return event.id

    async def emit_untracked(self, event_type: str, payload: BaseModel, *, subject: str) -> None:
        """An event no timeline step lists (a clue not yet part of a case, say)."""
        self.outbox.add(self.session, event_type, subject=subject, data=payload)

    def take_events(self) -> list[dict]:
        """The events emitted since the last call: for the timeline step being recorded."""
        events, self._events = self._events, []
        return events
