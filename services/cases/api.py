"""HTTP routes of the cases service: schema → use case → response."""
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from shared.app import RuntimeDep, SessionDep
from shared.identity import Principal, require_roles
from shared.messaging.journal import TimelineStep
from shared.subjects import resolve

from . import assists, case_files, clues, joint_actions, reading, referrals
from .schemas import (AssistCreate, AssistOut, CaseOut, ClueCreate, ClueOut, ConsultationCreate, ConsultationOut,
                      DecisionIn, Findings, JointActionCreate, JointActionOut, Note, Reason, ReferralCreate,
                      ReferralForward, ReferralOut, Summary, TaskResult, Verification, WorkItem)

router = APIRouter(prefix="/v1", tags=["cases"])
PROBLEMS = {s: {"model": None, "content": {"application/problem+json": {}}} for s in (400, 401, 403, 404, 409, 422)}
Officer = require_roles("officer", "lead")
Reader = require_roles("officer", "lead", "admin", "service")
ClueSource = require_roles("officer", "lead", "platform", "service")
Lead = require_roles("lead")


@router.post("/clues", status_code=status.HTTP_201_CREATED, response_model=ClueOut,
             responses={**PROBLEMS, 200: {"model": ClueOut, "description": "the same source + source_ref again"},
                        409: {"model": None, "content": {"application/problem+json": {}}, "description":
                              "the same source + source_ref again, by a caller who may not see that clue"}})
