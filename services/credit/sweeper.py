"""Time-driven credit rules: listings end at 3 years, observation periods start and end, sanctions overdue."""
from sqlalchemy import or_
from sqlmodel import select

from shared.db import for_update
from shared.events.payloads.credit import CreditSanctionOverdue
from shared.identity.principal import region_of_agency
from shared.runtime import ServiceRuntime

from . import listing, observations
from .context import Credit
from .tables import Listing, Observation, Sanction


async def sweep(runtime: ServiceRuntime) -> int:
    """One round at the runtime's clock; each effect happens once (state flags, SKIP LOCKED on PostgreSQL)."""
    handled = 0
    async with runtime.sessionmaker() as session, session.begin():
        credit = Credit.of(session, runtime)
        for active in (await session.exec(for_update(select(Listing).where(
                Listing.status == "active", Listing.remove_by <= credit.today), session, skip_locked=True))).all():
            await listing.delist(credit, active, reason="the longest listing period (3 years) ended")
            handled += 1
        for observation in (await session.exec(for_update(select(Observation).where(
                or_(Observation.started.is_(False), Observation.ended.is_(False)),
                Observation.starts_on <= credit.today), session, skip_locked=True))).all():
            await observations.announce(credit, observation)
        for sanction in (await session.exec(for_update(select(Sanction).where(
                Sanction.status == "imposed", Sanction.due_at <= credit.now,
                or_(Sanction.overdue_for.is_(None), Sanction.overdue_for != Sanction.due_at)),
                session, skip_locked=True))).all():
            sanction.overdue_for = sanction.due_at
            session.add(sanction)
            await credit.emit("credit.sanction_overdue", CreditSanctionOverdue(
                sanction_id=sanction.id, uscc=sanction.uscc, measure=sanction.measure, step="execution",
                due_at=sanction.due_at, agency=sanction.agency, region=region_of_agency(sanction.agency) or ""),
                key=sanction.uscc)
            handled += 1
    return handled
