"""Deadlines: each open step past its due_at is reported once (complaint.overdue), or ends as the rules say."""
from datetime import datetime

from sqlalchemy import or_, select

from shared.db import for_update
from shared.runtime import ServiceRuntime

from .domain.lifecycle import STEP_OF_STATUS
from .repository import ComplaintsUnitOfWork
from .tables import Complaint


async def sweep_overdue(runtime: ServiceRuntime, *, now: datetime | None = None, batch: int = 200) -> int:
    """Handle every step due before `now` not yet handled for this due date; returns how many.

    Rows are claimed FOR UPDATE SKIP LOCKED on PostgreSQL, so replicas share the work without doubling it;
    `overdue_for` remembers the due date handled, so a step is reported once however often this runs."""
    handled = 0
    while True:
        async with ComplaintsUnitOfWork.begin(runtime, now=now) as uow:
            query = (select(Complaint).where(
                Complaint.due_at <= uow.now, Complaint.status.in_(list(STEP_OF_STATUS)),
                or_(Complaint.overdue_for.is_(None), Complaint.overdue_for != Complaint.due_at))
                .order_by(Complaint.due_at).limit(batch))
            rows = (await uow.session.exec(for_update(query, uow.session, skip_locked=True))).scalars().all()
            for row in rows:
                uow.complaints.loaded(row).mark_overdue(at=uow.now, schedule=uow.schedule)
            await uow.commit()
        handled += len(rows)
        if len(rows) < batch:
            return handled
