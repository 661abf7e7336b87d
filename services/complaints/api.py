"""HTTP routes of the complaints service: schema → use case → response."""
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from shared.app import RuntimeDep, SessionDep, unit_of_work
from shared.bodies import Note, Reason
from shared.errors import NotFound
from shared.identity import Principal, require_roles
from shared.problems import RESPONSES as PROBLEMS
from shared.subjects import Subject

from . import early_warning, handling, intake, reading, stats
from .domain.grounds import REJECTION_GROUNDS
from .repository import ComplaintsUnitOfWork
from .schemas import (AcceptanceDecision, CloseRequest, ComplaintCreate, ComplaintFilter, ComplaintPage,
                      ComplaintPublic, FlagPublic, ForwardRequest, MediationResult, PlatformResponse,
                      Reclassification, Timeline)
from .tables import Complaint

UnitOfWorkDep = unit_of_work(ComplaintsUnitOfWork)
router = APIRouter(prefix="/v1", tags=["complaints"])
public_router = APIRouter(prefix="/v1/public", tags=["public"])

IntakePrincipal = require_roles("intake", "officer", "lead", "platform", "admin")
ReaderPrincipal = require_roles("intake", "officer", "lead", "platform", "admin", "service")
OfficerPrincipal = require_roles("officer", "lead")
PlatformPrincipal = require_roles("platform")
FlagReviewer = require_roles("officer", "lead", "admin")


@router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=ComplaintPublic,
             responses={200: {"model": ComplaintPublic, "description": "the same channel + external_ref again"},
                        **PROBLEMS})
