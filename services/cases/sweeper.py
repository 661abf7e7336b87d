"""Deadlines of clues, cases, referrals and assists: each step past due is reported once per due date."""
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import select

from shared.db import for_update
from shared.runtime import ServiceRuntime

from .domain import lifecycle
from .repository import CasesUnitOfWork
from .tables import Assist, Case, Clue, Referral

# Each table, what is still open in it, and its repository in the unit of work.
_SWEPT = [
    (Clue, Clue.status == "pending", "clues"),
    (Case, Case.status.in_(("filed", "investigating")), "cases"),
    (Referral, Referral.status.in_(lifecycle.OPEN_REFERRAL_STATUSES), "referrals"),
    (Assist, Assist.status == "requested", "assists"),
]


async def sweep_overdue(runtime: ServiceRuntime, *, now: datetime | None = None, batch: int = 200) -> int:
    """Report every step due before `now` not yet reported for its due date (SKIP LOCKED on PostgreSQL)."""
    now, handled = now or runtime.now(), 0
    for model, still_open, repository in _SWEPT:
        while True:
            async with CasesUnitOfWork.begin(runtime, now=now) as uow:
                query = select(model).where(still_open, model.due_at <= uow.now, or_(
                    model.overdue_for.is_(None), model.overdue_for != model.due_at)).order_by(model.due_at)
                rows = (await uow.session.exec(for_update(query.limit(batch), uow.session, skip_locked=True))).all()
                for row in rows:
                    getattr(uow, repository).loaded(row).mark_overdue(at=uow.now)
                await uow.commit()
            handled += len(rows)
            if len(rows) < batch:
                break
    return handled
