"""HTTP routes of the credit service: schema → use case → response."""
from fastapi import APIRouter, Query, status
from sqlmodel import select

from shared.app import RuntimeDep, SessionDep
from shared.identity import Principal, require_roles
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.subjects import checked_uscc

from . import draws, listing, observations, records, repairs
from .context import Credit
from .reading import draw_out, profile_out, public_draw_out, public_profile, repair_out
from .schemas import (Decision, DrawIn, DrawOut, Execution, ObservationIn, ObservationOut, ProfileOut, ProposalIn,
                      ProposalOut, PublicDrawOut, RecordOut, RepairDecision, RepairIn, RepairOut, Revocation,
                      SanctionOut)
from .tables import CreditRecord, InspectionDraw

router = APIRouter(prefix="/v1", tags=["credit"])
public_router = APIRouter(prefix="/v1/public", tags=["public"])
PROBLEMS = {s: {"model": None, "content": {"application/problem+json": {}}} for s in (400, 401, 403, 404, 409, 422)}
Officer = require_roles("officer", "lead")
Reader = require_roles("officer", "lead", "admin", "service")
Overseer = require_roles("lead", "admin")
# A subject asks for repair through any agency's window, or an administrator records it; the deciding agency decides.
RepairDesk = require_roles("officer", "lead", "admin")
DrawReader = require_roles("officer", "lead", "admin")  # the agencies serving the draw's region


def _uscc(runtime, uscc: str) -> str:
    return checked_uscc(uscc, runtime.settings.uscc_exception_set)


@router.get("/subjects/{uscc}", response_model=ProfileOut, responses=PROBLEMS)
async def subject_profile(uscc: str, session: SessionDep, runtime: RuntimeDep,
                          principal: Principal = Reader) -> ProfileOut:
    """The 360° profile: tier, score and the factors behind it, records, listings, sanctions, observation."""
    return await profile_out(Credit.of(session, runtime), _uscc(runtime, uscc))


@router.get("/subjects/{uscc}/sanctions/check", responses=PROBLEMS)
async def check_sanction(uscc: str, session: SessionDep, runtime: RuntimeDep,
                         measure: str = Query(..., max_length=48), principal: Principal = Reader) -> dict:
    """Before acting (a contract, a subsidy): `allowed`, and the basis when it is not."""
    return await listing.check(Credit.of(session, runtime), _uscc(runtime, uscc), measure)


@router.post("/subjects/{uscc}/listing-proposals", status_code=status.HTTP_201_CREATED, response_model=ProposalOut,
             responses=PROBLEMS)
async def propose_listing(uscc: str, body: ProposalIn, session: SessionDep, runtime: RuntimeDep,
                          principal: Principal = Officer) -> ProposalOut:
    credit = Credit.of(session, runtime)
    record = await session.get(CreditRecord, body.record_id)
    if record is None or record.uscc != _uscc(runtime, uscc) or record.kind != "penalty":
        raise InvalidInput(f"subject {uscc} has no penalty record {body.record_id}", field="record_id")
    if principal.agency != record.agency:
        raise Forbidden(f"only {record.agency}, which decided the penalty, proposes the listing")
    proposal = await listing.propose(credit, record, reasons=body.reasons, source="officer", actor=principal.sub)
    await session.commit()
    return ProposalOut.model_validate(proposal, from_attributes=True)


@router.post("/listing-proposals/{proposal_id}/decision", response_model=ProposalOut, responses=PROBLEMS)
async def decide_listing(proposal_id: str, body: Decision, session: SessionDep, runtime: RuntimeDep,
                         principal: Principal = Officer) -> ProposalOut:
    """`list` (after the hearing period) imposes the joint sanctions; `drop` ends the proposal."""
    proposal = await listing.decide(Credit.of(session, runtime), principal, proposal_id, decision=body.decision,
                                    reason=body.reason)
    return ProposalOut.model_validate(proposal, from_attributes=True)


@router.post("/sanctions/{sanction_id}/execution", response_model=SanctionOut, responses=PROBLEMS)
async def report_execution(sanction_id: str, session: SessionDep, runtime: RuntimeDep,
                           body: Execution | None = None, principal: Principal = Officer) -> SanctionOut:
    sanction = await listing.report_execution(Credit.of(session, runtime), principal, sanction_id,
                                              note=(body or Execution()).note)
    return SanctionOut.model_validate(sanction, from_attributes=True)


@router.post("/subjects/{uscc}/repairs", status_code=status.HTTP_201_CREATED, response_model=RepairOut,
             responses=PROBLEMS)
