"""Double-random inspection draws over the subjects the service knows, public once made."""
from sqlmodel import select

from shared.errors import Forbidden, InvalidInput, NotFound
from shared.identity import Principal, serves

from .domain.draws import InspectionDraw
from .repository import CreditUnitOfWork
from .tables import CreditRecord, Subject, SubjectComplaint


async def population(uow: CreditUnitOfWork, *, region: str, category: str | None) -> dict[str, str]:
    """USCC → tier for the subjects in the region (and below), with a record or complaint in the category."""
    query = select(Subject.uscc, Subject.tier).where(Subject.region.in_(uow.runtime.registry.regions_below(region)))
    rows = dict((await uow.session.exec(query)).all())
    if category:
        with_category = set((await uow.session.exec(select(CreditRecord.uscc).where(
            CreditRecord.category == category))).all()) | set((await uow.session.exec(
                select(SubjectComplaint.uscc).where(SubjectComplaint.category == category))).all())
        rows = {u: t for u, t in rows.items() if u in with_category}
    return rows


async def make(*, uow: CreditUnitOfWork, by: Principal, seed: str, region: str | None, category: str | None,
               shares: dict[str, float] | None, inspectors: list[str], conflicts: dict[str, list[str]],
               per_subject: int) -> InspectionDraw:
    """A draw over `region` (by default the caller's own), which the caller's agency must serve."""
    region = region or by.region
    if region is None:
        raise Forbidden("the token names no region to draw in")
    if region not in uow.runtime.registry.regions:
        raise InvalidInput(f"unknown region {region}", field="region")
    if not serves(by, region, uow.runtime.registry):
        raise Forbidden(f"{by.agency} does not serve region {region}")
    made = uow.draws.add(InspectionDraw.make(
        subjects=await population(uow, region=region, category=category), seed=seed, region=region,
        category=category, shares={**uow.rules.inspection_shares, **(shares or {})}, inspectors=inspectors,
        conflicts=conflicts, per_subject=per_subject, by=by.sub, at=uow.now))
    await uow.commit()
    return made


async def read(*, uow: CreditUnitOfWork, by: Principal, draw_id: str) -> InspectionDraw:
    """A draw in full, conflicts included, for an agency serving its region."""
    made = await uow.draws.get(draw_id)
    if made is None:
        raise NotFound(f"no inspection draw {draw_id}")
    if not serves(by, made.inputs["region"], uow.runtime.registry):
        raise Forbidden(f"{by.agency} does not serve region {made.inputs['region']}")
    return made