async def submit_complaint(body: ComplaintCreate, response: Response, uow: UnitOfWorkDep,
                           principal: Principal = IntakePrincipal) -> ComplaintPublic:
    """Take in a complaint or report from any channel, route it under 1+N, and announce it."""
    complaint, created = await intake.submit_complaint(uow=uow, by=principal, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return _view(complaint, uow.runtime, principal)


@router.get("/complaints", response_model=ComplaintPage, responses=PROBLEMS)
async def list_complaints(filters: Annotated[ComplaintFilter, Query()], session: SessionDep, runtime: RuntimeDep,
                          principal: Principal = ReaderPrincipal) -> ComplaintPage:
    """The complaints the caller handles, oversees, took in, or (a platform) was forwarded; newest first."""
    return await reading.list_complaints(session, runtime=runtime, principal=principal, filters=filters)


@router.get("/complaints/{complaint_id}", response_model=ComplaintPublic, responses=PROBLEMS)
async def get_complaint(complaint_id: str, session: SessionDep, runtime: RuntimeDep,
                        principal: Principal = ReaderPrincipal) -> ComplaintPublic:
    """One complaint, if the caller handles it or oversees its region; personal data masked for others."""
    complaint, access = await reading.get_visible(session, runtime=runtime, principal=principal,
                                                  complaint_id=complaint_id)
    return reading.to_public(complaint, runtime=runtime, access=access)


@router.get("/complaints/{complaint_id}/timeline", response_model=Timeline, responses=PROBLEMS)
async def get_timeline(complaint_id: str, session: SessionDep, runtime: RuntimeDep,
                       principal: Principal = ReaderPrincipal) -> Timeline:
    """Every step: who, when, what was due, and the events it emitted."""
    return await reading.timeline(session, runtime=runtime, principal=principal, complaint_id=complaint_id)


@router.post("/complaints/{complaint_id}/acceptance", response_model=ComplaintPublic, responses=PROBLEMS)
async def decide_acceptance(complaint_id: str, body: AcceptanceDecision, uow: UnitOfWorkDep,
                            principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """Accept (then mediation, or verification for a report) or reject on a statutory ground (Art. 15)."""
    if body.decision == "accept":
        complaint = await handling.accept(uow=uow, by=principal, complaint_id=complaint_id,
                                          note=body.grounds.note if body.grounds else None)
    else:
        complaint = await handling.reject(uow=uow, by=principal, complaint_id=complaint_id, ground=body.grounds.code,
                                          note=body.grounds.note)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/forward", response_model=ComplaintPublic, responses=PROBLEMS)
async def forward(complaint_id: str, body: ForwardRequest, uow: UnitOfWorkDep,
                  principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """Fast channel: the platform answers within the configured working days."""
    complaint = await handling.forward(uow=uow, by=principal, complaint_id=complaint_id, platform=body.platform)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/platform-response", response_model=ComplaintPublic, responses=PROBLEMS)
async def platform_response(complaint_id: str, body: PlatformResponse, uow: UnitOfWorkDep,
                            principal: Principal = PlatformPrincipal) -> ComplaintPublic:
    """The platform's answer: resolved closes the complaint, unresolved returns it to the agency."""
    complaint = await handling.platform_response(uow=uow, by=principal, complaint_id=complaint_id,
                                                 outcome=body.outcome, note=body.note)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/mediation", response_model=ComplaintPublic, responses=PROBLEMS)
async def mediation(complaint_id: str, body: MediationResult, uow: UnitOfWorkDep,
                    principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    complaint = await handling.mediation(uow=uow, by=principal, complaint_id=complaint_id, outcome=body.outcome,
                                         note=body.note)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/extension", response_model=ComplaintPublic, responses=PROBLEMS)
async def extend_verification(complaint_id: str, body: Reason, uow: UnitOfWorkDep,
                              principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """A report's verification gets its one extension (Art. 23)."""
    complaint = await handling.extend(uow=uow, by=principal, complaint_id=complaint_id, reason=body.reason)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/escalate", response_model=ComplaintPublic, responses=PROBLEMS)
async def escalate(complaint_id: str, body: Reason, uow: UnitOfWorkDep,
                   principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """Hand to cases as a clue (complaint.escalated)."""
    complaint = await handling.escalate(uow=uow, by=principal, complaint_id=complaint_id, reason=body.reason)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/close", response_model=ComplaintPublic, responses=PROBLEMS)
async def close(complaint_id: str, uow: UnitOfWorkDep, body: CloseRequest | None = None,
                principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    body = body or CloseRequest()
    complaint = await handling.close(uow=uow, by=principal, complaint_id=complaint_id, outcome=body.outcome,
                                     reason=body.reason)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/release", response_model=ComplaintPublic, responses=PROBLEMS)
async def release(complaint_id: str, uow: UnitOfWorkDep, body: Note | None = None,
                  principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """A held complaint goes on as any other (and to the platform, if it qualifies for the fast channel)."""
    complaint = await handling.release(uow=uow, by=principal, complaint_id=complaint_id,
                                       note=(body or Note()).note)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/reclassification", response_model=ComplaintPublic, responses=PROBLEMS)
async def reclassify(complaint_id: str, body: Reclassification, uow: UnitOfWorkDep,
                     principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """Change the category; the complaint is routed again (complaint.routed, reason reclassified)."""
    complaint = await handling.reclassify(uow=uow, by=principal, complaint_id=complaint_id, category=body.category,
                                          reason=body.reason)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/subject", response_model=ComplaintPublic, responses=PROBLEMS)
async def identify_subject(complaint_id: str, body: Subject, uow: UnitOfWorkDep,
                           principal: Principal = OfficerPrincipal) -> ComplaintPublic:
    """Name the subject of a complaint taken in by region only; it is routed again."""
    complaint = await handling.identify_subject(uow=uow, by=principal, complaint_id=complaint_id, subject=body)
    return _view(complaint, uow.runtime, principal)


@router.post("/complaints/{complaint_id}/complainant-flag", response_model=FlagPublic,
             status_code=status.HTTP_201_CREATED, responses=PROBLEMS)
async def flag_complainant(complaint_id: str, body: Reason, uow: UnitOfWorkDep,
                           principal: Principal = OfficerPrincipal) -> FlagPublic:
    """Flag the complainant behind this complaint: their new complaints are held for review."""
    flag = await handling.flag_complainant(uow=uow, by=principal, complaint_id=complaint_id, reason=body.reason)
    return FlagPublic.model_validate(flag, from_attributes=True)


@router.get("/complainant-flags", response_model=list[FlagPublic], responses=PROBLEMS)
async def list_flags(session: SessionDep, runtime: RuntimeDep, active: bool = True,
                     principal: Principal = FlagReviewer) -> list[FlagPublic]:
    """The flags the caller reviews, newest first: raised on its agency's complaints, in the regions its lead office
    oversees, or (administrators) all."""
    flags = await early_warning.list_flags(session, principal=principal, registry=runtime.registry, active=active)
    return [FlagPublic.model_validate(f, from_attributes=True) for f in flags]


@router.post("/complainant-flags/{flag_id}/clear", response_model=FlagPublic, responses=PROBLEMS)
async def clear_flag(flag_id: str, body: Reason, session: SessionDep, runtime: RuntimeDep,
                     principal: Principal = FlagReviewer) -> FlagPublic:
    """Clear a flag the caller reviews: the complainant's next complaints are no longer held, and counting starts
    afresh."""
    flag = await early_warning.clear_flag(session, principal=principal, registry=runtime.registry, flag_id=flag_id,
                                          reason=body.reason, now=datetime.now(timezone.utc))
    await session.commit()
    return FlagPublic.model_validate(flag, from_attributes=True)


@router.get("/rejection-grounds")
async def rejection_grounds() -> list[dict]:
    """The statutory grounds for not accepting a complaint (Art. 15), by code."""
    return [{"code": code, "name_zh": zh, "name_en": en} for code, (zh, en) in REJECTION_GROUNDS.items()]


@public_router.get("/stats")
async def public_stats(session: SessionDep, platform: str | None = Query(None, max_length=64),
                       subject: str | None = Query(None, max_length=32, description="USCC")) -> dict:
    """Complaint counts by category and status, resolution rate and median hours to close; no personal data."""
    return await stats.public_stats(session, platform=platform, subject=subject)


def _view(complaint, runtime, principal) -> ComplaintPublic:
    return reading.to_public(complaint, runtime=runtime, access=reading.access_to(complaint, principal, runtime))


internal_router = APIRouter(prefix="/internal", tags=["internal"])
ServicePrincipal = require_roles("service")


@internal_router.get("/complaints/{complaint_id}/contact", responses=PROBLEMS)
async def complainant_contact(complaint_id: str, session: SessionDep, runtime: RuntimeDep,
                              principal: Principal = ServicePrincipal) -> dict:
    """The complainant's contact details, for notify to send a message; only the service role may ask.
    Nothing here is logged, and notify does not keep what it reads."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"no complaint {complaint_id}")
    contact = runtime.cipher.decrypt_json(complaint.complainant_enc) if complaint.complainant_enc else {}
    return {"complaint_id": complaint.id, "kind": complaint.kind, "anonymous": not contact,
            "name": contact.get("name"), "phone": contact.get("phone"), "email": contact.get("email")}
