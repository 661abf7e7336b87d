"""HTTP routes of the cases service: schema → use case → response."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from shared.app import RuntimeDep, SessionDep, unit_of_work
from shared.bodies import Note, Reason
from shared.identity import Principal, require_roles
from shared.problems import RESPONSES as PROBLEMS
from shared.subjects import resolve
from shared.timeline import TimelineStep

from . import assists, case_files, clues, joint_actions, reading, referrals
from .repository import CasesUnitOfWork
from .schemas import (AssistCreate, AssistOut, CaseOut, ClueCreate, ClueOut, ConsultationCreate, ConsultationOut,
                      DecisionIn, Findings, JointActionCreate, JointActionOut, ReferralCreate, ReferralForward,
                      ReferralOut, Summary, TaskResult, Verification, WorkItem)

UnitOfWorkDep = unit_of_work(CasesUnitOfWork)
router = APIRouter(prefix="/v1", tags=["cases"])
Officer = require_roles("officer", "lead")
Reader = require_roles("officer", "lead", "admin", "service")
ClueSource = require_roles("officer", "lead", "platform", "service")
Lead = require_roles("lead")


@router.post("/clues", status_code=status.HTTP_201_CREATED, response_model=ClueOut,
             responses={**PROBLEMS, 200: {"model": ClueOut, "description": "the same source + source_ref again"},
                        409: {"model": None, "content": {"application/problem+json": {}}, "description":
                              "the same source + source_ref again, by a caller who may not see that clue"}})
async def register_clue(body: ClueCreate, response: Response, uow: UnitOfWorkDep,
                        principal: Principal = ClueSource) -> ClueOut:
    """A clue from monitoring, a platform report or an agency's own finding; verified within 15 working days."""
    ref = resolve(body.subject, uow.runtime.settings.uscc_exception_set)
    clue, created = await clues.register_from_http(
        uow=uow, by=principal, source=body.source, source_ref=body.source_ref, subject=ref,
        category=body.category, agency=body.agency, summary=body.summary, complaint_ids=body.complaint_ids)
    if not created:
        response.status_code = status.HTTP_200_OK
    return reading.clue_out(clue)


@router.get("/clues", response_model=list[ClueOut], responses=PROBLEMS)
async def list_clues(session: SessionDep, runtime: RuntimeDep, complaint: str | None = None,
                     subject: str | None = None, status: str | None = Query(None, max_length=16),
                     limit: int = Query(100, ge=1, le=500), principal: Principal = Reader) -> list[ClueOut]:
    rows = await reading.list_clues(session, runtime, principal, complaint=complaint, subject=subject,
                                    status=status, limit=limit)
    return [reading.clue_out(c) for c in rows]


@router.get("/clues/{clue_id}", response_model=ClueOut, responses=PROBLEMS)
async def get_clue(clue_id: str, uow: UnitOfWorkDep, principal: Principal = Reader) -> ClueOut:
    return reading.clue_out(await clues.get_visible(uow, principal, clue_id))


@router.post("/clues/{clue_id}/verification", response_model=ClueOut, responses=PROBLEMS)
async def verify_clue(clue_id: str, body: Verification, uow: UnitOfWorkDep,
                      principal: Principal = Officer) -> ClueOut:
    """`file` opens a case, or joins the open case on the same subject and category (避免重复执法)."""
    clue, _ = await clues.verify(uow=uow, by=principal, clue_id=clue_id, decision=body.decision,
                                 reason=body.reason)
    return reading.clue_out(clue)


@router.post("/clues/{clue_id}/extension", response_model=ClueOut, responses=PROBLEMS)
async def extend_clue(clue_id: str, body: Reason, uow: UnitOfWorkDep, principal: Principal = Officer) -> ClueOut:
    return reading.clue_out(await clues.extend(uow=uow, by=principal, clue_id=clue_id, reason=body.reason))


@router.get("/cases", response_model=list[CaseOut], responses=PROBLEMS)
async def list_cases(session: SessionDep, runtime: RuntimeDep, subject: str | None = None,
                     status: str | None = Query(None, max_length=16), agency: str | None = None,
                     limit: int = Query(100, ge=1, le=500), principal: Principal = Reader) -> list[CaseOut]:
    rows = await reading.list_cases(session, runtime, principal, subject=subject, status=status, agency=agency,
                                    limit=limit)
    return [await reading.case_out(session, c) for c in rows]


