"""Views of the credit service: the full profile for agencies, the public disclosure, draws and repairs."""
from datetime import date

from sqlmodel import select

from shared.errors import NotFound

from .domain.draws import InspectionDraw
from .domain.publicity import Eligibility
from .domain.repair import Repair
from .repository import CreditUnitOfWork
from .schemas import (DrawOut, ListingOut, ObservationOut, ProfileOut, ProposalOut, PublicDrawOut, RecordOut,
                      RepairOut, SanctionOut)
from .tables import CreditRecord, Listing, ListingProposal, Observation, Sanction, Subject


def _out(model, rows):
    return [model.model_validate(r, from_attributes=True) for r in rows]


async def profile_out(uow: CreditUnitOfWork, uscc: str) -> ProfileOut:
    s, today = uow.session, uow.today
    subject = await s.get(Subject, uscc)
    if subject is None:
        raise NotFound(f"the credit service knows nothing of {uscc}")
    records = (await s.exec(select(CreditRecord).where(CreditRecord.uscc == uscc)
                            .order_by(CreditRecord.created_at))).all()
    listings = (await s.exec(select(Listing).where(Listing.uscc == uscc).order_by(Listing.listed_on))).all()
    sanctions = (await s.exec(select(Sanction).where(Sanction.uscc == uscc, Sanction.status != "lifted"))).all()
    observations = (await s.exec(select(Observation).where(
        Observation.uscc == uscc, Observation.starts_on <= today, Observation.ends_on >= today))).all()
    proposals = (await s.exec(select(ListingProposal).where(ListingProposal.uscc == uscc))).all()
    return ProfileOut(uscc=uscc, name=subject.name, region=subject.region, tier=subject.tier, score=subject.score,
                      explanation=subject.explanation, records=_out(RecordOut, records),
                      listings=_out(ListingOut, listings), sanctions=_out(SanctionOut, sanctions),
                      observations=_out(ObservationOut, observations), proposals=_out(ProposalOut, proposals))


def _public(record: CreditRecord, today: date) -> bool:
    return (record.kind == "penalty" and record.outcome == "penalty" and record.publicity_until is not None
            and record.publicity_until >= today and record.repaired_at is None and record.revoked_at is None)


async def public_profile(uow: CreditUnitOfWork, uscc: str) -> dict:
    """Only what the rules make public today: no score, no tier, nothing expired, repaired or revoked."""
    s, today = uow.session, uow.today
    subject = await s.get(Subject, uscc)
    penalties = [r for r in (await s.exec(select(CreditRecord).where(
        CreditRecord.uscc == uscc, CreditRecord.publicity_until >= today))).all() if _public(r, today)]
    active = (await s.exec(select(Listing).where(Listing.uscc == uscc, Listing.status == "active"))).first()
    return {
        "uscc": uscc, "name": subject.name if subject else None,
        "penalties": [{"decided_on": r.decided_on, "agency": r.agency, "category": r.category,
                       "measures": r.measures, "fine_amount": r.fine_amount, "legal_basis": r.legal_basis,
                       "public_until": r.publicity_until} for r in penalties],
        "serious_dishonesty_list": ({"listed_on": active.listed_on, "basis": active.basis,
                                     "remove_by": active.remove_by} if active else None),
    }


def repair_out(repair: Repair, check: Eligibility) -> RepairOut:
    return RepairOut(id=repair.id, uscc=repair.uscc, record_id=repair.record_id, status=repair.status,
                     decision_reason=repair.decision_reason, eligible=check.eligible, eligible_from=check.from_date,
                     ineligible_because=list(check.reasons))


def draw_out(record: InspectionDraw) -> DrawOut:
    return DrawOut.model_validate(record, from_attributes=True)


def public_draw_out(record: InspectionDraw) -> PublicDrawOut:
    """The published draw: who was drawn and sent, from which seed, rules and pool; the conflicts stay with the
    agencies (which inspector is conflicted with which subject is about the inspectors, not the draw)."""
    inputs = {k: v for k, v in record.inputs.items() if k != "conflicts"}
    return PublicDrawOut(**draw_out(record).model_dump(exclude={"inputs"}), inputs=inputs)