async def request_repair(uscc: str, body: RepairIn, session: SessionDep, runtime: RuntimeDep,
                         principal: Principal = RepairDesk) -> RepairOut:
    repair, check = await repairs.request(Credit.of(session, runtime), principal, _uscc(runtime, uscc),
                                          record_id=body.record_id, reason=body.reason, evidence=body.evidence,
                                          obligations_met=body.obligations_met, commitment=body.commitment)
    return repair_out(repair, check)


@router.post("/repairs/{repair_id}/decision", response_model=RepairOut, responses=PROBLEMS)
async def decide_repair(repair_id: str, body: RepairDecision, session: SessionDep, runtime: RuntimeDep,
                        principal: Principal = Officer) -> RepairOut:
    repair, check = await repairs.decide(Credit.of(session, runtime), principal, repair_id, decision=body.decision,
                                         reason=body.reason)
    return repair_out(repair, check)


@router.post("/records/{record_id}/revocation", response_model=RecordOut, responses=PROBLEMS)
async def revoke_record(record_id: str, body: Revocation, session: SessionDep, runtime: RuntimeDep,
                        principal: Principal = Officer) -> RecordOut:
    """The penalty was revoked: publicity stops and its listing ends (Order 44 Art. 19: within 3 working days)."""
    record = await records.revoke(Credit.of(session, runtime), principal, record_id, reason=body.reason)
    return RecordOut.model_validate(record, from_attributes=True)


@router.post("/observations", status_code=status.HTTP_201_CREATED, response_model=ObservationOut,
             responses=PROBLEMS)
async def start_observation(body: ObservationIn, session: SessionDep, runtime: RuntimeDep,
                            principal: Principal = Officer) -> ObservationOut:
    """An observation period (观察期) over a subject of the caller's region, or (a lead office) over a business
    model."""
    uscc = _uscc(runtime, body.uscc) if body.uscc else None
    observation = await observations.start(Credit.of(session, runtime), principal, uscc=uscc,
                                           business_tag=body.business_tag, starts_on=body.starts_on,
                                           ends_on=body.ends_on, reason=body.reason)
    return ObservationOut.model_validate(observation, from_attributes=True)


@router.post("/inspection-draws", status_code=status.HTTP_201_CREATED, response_model=DrawOut, responses=PROBLEMS)
async def make_draw(body: DrawIn, session: SessionDep, runtime: RuntimeDep,
                    principal: Principal = Officer) -> DrawOut:
    """双随机: subjects per tier share and inspectors per subject, reproducible from the seed; over the caller's
    region (by default) or a region below it."""
    record = await draws.make(Credit.of(session, runtime), principal, seed=body.seed, region=body.region,
                              category=body.category, shares=body.shares, inspectors=body.inspectors,
                              conflicts=body.conflicts, per_subject=body.inspectors_per_subject)
    return draw_out(record)


@router.get("/inspection-draws/{draw_id}", response_model=DrawOut, responses=PROBLEMS)
async def get_draw(draw_id: str, session: SessionDep, runtime: RuntimeDep,
                   principal: Principal = DrawReader) -> DrawOut:
    """A draw with the inspectors' conflicts, for the agencies serving its region (the public view leaves them out)."""
    return draw_out(await draws.read(Credit.of(session, runtime), principal, draw_id))


@router.get("/complainants/{complainant_key}", response_model=list[RecordOut], responses=PROBLEMS)
async def complainant_records(complainant_key: str, session: SessionDep,
                              principal: Principal = Overseer) -> list[RecordOut]:
    """Complainant credit (恶意投诉举报), by keyed hash only."""
    rows = (await session.exec(select(CreditRecord).where(CreditRecord.complainant_key == complainant_key)
                               .order_by(CreditRecord.created_at))).all()
    return [RecordOut.model_validate(r, from_attributes=True) for r in rows]


@public_router.get("/inspection-draws/{draw_id}", response_model=PublicDrawOut, responses=PROBLEMS)
async def public_draw(draw_id: str, session: SessionDep) -> PublicDrawOut:
    """双随机、一公开: the subjects drawn, the inspectors sent, the seed, rules and pool that reproduce it."""
    record = await session.get(InspectionDraw, draw_id)
    if record is None:
        raise NotFound(f"no inspection draw {draw_id}")
    return public_draw_out(record)


@public_router.get("/subjects/{uscc}", responses=PROBLEMS)
async def public_subject(uscc: str, session: SessionDep, runtime: RuntimeDep) -> dict:
    """信用信息公示: penalties in their publicity period and listing status; no score, no personal data."""
    return await public_profile(Credit.of(session, runtime), _uscc(runtime, uscc))
