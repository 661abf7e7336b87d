"""Deadlines: each open step past its due_at is reported once (complaint.overdue), or ends as the rules say."""
from datetime import datetime, timezone

from sqlalchemy import or_, select

from shared.db import for_update
from shared.events.payloads.complaints import ComplaintOverdue
from shared.runtime import ServiceRuntime

from .domain.lifecycle import STEP_OF_STATUS
from .handling import conclude_mediation
from .journal import Journal
from .tables import Complaint


async def sweep_overdue(runtime: ServiceRuntime, *, now: datetime | None = None, batch: int = 200) -> int:
    """Handle every step due before `now` not yet handled for this due date; returns how many.

    Rows are claimed FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas share the work without doubling it;
    `overdue_for` remembers the due date handled, so a step is reported once however often this runs."""
    now = now or datetime.now(timezone.utc)
    handled = 0
    while True:
        async with runtime.sessionmaker() as session, session.begin():
            query = (select(Complaint).where(
                Complaint.due_at <= now, Complaint.status.in_(list(STEP_OF_STATUS)),
                or_(Complaint.overdue_for.is_(None), Complaint.overdue_for != Complaint.due_at))
                .order_by(Complaint.due_at).limit(batch))
            query = for_update(query, session, skip_locked=True)
            complaints = (await session.exec(query)).scalars().all()
            for complaint in complaints:
                await _handle(Journal(session, runtime, complaint, now))
        handled += len(complaints)
        if len(complaints) < batch:
            return handled


async def _handle(journal: Journal) -> None:
    complaint = journal.complaint
    step, due_at = STEP_OF_STATUS[complaint.status], complaint.due_at
    complaint.overdue_for = due_at
    if step == "mediation":  # Art. 21(5): no agreement by the deadline ends the mediation
        await conclude_mediation(journal, outcome="expired", note="no agreement within the mediation period",
                                 actor="system")
    else:
        await journal.emit("complaint.overdue", ComplaintOverdue(
            complaint_id=complaint.id, step=step, due_at=due_at, agency=complaint.lead_agency,
            region=complaint.subject_region))
        journal.record("overdue", actor="system", step=step, due_at=due_at.isoformat())
        if step == "platform_response":  # no answer in time: back to the agency to decide on acceptance
            journal.move_to("received")
            journal.record("returned_from_platform", actor="system", platform=complaint.forwarded_platform)
    await journal.save()