@router.get("/cases/{case_id}", response_model=CaseOut, responses=PROBLEMS)
async def get_case(case_id: str, uow: UnitOfWorkDep, principal: Principal = Reader) -> CaseOut:
    return await reading.case_out(uow.session, await case_files.get_visible(uow, principal, case_id))


@router.get("/cases/{case_id}/timeline", response_model=list[TimelineStep], responses=PROBLEMS)
async def case_timeline(case_id: str, uow: UnitOfWorkDep, principal: Principal = Reader) -> list[TimelineStep]:
    return await reading.timeline(uow, principal, case_id)


@router.post("/cases/{case_id}/investigation", response_model=CaseOut, responses=PROBLEMS)
async def investigate(case_id: str, uow: UnitOfWorkDep, body: Note | None = None,
                      principal: Principal = Officer) -> CaseOut:
    case = await case_files.investigate(uow=uow, by=principal, case_id=case_id, note=(body or Note()).note)
    return await reading.case_out(uow.session, case)


@router.post("/cases/{case_id}/extension", response_model=CaseOut, responses=PROBLEMS)
async def extend_case(case_id: str, body: Reason, uow: UnitOfWorkDep, principal: Principal = Officer) -> CaseOut:
    """The 90-day conclusion period gets its one 30-day extension."""
    case = await case_files.extend(uow=uow, by=principal, case_id=case_id, reason=body.reason)
    return await reading.case_out(uow.session, case)


@router.post("/cases/{case_id}/decision", response_model=CaseOut, responses=PROBLEMS)
async def decide(case_id: str, body: DecisionIn, uow: UnitOfWorkDep, principal: Principal = Officer) -> CaseOut:
    """penalty, no_penalty (with its ground) or soft_measure; `advice` flags 首违不罚 and 观察期."""
    case = await case_files.decide(uow=uow, by=principal, case_id=case_id, outcome=body.outcome,
                                   measures=body.measures, fine_amount=body.fine_amount,
                                   legal_basis=body.legal_basis, ground=body.ground,
                                   subjective_intent=body.subjective_intent)
    return await reading.case_out(uow.session, case)


@router.post("/cases/{case_id}/close", response_model=CaseOut, responses=PROBLEMS)
async def close_case(case_id: str, uow: UnitOfWorkDep, body: Note | None = None,
                     principal: Principal = Officer) -> CaseOut:
    case = await case_files.close(uow=uow, by=principal, case_id=case_id, note=(body or Note()).note)
    return await reading.case_out(uow.session, case)


@router.post("/cases/{case_id}/referrals", status_code=status.HTTP_201_CREATED, response_model=ReferralOut,
             responses=PROBLEMS)
async def refer(case_id: str, body: ReferralCreate, uow: UnitOfWorkDep, principal: Principal = Officer) -> ReferralOut:
    referral = await referrals.refer(uow=uow, by=principal, case_id=case_id, to_agency=body.to_agency,
                                     kind=body.kind, reason=body.reason, documents=body.documents)
    return reading.referral_out(referral)


@router.post("/referrals/{referral_id}/approve", response_model=ReferralOut, responses=PROBLEMS)
async def approve_referral(referral_id: str, uow: UnitOfWorkDep, body: Note | None = None,
                           principal: Principal = Officer) -> ReferralOut:
    """The head of agency approves a criminal transfer (3 days); it goes to the police at once."""
    return reading.referral_out(await referrals.approve(uow=uow, by=principal, referral_id=referral_id,
                                                        note=(body or Note()).note))


@router.post("/referrals/{referral_id}/accept", response_model=ReferralOut, responses=PROBLEMS)
async def accept_referral(referral_id: str, uow: UnitOfWorkDep, body: Note | None = None,
                          principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.accept(uow=uow, by=principal, referral_id=referral_id,
                                                       note=(body or Note()).note))


@router.post("/referrals/{referral_id}/reject", response_model=ReferralOut, responses=PROBLEMS)
async def reject_referral(referral_id: str, body: Reason, uow: UnitOfWorkDep,
                          principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.reject(uow=uow, by=principal, referral_id=referral_id,
                                                       reason=body.reason))


@router.post("/referrals/{referral_id}/review", response_model=ReferralOut, responses=PROBLEMS)
async def review_referral(referral_id: str, body: Reason, uow: UnitOfWorkDep,
                          principal: Principal = Officer) -> ReferralOut:
    """The sender asks the receiver to reconsider a refusal; a second refusal is final."""
    return reading.referral_out(await referrals.review(uow=uow, by=principal, referral_id=referral_id,
                                                       reason=body.reason))


