"""Time-driven credit rules: listings end at 3 years, observation periods start and end, sanctions overdue."""
from shared.runtime import ServiceRuntime

from . import listing
from .repository import CreditUnitOfWork


async def sweep(runtime: ServiceRuntime) -> int:
    """One round at the runtime's clock; each effect happens once (state flags, SKIP LOCKED on PostgreSQL)."""
    handled = 0
    async with CreditUnitOfWork.begin(runtime) as uow:
        for active in await uow.listings.ending_by(uow.today):
            await listing.delist(uow=uow, listing=active, reason="the longest listing period (3 years) ended")
            handled += 1
        for observation in await uow.observations.to_announce(uow.today):
            observation.announce(today=uow.today)
        for sanction in await uow.sanctions.overdue(uow.now):
            sanction.mark_overdue()
            handled += 1
        await uow.commit()
    return handled
