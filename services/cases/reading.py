"""Scoped reads of the cases service: clues, cases, timelines, an agency's inbox, the lead office's overdue list."""
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy
from sqlalchemy import String, case, cast, exists, false, func, literal, null, or_, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.identity import Principal, regions_overseen
from shared.runtime import ServiceRuntime
from shared.timeline import TimelineStep

from . import case_files
from .domain import lifecycle
from .domain.joint_action import JointAction as JointActionAggregate
from .repository import CasesUnitOfWork
from .schemas import AssistOut, CaseOut, ClueOut, JointActionOut, ReferralOut, SubjectOut, TaskOut, WorkItem
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
                   allowed_actions=lifecycle.allowed(lifecycle.CLUE_COMMANDS, clue.status))


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
                   allowed_actions=lifecycle.allowed(lifecycle.CASE_COMMANDS, case.status))


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut(id=referral.id, case_id=referral.case_id, kind=referral.kind,
                       from_agency=referral.from_agency, to_agency=referral.to_agency, reason=referral.reason,
                       documents=list(referral.documents), status=referral.status, due_at=referral.due_at,
                       note=referral.note, forwarded_from=list(referral.forwarded_from),
                       allowed_actions=lifecycle.allowed(lifecycle.REFERRAL_COMMANDS, referral.status))


def assist_out(assist: Assist) -> AssistOut:
    return AssistOut.model_validate(assist, from_attributes=True)


def joint_action_out(action: JointActionAggregate) -> JointActionOut:
    return JointActionOut(id=action.id, case_id=action.case_id, lead_agency=action.lead_agency,
                          participants=list(action.participants), status=action.status,
                          tasks=[TaskOut.model_validate(t, from_attributes=True) for t in action.tasks])


def _everything(principal: Principal) -> bool:
    return principal.has_role("admin", "service")


async def list_clues(session, runtime, principal, *, complaint: str | None, subject: str | None,
                     status: str | None, limit: int) -> list[Clue]:
    query = select(Clue)
    if not _everything(principal):
        query = query.where(or_(Clue.agency == (principal.agency or "\0"),
                                Clue.subject_region.in_(regions_overseen(principal, runtime.registry))))
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
        query = query.where(or_(mine, Case.subject_region.in_(regions_overseen(principal, runtime.registry))))
    if status:
        query = query.where(Case.status == status)
    if subject:
        query = query.where(or_(Case.subject_uscc == subject, Case.subject_shop_id == subject))
    if agency:
        query = query.where(Case.agency == agency)
    return list((await session.exec(query.order_by(Case.filed_at.desc()).limit(limit))).all())


async def timeline(uow: CasesUnitOfWork, principal: Principal, case_id: str) -> list[TimelineStep]:
    await case_files.get_visible(uow, principal, case_id)
    steps = (await uow.session.exec(select(CaseStep).where(CaseStep.case_id == case_id).order_by(CaseStep.id))).all()
    return [TimelineStep.model_validate(s, from_attributes=True) for s in steps]


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int | None = None  # None: everything


REFERRAL_ACTIONS = {"awaiting_approval": "approve", "pending": "accept_or_reject", "review_requested": "review",
                    "accepted": "report_outcome"}


def _open_work(*, agencies: list[str] | None, regions: list[str] | None, only_overdue: bool, now: datetime):
    """One row per piece of open work (kind, id, case_id, action, due_at, agency), from every source."""
    def label(value: str, name: str):
        return cast(literal(value), String).label(name)

    referral_actor = case((Referral.status == "awaiting_approval", Referral.from_agency), else_=Referral.to_agency)
    sources = [
        select(label("clue", "kind"), Clue.id, null().label("case_id"), label("verify", "action"), Clue.due_at,
               Clue.agency.label("agency")).where(Clue.status == "pending"),
        select(label("referral", "kind"), Referral.id, Referral.case_id,
               case(REFERRAL_ACTIONS, value=Referral.status).label("action"), Referral.due_at,
               referral_actor.label("agency")).where(Referral.status.in_(lifecycle.OPEN_REFERRAL_STATUSES)),
        select(label("assist", "kind"), Assist.id, Assist.case_id, label("respond", "action"), Assist.due_at,
               Assist.to_agency.label("agency")).where(Assist.status == "requested"),
        select(label("task", "kind"), JointTask.id, JointAction.case_id,
               (literal("complete: ", String) + JointTask.title).label("action"), null().label("due_at"),
               JointTask.agency.label("agency")).join(JointAction).where(JointTask.done.is_(False)),
    ]
    if only_overdue:  # a case to conclude is the owner's standing work, listed once it is late
        sources.append(select(label("case", "kind"), Case.id, Case.id.label("case_id"), label("conclude", "action"),
                              Case.due_at, Case.agency.label("agency"))
                       .where(Case.status.in_(("filed", "investigating"))))
    work = union_all(*sources).subquery("work")
    query = sqlalchemy.select(work)  # rows, not sqlmodel's scalars of a one-element select
    if agencies is not None:
        query = query.where(work.c.agency.in_(agencies))
    if regions is not None:
        query = query.where(or_(false(), *(work.c.agency.like(f"{region}-%") for region in regions)))
    if only_overdue:
        query = query.where(work.c.due_at < now)
    return query, work


async def work_items(session: AsyncSession, *, agencies: list[str] | None = None, regions: list[str] | None = None,
                     only_overdue: bool, page: Page = Page(),
                     now: datetime | None = None) -> tuple[list[WorkItem], int]:
    """Open work of the given agencies or regions (None: all), by due date (undated last); a page and the total."""
    now = now or datetime.now(timezone.utc)
    query, work = _open_work(agencies=agencies, regions=regions, only_overdue=only_overdue, now=now)
    query = query.order_by(work.c.due_at.is_(None), work.c.due_at, work.c.kind, work.c.id)
    if page.size is not None:
        query = query.limit(page.size).offset((page.number - 1) * page.size)
    rows = (await session.exec(query)).all()
    items = [WorkItem(kind=r.kind, id=r.id, case_id=r.case_id, action=r.action, due_at=r.due_at,
                      overdue=r.due_at is not None and r.due_at < now, agency=r.agency) for r in rows]
    if page.size is None or (page.number == 1 and len(items) < page.size):
        return items, len(items)
    total = (await session.exec(select(func.count()).select_from(query.order_by(None).limit(None).offset(None)
                                                                 .subquery()))).one()
    return items, total


async def overdue_in_region(session: AsyncSession, runtime: ServiceRuntime, principal: Principal,
                            page: Page = Page()) -> tuple[list[WorkItem], int]:
    """Everything overdue whose responsible agency sits in the lead office's region or below."""
    regions = regions_overseen(principal, runtime.registry)
    return await work_items(session, regions=regions, only_overdue=True, page=page)