@router.post("/referrals/{referral_id}/forward", response_model=ReferralOut, responses=PROBLEMS)
async def forward_referral(referral_id: str, body: ReferralForward, uow: UnitOfWorkDep,
                           principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.forward(uow=uow, by=principal, referral_id=referral_id,
                                                        to_agency=body.to_agency, reason=body.reason))


@router.post("/referrals/{referral_id}/outcome", response_model=ReferralOut, responses=PROBLEMS)
async def referral_outcome(referral_id: str, body: Summary, uow: UnitOfWorkDep,
                           principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.report_outcome(uow=uow, by=principal, referral_id=referral_id,
                                                               summary=body.summary))


@router.post("/cases/{case_id}/assists", status_code=status.HTTP_201_CREATED, response_model=AssistOut,
             responses=PROBLEMS)
async def request_assist(case_id: str, body: AssistCreate, uow: UnitOfWorkDep,
                         principal: Principal = Officer) -> AssistOut:
    return reading.assist_out(await assists.request(uow=uow, by=principal, case_id=case_id,
                                                    to_agency=body.to_agency, text=body.request))


@router.post("/assists/{assist_id}/response", response_model=AssistOut, responses=PROBLEMS)
async def respond_assist(assist_id: str, body: Findings, uow: UnitOfWorkDep,
                         principal: Principal = Officer) -> AssistOut:
    return reading.assist_out(await assists.respond(uow=uow, by=principal, assist_id=assist_id,
                                                    findings=body.findings))


@router.post("/cases/{case_id}/joint-actions", status_code=status.HTTP_201_CREATED, response_model=JointActionOut,
             responses=PROBLEMS)
async def start_joint_action(case_id: str, body: JointActionCreate, uow: UnitOfWorkDep,
                             principal: Principal = Officer) -> JointActionOut:
    action = await joint_actions.start(uow=uow, by=principal, case_id=case_id, participants=body.participants,
                                       tasks=[(t.agency, t.title) for t in body.tasks])
    return reading.joint_action_out(action)


@router.post("/joint-actions/{action_id}/tasks/{task_id}/complete", response_model=JointActionOut,
             responses=PROBLEMS)
async def complete_task(action_id: str, task_id: str, uow: UnitOfWorkDep, body: TaskResult | None = None,
                        principal: Principal = Officer) -> JointActionOut:
    action = await joint_actions.complete_task(uow=uow, by=principal, action_id=action_id, task_id=task_id,
                                               result=(body or TaskResult()).result)
    return reading.joint_action_out(action)


@router.post("/joint-actions/{action_id}/consultations", status_code=status.HTTP_201_CREATED,
             response_model=ConsultationOut, responses=PROBLEMS)
async def consult(action_id: str, body: ConsultationCreate, uow: UnitOfWorkDep,
                  principal: Principal = Officer) -> ConsultationOut:
    consultation = await joint_actions.consult(uow=uow, by=principal, action_id=action_id, held_on=body.held_on,
                                               attendees=body.attendees, conclusions=body.conclusions)
    return ConsultationOut.model_validate(consultation, from_attributes=True)


async def _work_page(page: int = Query(1, ge=1, le=1_000_000),
                     size: int | None = Query(None, ge=1, le=500, description="items per page; absent: all of them")
                     ) -> reading.Page:
    return reading.Page(page, size)


WorkPage = Annotated[reading.Page, Depends(_work_page)]
TOTAL_HEADER = {"X-Total-Count": {"description": "items in all pages", "schema": {"type": "integer"}}}


@router.get("/inbox", response_model=list[WorkItem], responses={**PROBLEMS, 200: {"headers": TOTAL_HEADER}})
async def inbox(session: SessionDep, response: Response, page: WorkPage,
                principal: Principal = Officer) -> list[WorkItem]:
    """What waits for the caller's agency (clues, referrals, assists, tasks), by due date."""
    items, total = await reading.work_items(session, agencies=[principal.agency or "\0"], only_overdue=False,
                                            page=page)
    response.headers["X-Total-Count"] = str(total)
    return items


@router.get("/overdue", response_model=list[WorkItem], responses={**PROBLEMS, 200: {"headers": TOTAL_HEADER}})
async def overdue(session: SessionDep, runtime: RuntimeDep, response: Response, page: WorkPage,
                  principal: Principal = Lead) -> list[WorkItem]:
    """For the lead office: everything overdue in its region and the regions below."""
    items, total = await reading.overdue_in_region(session, runtime, principal, page)
    response.headers["X-Total-Count"] = str(total)
    return items
