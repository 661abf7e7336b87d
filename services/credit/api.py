"""HTTP routes of the credit service: schema → use case → response."""
from fastapi import APIRouter, Query, status
from sqlmodel import select

from shared.app import SessionDep, unit_of_work
from shared.bodies import Note, Reason
from shared.errors import NotFound
from shared.identity import Principal, require_roles
from shared.problems import RESPONSES as PROBLEMS
from shared.subjects import checked_uscc

from . import draws, listing, observations, records, repairs
from .reading import draw_out, profile_out, public_draw_out, public_profile, repair_out
from .repository import CreditUnitOfWork
from .schemas import (Decision, DrawIn, DrawOut, ObservationIn, ObservationOut, ProfileOut, ProposalIn, ProposalOut,
                      PublicDrawOut, RecordOut, RepairDecision, RepairIn, RepairOut, SanctionOut)
from .tables import CreditRecord

UnitOfWorkDep = unit_of_work(CreditUnitOfWork)
router = APIRouter(prefix="/v1", tags=["credit"])
public_router = APIRouter(prefix="/v1/public", tags=["public"])
Officer = require_roles("officer", "lead")
Reader = require_roles("officer", "lead", "admin", "service")
Overseer = require_roles("lead", "admin")
# A subject asks for repair through any agency's window, or an administrator records it; the deciding agency decides.
RepairDesk = require_roles("officer", "lead", "admin")
DrawReader = require_roles("officer", "lead", "admin")  # the agencies serving the draw's region


def _uscc(uow: CreditUnitOfWork, uscc: str) -> str:
    return checked_uscc(uscc, uow.runtime.settings.uscc_exception_set)


@router.get("/subjects/{uscc}", response_model=ProfileOut, responses=PROBLEMS)
async def subject_profile(uscc: str, uow: UnitOfWorkDep, principal: Principal = Reader) -> ProfileOut:
    """The 360° profile: tier, score and the factors behind it, records, listings, sanctions, observation."""
    return await profile_out(uow, _uscc(uow, uscc))


@router.get("/subjects/{uscc}/sanctions/check", responses=PROBLEMS)
async def check_sanction(uscc: str, uow: UnitOfWorkDep, measure: str = Query(..., max_length=48),
                         principal: Principal = Reader) -> dict:
    """Before acting (a contract, a subsidy): `allowed`, and the basis when it is not."""
    return await listing.check(uow=uow, uscc=_uscc(uow, uscc), measure=measure)


@router.post("/subjects/{uscc}/listing-proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalOut,
             responses=PROBLEMS)
async def propose_listing(uscc: str, body: ProposalIn, uow: UnitOfWorkDep,
                          principal: Principal = Officer) -> ProposalOut:
    proposal = await listing.propose_by_officer(uow=uow, by=principal, uscc=_uscc(uow, uscc),
                                                record_id=body.record_id, reasons=body.reasons)
    return ProposalOut.model_validate(proposal, from_attributes=True)


@router.post("/listing-proposals/{proposal_id}/decision", response_model=ProposalOut, responses=PROBLEMS)
async def decide_listing(proposal_id: str, body: Decision, uow: UnitOfWorkDep,
                         principal: Principal = Officer) -> ProposalOut:
    """`list` (after the hearing period) imposes the joint sanctions; `drop` ends the proposal."""
    proposal = await listing.decide(uow=uow, by=principal, proposal_id=proposal_id, decision=body.decision,
                                    reason=body.reason)
    return ProposalOut.model_validate(proposal, from_attributes=True)


@router.post("/sanctions/{sanction_id}/execution", response_model=SanctionOut, responses=PROBLEMS)
async def report_execution(sanction_id: str, uow: UnitOfWorkDep, body: Note | None = None,
                           principal: Principal = Officer) -> SanctionOut:
    sanction = await listing.report_execution(uow=uow, by=principal, sanction_id=sanction_id,
                                              note=body.note if body else None)
    return SanctionOut.model_validate(sanction, from_attributes=True)


@router.post("/subjects/{uscc}/repairs", status_code=status.HTTP_201_CREATED, response_model=RepairOut,
             responses=PROBLEMS)
