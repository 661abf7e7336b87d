"""How every change to a complaint is written: status and deadline, counters, timeline step and events together.

Callers hold the transaction; nothing here commits.
"""
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.messaging.journal import EventJournal
from shared.runtime import ServiceRuntime

from . import stats
from .domain.lifecycle import STEP_OF_STATUS
from .tables import Complaint, ComplaintAgency, ComplaintStep


class Journal(EventJournal):
    """One unit of change to one complaint: events emitted now go on the step recorded with them."""

    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, complaint: Complaint, now: datetime, *,
                 new: bool = False):
        super().__init__(session, runtime.outbox, now)
        self.runtime, self.complaint = runtime, complaint
        self._listed = (complaint.status, complaint.category)  # what its agency rows carry
        self._before = None if new else stats.stat_key(complaint)

    async def emit(self, event_type: str, payload: BaseModel, *, subject: str | None = None) -> str:
        """Write the event to the outbox (same transaction); it is listed on the next recorded step."""
        return await super().emit(event_type, payload, subject=subject or self.complaint.id)

    def move_to(self, status: str, *, due_from: datetime | None = None, outcome: str | None = None) -> None:
        """Change status; the new step's deadline runs from `due_from` (default now); no deadline after it."""
        complaint = self.complaint
        complaint.status = status
        step = STEP_OF_STATUS.get(status)
        complaint.due_at = (self.runtime.settings.deadlines.due(step, due_from or self.now, self.runtime.calendar)
                            if step else None)
        if outcome is not None:
            complaint.outcome = outcome
        if status in ("closed", "rejected"):
            complaint.closed_at = self.now

    def record(self, action: str, *, actor: str, **detail) -> None:
        """A timeline step carrying the events emitted since the last one."""
        self.session.add(ComplaintStep(complaint_id=self.complaint.id, at=self.now, actor=actor, action=action,
                                       detail=detail, due_at=self.complaint.due_at, events=self.take_events()))

    async def save(self) -> None:
        """Stage the complaint and keep the public counters in step with it."""
        complaint = self.complaint
        complaint.updated_at = self.now
        self.session.add(complaint)
        after = stats.stat_key(complaint)
        await stats.move(self.session, self._before, after)
        if (complaint.status, complaint.category) != self._listed:
            await self.session.exec(update(ComplaintAgency).where(ComplaintAgency.complaint_id == complaint.id)
                                    .values(status=complaint.status, category=complaint.category))
            self._listed = (complaint.status, complaint.category)
        if complaint.status == "closed" and (self._before is None or self._before.status != "closed"):
            await stats.record_closing(self.session, complaint, self.now)
        self._before = after
