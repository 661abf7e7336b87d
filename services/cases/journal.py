"""How every change in the cases service is written: the state, a case timeline step and its events, together.

Callers hold the transaction; nothing here commits.
"""
from datetime import datetime, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.messaging.journal import EventJournal
from shared.runtime import ServiceRuntime

from .tables import CaseParticipant, CaseStep


class CaseJournal(EventJournal):
    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, now: datetime | None = None):
        super().__init__(session, runtime.outbox, now or datetime.now(timezone.utc))
        self.runtime = runtime

    def record(self, case_id: str, action: str, *, actor: str, due_at: datetime | None = None, **detail) -> None:
        """A step on the case timeline carrying the events emitted since the last one."""
        self.session.add(CaseStep(case_id=case_id, at=self.now, actor=actor, action=action, detail=detail,
                                  due_at=due_at, events=self.take_events()))

    async def take_part(self, case_id: str, agency: str, role: str) -> None:
        """Give `agency` read access to the case (an owner stays owner)."""
        if await self.session.get(CaseParticipant, (case_id, agency)) is None:
            self.session.add(CaseParticipant(case_id=case_id, agency=agency, role=role))

    @property
    def deadlines(self):
        return self.runtime.settings.deadlines

    @property
    def calendar(self):
        return self.runtime.calendar