async def request_repair(uscc: str, body: RepairIn, uow: UnitOfWorkDep,
                         principal: Principal = RepairDesk) -> RepairOut:
    repair, check = await repairs.request(uow=uow, by=principal, uscc=_uscc(uow, uscc), record_id=body.record_id,
                                          reason=body.reason, evidence=body.evidence,
                                          obligations_met=body.obligations_met, commitment=body.commitment)
    return repair_out(repair, check)


@router.post("/repairs/{repair_id}/decision", response_model=RepairOut, responses=PROBLEMS)
async def decide_repair(repair_id: str, body: RepairDecision, uow: UnitOfWorkDep,
                        principal: Principal = Officer) -> RepairOut:
    repair, check = await repairs.decide(uow=uow, by=principal, repair_id=repair_id, decision=body.decision,
                                         reason=body.reason)
    return repair_out(repair, check)


@router.post("/records/{record_id}/revocation", response_model=RecordOut, responses=PROBLEMS)
async def revoke_record(record_id: str, body: Reason, uow: UnitOfWorkDep,
                        principal: Principal = Officer) -> RecordOut:
    """The penalty was revoked: publicity stops and its listing ends (Order 44 Art. 19: within 3 working days)."""
    record = await records.revoke(uow=uow, by=principal, record_id=record_id, reason=body.reason)
    return RecordOut.model_validate(record, from_attributes=True)


@router.post("/observations", status_code=status.HTTP_201_CREATED, response_model=ObservationOut,
             responses=PROBLEMS)
async def start_observation(body: ObservationIn, uow: UnitOfWorkDep,
                            principal: Principal = Officer) -> ObservationOut:
    """An observation period (观察期) over a subject of the caller's region, or (a lead office) over a business
    model."""
    observation = await observations.start(uow=uow, by=principal, uscc=_uscc(uow, body.uscc) if body.uscc else None,
                                           business_tag=body.business_tag, starts_on=body.starts_on,
                                           ends_on=body.ends_on, reason=body.reason)
    return ObservationOut.model_validate(observation, from_attributes=True)


@router.post("/inspection-draws", status_code=status.HTTP_201_CREATED, response_model=DrawOut, responses=PROBLEMS)
async def make_draw(body: DrawIn, uow: UnitOfWorkDep, principal: Principal = Officer) -> DrawOut:
    """双随机: subjects per tier share and inspectors per subject, reproducible from the seed; over the caller's
    region (by default) or a region below it."""
    made = await draws.make(uow=uow, by=principal, seed=body.seed, region=body.region, category=body.category,
                            shares=body.shares, inspectors=body.inspectors, conflicts=body.conflicts,
                            per_subject=body.inspectors_per_subject)
    return draw_out(made)


@router.get("/inspection-draws/{draw_id}", response_model=DrawOut, responses=PROBLEMS)
async def get_draw(draw_id: str, uow: UnitOfWorkDep, principal: Principal = DrawReader) -> DrawOut:
    """A draw with the inspectors' conflicts, for the agencies serving its region (the public view leaves them out)."""
    return draw_out(await draws.read(uow=uow, by=principal, draw_id=draw_id))


@router.get("/complainants/{complainant_key}", response_model=list[RecordOut], responses=PROBLEMS)
async def complainant_records(complainant_key: str, session: SessionDep,
                              principal: Principal = Overseer) -> list[RecordOut]:
    """Complainant credit (恶意投诉举报), by keyed hash only."""
    rows = (await session.exec(select(CreditRecord).where(CreditRecord.complainant_key == complainant_key)
                               .order_by(CreditRecord.created_at))).all()
    return [RecordOut.model_validate(r, from_attributes=True) for r in rows]


@public_router.get("/inspection-draws/{draw_id}", response_model=PublicDrawOut, responses=PROBLEMS)
async def public_draw(draw_id: str, uow: UnitOfWorkDep) -> PublicDrawOut:
    """双随机、一公开: the subjects drawn, the inspectors sent, the seed, rules and pool that reproduce it."""
    if (made := await uow.draws.get(draw_id)) is None:
        raise NotFound(f"no inspection draw {draw_id}")
    return public_draw_out(made)


@public_router.get("/subjects/{uscc}", responses=PROBLEMS)
async def public_subject(uscc: str, uow: UnitOfWorkDep) -> dict:
    """信用信息公示: penalties in their publicity period and listing status; no score, no personal data."""
    return await public_profile(uow, _uscc(uow, uscc))
