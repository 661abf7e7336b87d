"""How every change to a complaint is written: status and deadline, counters, timeline step and events together.

Callers hold the transaction; nothing here commits.
"""
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.messaging.journal import EventJournal
from shared.runtime import ServiceRuntime

from . import stats
from .domain.lifecycle import STEP_OF_STATUS
from .tables import Complaint, ComplaintAgency, ComplaintStep

# A new complaint, its agency rows and every timeline step are appended with plain INSERTs: the ORM's unit of
# work cost about three times as much on the intake path, and these rows never change once written.
_INSERT_COMPLAINT = Complaint.__table__.insert()
_INSERT_AGENCIES = ComplaintAgency.__table__.insert()
_INSERT_STEPS = ComplaintStep.__table__.insert()
_COMPLAINT_COLUMNS = [column.key for column in Complaint.__table__.columns]


class Journal(EventJournal):
    """One unit of change to one complaint: events emitted now go on the step recorded with them."""

    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, complaint: Complaint, now: datetime, *,
                 new: bool = False):
        super().__init__(session, runtime.outbox, now)
        self.runtime, self.complaint = runtime, complaint
        self._new = new  # not in the database yet: save() writes it, with its agency rows
        self._listed = (complaint.status, complaint.category)  # what its agency rows carry
        self._before = None if new else stats.stat_key(complaint)
        self._steps: list[dict] = []

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
        """A timeline step carrying the events emitted since the last one (written by save)."""
        self._steps.append({"complaint_id": self.complaint.id, "at": self.now, "actor": actor, "action": action,
                            "detail": detail, "due_at": self.complaint.due_at, "events": self.take_events()})

    async def save(self) -> None:
        """Write the complaint and its timeline steps, and keep the agency rows and public counters in step."""
        complaint, session = self.complaint, self.session
        complaint.updated_at = self.now
        if self._new:
            await self._insert()
        else:
            session.add(complaint)
            if (complaint.status, complaint.category) != self._listed:
                await session.exec(update(ComplaintAgency).where(ComplaintAgency.complaint_id == complaint.id)
                                   .values(status=complaint.status, category=complaint.category))
        self._listed = (complaint.status, complaint.category)
        after = stats.stat_key(complaint)
        stats.move(session, self._before, after)
        if complaint.status == "closed" and (self._before is None or self._before.status != "closed"):
            stats.record_closing(session, complaint, self.now)
        self._before = after
        if self._steps:
            steps, self._steps = self._steps, []
            await (await session.connection()).execute(_INSERT_STEPS, steps)

    async def _insert(self) -> None:
        """The new complaint and the agencies handling it, as they stand now; from here on the session tracks it
        like any complaint it loaded."""
        complaint, connection = self.complaint, await self.session.connection()
        await connection.execute(_INSERT_COMPLAINT, {key: getattr(complaint, key) for key in _COMPLAINT_COLUMNS})
        await connection.execute(_INSERT_AGENCIES, [
            {"complaint_id": complaint.id, "agency": agency, "role": role, "status": complaint.status,
             "category": complaint.category, "received_at": complaint.received_at}
            for agency, role in ((complaint.lead_agency, "lead"), *((a, "co") for a in complaint.co_agencies))])
        make_transient_to_detached(complaint)
        self.session.add(complaint)
        self._new = False
