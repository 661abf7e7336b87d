"""Scoped reads of the cases service: clues, cases, timelines, an agency's inbox, the lead office's overdue list."""
from datetime import datetime, timezone

from sqlalchemy import exists, or_, true
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.identity import Principal
from shared.problems import NotFound
from shared.runtime import ServiceRuntime

from . import case_files, clues
from .domain import lifecycle
from .schemas import (AssistOut, CaseOut, ClueOut, JointActionOut, ReferralOut, SubjectOut, TaskOut,
                      TimelineStep, WorkItem)
from .tables import Assist, Case, CaseParticipant, CaseStep, Clue, JointAction, JointTask, Referral


def _subject(row) -> SubjectOut:
    return SubjectOut(uscc=row.subject_uscc, name=row.subject_name, platform=row.subject_platform,
                      shop_id=row.subject_shop_id, region=row.subject_region)


def clue_out(clue: Clue) -> ClueOut:
    return ClueOut(id=clue.id, source=clue.source, source_ref=clue.source_ref, subject=_subject(clue),
                   category=clue.category, agency=clue.agency, summary=clue.summary,
                   complaint_ids=list(clue.complaint_ids), status=clue.status, due_at=clue.due_at,
                   extended=clue.extended, reason=clue.reason, case_id=clue.case_id,
                   joined_existing_case=clue.status == "joined", created_at=clue.created_at,
                   allowed_actions=lifecycle.allowed(lifecycle.CLUE_ACTIONS, clue.status))


async def case_out(session: AsyncSession, case: Case) -> CaseOut:
    roles = dict((await session.exec(select(CaseParticipant.agency, CaseParticipant.role).where(
        CaseParticipant.case_id == case.id))).all())
    return CaseOut(id=case.id, subject=_subject(case), category=case.category, agency=case.agency,
                   participants=roles, status=case.status, filed_at=case.filed_at, due_at=case.due_at,
                   extended=case.extended, complaint_ids=list(case.complaint_ids), clue_ids=list(case.clue_ids),
                   outcome=case.outcome, measures=list(case.measures), severity=case.severity,
                   fine_amount=case.fine_amount, legal_basis=case.legal_basis, ground=case.ground,
                   decided_on=case.decided_on, closed_at=case.closed_at,
                   advice=await case_files.decision_advice(session, case) if case.status != "closed" else [],
                   allowed_actions=lifecycle.allowed(lifecycle.CASE_ACTIONS, case.status))


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut(id=referral.id, case_id=referral.case_id, kind=referral.kind,
                       from_agency=referral.from_agency, to_agency=referral.to_agency, reason=referral.reason,
                       documents=list(referral.documents), status=referral.status, due_at=referral.due_at,
                       note=referral.note, forwarded_from=list(referral.forwarded_from),
                       allowed_actions=lifecycle.allowed(lifecycle.REFERRAL_ACTIONS, referral.status))


def assist_out(assist: Assist) -> AssistOut:
    return AssistOut.model_validate(assist, from_attributes=True)


def joint_action_out(action: JointAction, tasks: list[JointTask]) -> JointActionOut:
    return JointActionOut(id=action.id, case_id=action.case_id, lead_agency=action.lead_agency,
                          participants=list(action.participants), status=action.status,
                          tasks=[TaskOut.model_validate(t, from_attributes=True) for t in tasks])


async def get_clue(session, runtime, principal, clue_id: str) -> Clue:
    clue = await session.get(Clue, clue_id)
    if clue is None or not await clues.clue_visible(session, runtime, principal, clue):
        raise NotFound(f"no clue {clue_id}")
    return clue


def _regions(principal: Principal, runtime: ServiceRuntime) -> list[str]:
    """The regions a lead office oversees (its own and those below); none for anyone else."""
    if not (principal.has_role("lead") and principal.region):
        return []
    try:
        return runtime.registry.regions_below(principal.region)
    except ValueError:
        return []


def _everything(principal: Principal) -> bool:
    return principal.has_role("admin", "service")


