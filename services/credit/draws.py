"""Double-random inspection draws over the subjects the service knows, public once made."""
import uuid

from sqlmodel import select

from shared.events.payloads.credit import InspectionDrawPublished
from shared.identity import Principal, serves
from shared.errors import Forbidden, InvalidInput, NotFound

from .context import Credit
from .domain.draws import METHOD, NotEnoughInspectors, draw
from .tables import CreditRecord, InspectionDraw, Subject, SubjectComplaint


async def population(credit: Credit, *, region: str, category: str | None) -> dict[str, str]:
    """USCC → tier for the subjects in the region (and below), with a record or complaint in the category."""
    query = select(Subject.uscc, Subject.tier).where(Subject.region.in_(credit.runtime.registry.regions_below(region)))
    rows = dict((await credit.session.exec(query)).all())
    if category:
        with_category = set((await credit.session.exec(select(CreditRecord.uscc).where(
            CreditRecord.category == category))).all()) | set((await credit.session.exec(
                select(SubjectComplaint.uscc).where(SubjectComplaint.category == category))).all())
        rows = {u: t for u, t in rows.items() if u in with_category}
    return rows


async def make(credit: Credit, principal: Principal, *, seed: str, region: str | None, category: str | None,
               shares: dict[str, float] | None, inspectors: list[str], conflicts: dict[str, list[str]],
               per_subject: int) -> InspectionDraw:
    """A draw over `region` (by default the caller's own), which the caller's agency must serve."""
    region = region or principal.region
    if region is None:
        raise Forbidden("the token names no region to draw in")
    if region not in credit.runtime.registry.regions:
        raise InvalidInput(f"unknown region {region}", field="region")
    if not serves(principal, region, credit.runtime.registry):
        raise Forbidden(f"{principal.agency} does not serve region {region}")
    subjects = await population(credit, region=region, category=category)
    used_shares = {**credit.rules.inspection_shares, **(shares or {})}
    try:
        drawn = draw(subjects, shares=used_shares, seed=seed, inspectors=inspectors, conflicts=conflicts,
                     per_subject=per_subject)
    except NotEnoughInspectors as exc:
        raise InvalidInput(str(exc), field="inspectors") from None
    record = InspectionDraw(
        id=str(uuid.uuid4()), seed=seed, population=len(subjects), method=METHOD, created_by=principal.sub,
        created_at=credit.now,
        inputs={"region": region, "category": category, "shares": used_shares, "inspectors": sorted(inspectors),
                "per_subject": per_subject, "conflicts": {k: sorted(v) for k, v in sorted(conflicts.items())}},
        drawn=[{"uscc": d.uscc, "tier": d.tier, "inspectors": list(d.inspectors)} for d in drawn])
    credit.session.add(record)
    await credit.emit("inspection.draw_published", InspectionDrawPublished(
        draw_id=record.id, seed=seed, drawn=len(drawn), population=len(subjects)), key=record.id)
    await credit.session.commit()
    return record


async def read(credit: Credit, principal: Principal, draw_id: str) -> InspectionDraw:
    """A draw in full, conflicts included, for an agency serving its region."""
    record = await credit.session.get(InspectionDraw, draw_id)
    if record is None:
        raise NotFound(f"no inspection draw {draw_id}")
    if not serves(principal, record.inputs["region"], credit.runtime.registry):
        raise Forbidden(f"{principal.agency} does not serve region {record.inputs['region']}")
    return record
