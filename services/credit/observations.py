"""观察期 (inclusive prudent supervision): who may set one over a subject or a business model."""
from datetime import date

from shared.errors import Forbidden
from shared.identity import Principal, serves
from shared.uscc import uscc_region

from .domain.observation import Observation
from .repository import CreditUnitOfWork


async def start(*, uow: CreditUnitOfWork, by: Principal, uscc: str | None, business_tag: str | None,
                starts_on: date, ends_on: date, reason: str) -> Observation:
    """A subject is observed by an agency serving its region; a business model, which knows no region, only by a
    lead office (the joint meeting sets that policy)."""
    if uscc is not None:
        subject = await uow.subjects.get(uscc)
        region = subject.region if subject is not None and subject.region else uscc_region(uscc)
        if not serves(by, region, uow.runtime.registry):
            raise Forbidden(f"the subject is registered in region {region}, which {by.agency} does not serve")
    elif not by.has_role("lead"):
        raise Forbidden("an observation period for a business model is set by a lead office")
    observation = uow.observations.add(Observation.start(
        uscc=uscc, business_tag=business_tag, starts_on=starts_on, ends_on=ends_on, reason=reason, by=by.sub,
        at=uow.now, today=uow.today))
    await uow.commit()
    return observation