async def list_clues(session, runtime, principal, *, complaint: str | None, subject: str | None,
                     status: str | None, limit: int) -> list[Clue]:
    query = select(Clue)
    if not _everything(principal):
        query = query.where(or_(Clue.agency == (principal.agency or "\0"),
                                Clue.subject_region.in_(_regions(principal, runtime))))
    if status:
        query = query.where(Clue.status == status)
    if subject:
        query = query.where(or_(Clue.subject_uscc == subject, Clue.subject_shop_id == subject))
    rows = list((await session.exec(query.order_by(Clue.created_at.desc()).limit(limit * 4 if complaint else
                                                                                  limit))).all())
    if complaint:  # JSON lists: filtered here rather than with dialect-specific JSON operators
        rows = [c for c in rows if complaint in c.complaint_ids]
    return rows[:limit]


async def list_cases(session, runtime, principal, *, subject: str | None, status: str | None,
                     agency: str | None, limit: int) -> list[Case]:
    query = select(Case)
    if not _everything(principal):
        mine = exists().where(CaseParticipant.case_id == Case.id, CaseParticipant.agency == (principal.agency or "\0"))
        query = query.where(or_(mine, Case.subject_region.in_(_regions(principal, runtime))))
    if status:
        query = query.where(Case.status == status)
    if subject:
        query = query.where(or_(Case.subject_uscc == subject, Case.subject_shop_id == subject))
    if agency:
        query = query.where(Case.agency == agency)
    return list((await session.exec(query.order_by(Case.filed_at.desc()).limit(limit))).all())


async def timeline(session, runtime, principal, case_id: str) -> list[TimelineStep]:
    await case_files.get_visible(session, runtime, principal, case_id)
    steps = (await session.exec(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id))).all()
    return [TimelineStep.model_validate(s, from_attributes=True) for s in steps]


async def work_items(session: AsyncSession, *, agencies: list[str] | None, only_overdue: bool,
                     now: datetime | None = None) -> list[WorkItem]:
    """Open work, for the given agencies (None: all), ordered by due date (undated last)."""
    now = now or datetime.now(timezone.utc)

    def mine(column):
        return column.in_(agencies) if agencies is not None else true()

    items: list[WorkItem] = []

    def add(kind, id_, case_id, action, due_at, agency):
        overdue = due_at is not None and due_at < now
        if overdue or not only_overdue:
            items.append(WorkItem(kind=kind, id=id_, case_id=case_id, action=action, due_at=due_at,
                                  overdue=overdue, agency=agency))

    for clue in (await session.exec(select(Clue).where(Clue.status == "pending", mine(Clue.agency)))).all():
        add("clue", clue.id, None, "verify", clue.due_at, clue.agency)
    referrals = select(Referral).where(Referral.status.in_(lifecycle.OPEN_REFERRAL_STATUSES),
                                       or_(mine(Referral.to_agency), mine(Referral.from_agency)))
    for r in (await session.exec(referrals)).all():
        actor = r.from_agency if r.status == "awaiting_approval" else r.to_agency
        if agencies is None or actor in agencies:
            action = {"awaiting_approval": "approve", "pending": "accept_or_reject", "review_requested": "review",
                      "accepted": "report_outcome"}[r.status]
            add("referral", r.id, r.case_id, action, r.due_at, actor)
    for a in (await session.exec(select(Assist).where(Assist.status == "requested", mine(Assist.to_agency)))).all():
        add("assist", a.id, a.case_id, "respond", a.due_at, a.to_agency)
    tasks = await session.exec(select(JointTask, JointAction.case_id).join(JointAction).where(
        JointTask.done.is_(False), mine(JointTask.agency)))
    for task, case_id in tasks.all():
        add("task", task.id, case_id, f"complete: {task.title}", None, task.agency)
    if only_overdue:  # a case to conclude is the owner's standing work, listed once it is late
        for case in (await session.exec(select(Case).where(Case.status.in_(("filed", "investigating")),
                                                           mine(Case.agency)))).all():
            add("case", case.id, case.id, "conclude", case.due_at, case.agency)
    far = datetime.max.replace(tzinfo=timezone.utc)
    return sorted(items, key=lambda i: (i.due_at or far, i.kind, i.id))


async def overdue_in_region(session: AsyncSession, runtime: ServiceRuntime, principal: Principal) -> list[WorkItem]:
    """Everything overdue whose responsible agency sits in the lead office's region or below."""
    regions = set(_regions(principal, runtime))
    items = await work_items(session, agencies=None, only_overdue=True)
    return [i for i in items if i.agency.split("-", 1)[0] in regions]
