"""Deadlines of clues, cases, referrals and assists: each step past due is reported once per due date."""
from datetime import datetime, timezone

from sqlalchemy import or_
from sqlmodel import select

from shared.db import for_update
from shared.events.payloads.cases import AssistOverdue, CaseOverdue, ClueOverdue, ReferralOverdue
from shared.identity.principal import region_of_agency
from shared.runtime import ServiceRuntime

from .domain import lifecycle
from .journal import CaseJournal
from .tables import Assist, Case, Clue, Referral


def _overdue_event(row, step: str):
    """The event type and payload reporting `row` overdue, and the case whose timeline records it."""
    if isinstance(row, Clue):
        return "clue.overdue", ClueOverdue(clue_id=row.id, step=step, due_at=row.due_at, agency=row.agency,
                                           region=row.subject_region), None
    if isinstance(row, Case):
        return "case.overdue", CaseOverdue(case_id=row.id, step=step, due_at=row.due_at, agency=row.agency,
                                           region=row.subject_region), row.id
    if isinstance(row, Referral):
        actor = row.from_agency if row.status == "awaiting_approval" else row.to_agency
        return "referral.overdue", ReferralOverdue(
            referral_id=row.id, case_id=row.case_id, from_agency=row.from_agency, to_agency=row.to_agency,
            step=step, due_at=row.due_at, agency=actor, region=region_of_agency(row.from_agency) or ""), row.case_id
    return "assist.overdue", AssistOverdue(
        assist_id=row.id, case_id=row.case_id, from_agency=row.from_agency, to_agency=row.to_agency, step=step,
        due_at=row.due_at, agency=row.to_agency, region=region_of_agency(row.from_agency) or ""), row.case_id


_SWEPT = [
    (Clue, Clue.status == "pending", lambda r: "verification"),
    (Case, Case.status.in_(("filed", "investigating")), lambda r: "conclusion"),
    (Referral, Referral.status.in_(lifecycle.OPEN_REFERRAL_STATUSES), lambda r: r.status),
    (Assist, Assist.status == "requested", lambda r: "response"),
]


async def sweep_overdue(runtime: ServiceRuntime, *, now: datetime | None = None, batch: int = 200) -> int:
    """Report every step due before `now` not yet reported for its due date (SKIP LOCKED on PostgreSQL)."""
    now = now or datetime.now(timezone.utc)
    handled = 0
    for model, still_open, step_of in _SWEPT:
        while True:
            async with runtime.sessionmaker() as session, session.begin():
                query = select(model).where(still_open, model.due_at <= now, or_(
                    model.overdue_for.is_(None), model.overdue_for != model.due_at)).order_by(model.due_at)
                rows = (await session.exec(for_update(query.limit(batch), session, skip_locked=True))).all()
                journal = CaseJournal(session, runtime, now)
                for row in rows:
                    step = step_of(row)
                    event_type, payload, case_id = _overdue_event(row, step)
                    row.overdue_for = row.due_at
                    session.add(row)
                    if case_id is None:
                        await journal.emit_untracked(event_type, payload, subject=row.id)
                        continue
                    await journal.emit(event_type, payload, subject=case_id)
                    journal.record(case_id, "overdue", actor="system", due_at=row.due_at,
                                   what=model.__name__.lower(), id=row.id, step=step)
            handled += len(rows)
            if len(rows) < batch:
                break
    return handled