async def register_clue(body: ClueCreate, response: Response, session: SessionDep, runtime: RuntimeDep,
                        principal: Principal = ClueSource) -> ClueOut:
    """A clue from monitoring, a platform report or an agency's own finding; verified within 15 working days."""
    ref = resolve(body.subject, runtime.settings.uscc_exception_set)
    clue, created = await clues.register_from_http(
        session, runtime, principal, source=body.source, source_ref=body.source_ref, subject=ref,
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
async def get_clue(clue_id: str, session: SessionDep, runtime: RuntimeDep,
                   principal: Principal = Reader) -> ClueOut:
    return reading.clue_out(await reading.get_clue(session, runtime, principal, clue_id))


@router.post("/clues/{clue_id}/verification", response_model=ClueOut, responses=PROBLEMS)
async def verify_clue(clue_id: str, body: Verification, session: SessionDep, runtime: RuntimeDep,
                      principal: Principal = Officer) -> ClueOut:
    """`file` opens a case, or joins the open case on the same subject and category (避免重复执法)."""
    clue, _ = await clues.verify(session, runtime, principal, clue_id, decision=body.decision, reason=body.reason)
    return reading.clue_out(clue)


@router.post("/clues/{clue_id}/extension", response_model=ClueOut, responses=PROBLEMS)
async def extend_clue(clue_id: str, body: Reason, session: SessionDep, runtime: RuntimeDep,
                      principal: Principal = Officer) -> ClueOut:
    return reading.clue_out(await clues.extend(session, runtime, principal, clue_id, reason=body.reason))


@router.get("/cases", response_model=list[CaseOut], responses=PROBLEMS)
async def list_cases(session: SessionDep, runtime: RuntimeDep, subject: str | None = None,
                     status: str | None = Query(None, max_length=16), agency: str | None = None,
                     limit: int = Query(100, ge=1, le=500), principal: Principal = Reader) -> list[CaseOut]:
    rows = await reading.list_cases(session, runtime, principal, subject=subject, status=status, agency=agency,
                                    limit=limit)
    return [await reading.case_out(session, c) for c in rows]


@router.get("/cases/{case_id}", response_model=CaseOut, responses=PROBLEMS)
async def get_case(case_id: str, session: SessionDep, runtime: RuntimeDep, principal: Principal = Reader) -> CaseOut:
    return await reading.case_out(session, await case_files.get_visible(session, runtime, principal, case_id))


@router.get("/cases/{case_id}/timeline", response_model=list[TimelineStep], responses=PROBLEMS)
async def case_timeline(case_id: str, session: SessionDep, runtime: RuntimeDep,
                        principal: Principal = Reader) -> list[TimelineStep]:
    return await reading.timeline(session, runtime, principal, case_id)


@router.post("/cases/{case_id}/investigation", response_model=CaseOut, responses=PROBLEMS)
async def investigate(case_id: str, session: SessionDep, runtime: RuntimeDep, body: Note | None = None,
                      principal: Principal = Officer) -> CaseOut:
    case = await case_files.investigate(session, runtime, principal, case_id, note=(body or Note()).note)
    return await reading.case_out(session, case)


@router.post("/cases/{case_id}/extension", response_model=CaseOut, responses=PROBLEMS)
async def extend_case(case_id: str, body: Reason, session: SessionDep, runtime: RuntimeDep,
                      principal: Principal = Officer) -> CaseOut:
    """The 90-day conclusion period gets its one 30-day extension."""
    case = await case_files.extend(session, runtime, principal, case_id, reason=body.reason)
    return await reading.case_out(session, case)


@router.post("/cases/{case_id}/decision", response_model=CaseOut, responses=PROBLEMS)
async def decide(case_id: str, body: DecisionIn, session: SessionDep, runtime: RuntimeDep,
                 principal: Principal = Officer) -> CaseOut:
    """penalty, no_penalty (with its ground) or soft_measure; `advice` flags 首违不罚 and 观察期."""
    case = await case_files.decide(session, runtime, principal, case_id, outcome=body.outcome,
                                   measures=body.measures, fine_amount=body.fine_amount,
                                   legal_basis=body.legal_basis, ground=body.ground,
                                   subjective_intent=body.subjective_intent)
    return await reading.case_out(session, case)


@router.post("/cases/{case_id}/close", response_model=CaseOut, responses=PROBLEMS)
async def close_case(case_id: str, session: SessionDep, runtime: RuntimeDep, body: Note | None = None,
                     principal: Principal = Officer) -> CaseOut:
    case = await case_files.close(session, runtime, principal, case_id, note=(body or Note()).note)
    return await reading.case_out(session, case)


@router.post("/cases/{case_id}/referrals", status_code=status.HTTP_201_CREATED, response_model=ReferralOut,
             responses=PROBLEMS)
async def refer(case_id: str, body: ReferralCreate, session: SessionDep, runtime: RuntimeDep,
                principal: Principal = Officer) -> ReferralOut:
    referral = await referrals.refer(session, runtime, principal, case_id, to_agency=body.to_agency,
                                     kind=body.kind, reason=body.reason, documents=body.documents)
    return reading.referral_out(referral)


@router.post("/referrals/{referral_id}/approve", response_model=ReferralOut, responses=PROBLEMS)
async def approve_referral(referral_id: str, session: SessionDep, runtime: RuntimeDep, body: Note | None = None,
                           principal: Principal = Officer) -> ReferralOut:
    """The head of agency approves a criminal transfer (3 days); it goes to the police at once."""
    return reading.referral_out(await referrals.approve(session, runtime, principal, referral_id,
                                                        note=(body or Note()).note))


@router.post("/referrals/{referral_id}/accept", response_model=ReferralOut, responses=PROBLEMS)
async def accept_referral(referral_id: str, session: SessionDep, runtime: RuntimeDep, body: Note | None = None,
                          principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.accept(session, runtime, principal, referral_id,
                                                       note=(body or Note()).note))


@router.post("/referrals/{referral_id}/reject", response_model=ReferralOut, responses=PROBLEMS)
async def reject_referral(referral_id: str, body: Reason, session: SessionDep, runtime: RuntimeDep,
                          principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.reject(session, runtime, principal, referral_id,
                                                       reason=body.reason))


@router.post("/referrals/{referral_id}/review", response_model=ReferralOut, responses=PROBLEMS)
async def review_referral(referral_id: str, body: Reason, session: SessionDep, runtime: RuntimeDep,
                          principal: Principal = Officer) -> ReferralOut:
    """The sender asks the receiver to reconsider a refusal; a second refusal is final."""
    return reading.referral_out(await referrals.review(session, runtime, principal, referral_id,
                                                       reason=body.reason))


@router.post("/referrals/{referral_id}/forward", response_model=ReferralOut, responses=PROBLEMS)
async def forward_referral(referral_id: str, body: ReferralForward, session: SessionDep, runtime: RuntimeDep,
                           principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.forward(session, runtime, principal, referral_id,
                                                        to_agency=body.to_agency, reason=body.reason))


@router.post("/referrals/{referral_id}/outcome", response_model=ReferralOut, responses=PROBLEMS)
async def referral_outcome(referral_id: str, body: Summary, session: SessionDep, runtime: RuntimeDep,
                           principal: Principal = Officer) -> ReferralOut:
    return reading.referral_out(await referrals.report_outcome(session, runtime, principal, referral_id,
                                                               summary=body.summary))


@router.post("/cases/{case_id}/assists", status_code=status.HTTP_201_CREATED, response_model=AssistOut,
             responses=PROBLEMS)
async def request_assist(case_id: str, body: AssistCreate, session: SessionDep, runtime: RuntimeDep,
                         principal: Principal = Officer) -> AssistOut:
    return reading.assist_out(await assists.request(session, runtime, principal, case_id,
                                                    to_agency=body.to_agency, text=body.request))


@router.post("/assists/{assist_id}/response", response_model=AssistOut, responses=PROBLEMS)
async def respond_assist(assist_id: str, body: Findings, session: SessionDep, runtime: RuntimeDep,
                         principal: Principal = Officer) -> AssistOut:
    return reading.assist_out(await assists.respond(session, runtime, principal, assist_id, findings=body.findings))


@router.post("/cases/{case_id}/joint-actions", status_code=status.HTTP_201_CREATED, response_model=JointActionOut,
             responses=PROBLEMS)
async def start_joint_action(case_id: str, body: JointActionCreate, session: SessionDep, runtime: RuntimeDep,
                             principal: Principal = Officer) -> JointActionOut:
    action, tasks = await joint_actions.start(session, runtime, principal, case_id, participants=body.participants,
                                              tasks=[(t.agency, t.title) for t in body.tasks])
    return reading.joint_action_out(action, tasks)


@router.post("/joint-actions/{action_id}/tasks/{task_id}/complete", response_model=JointActionOut,
             responses=PROBLEMS)
async def complete_task(action_id: str, task_id: str, session: SessionDep, runtime: RuntimeDep,
                        body: TaskResult | None = None, principal: Principal = Officer) -> JointActionOut:
    action, tasks = await joint_actions.complete_task(session, runtime, principal, action_id, task_id,
                                                      result=(body or TaskResult()).result)
    return reading.joint_action_out(action, tasks)


@router.post("/joint-actions/{action_id}/consultations", status_code=status.HTTP_201_CREATED,
             response_model=ConsultationOut, responses=PROBLEMS)
async def consult(action_id: str, body: ConsultationCreate, session: SessionDep, runtime: RuntimeDep,
                  principal: Principal = Officer) -> ConsultationOut:
    consultation = await joint_actions.consult(session, runtime, principal, action_id, held_on=body.held_on,
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
