"""Clues: registered once per source, verified within the deadline, filed as a case or joined to an open one."""
import uuid

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import for_update, is_postgres
from shared.events.payloads.cases import CaseFiled, ClueRegistered, ClueVerified
from shared.events.payloads.common import SubjectRef
from shared.identity import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.runtime import ServiceRuntime
from shared.subjects import ref_of

from .domain import clue_sources, lifecycle
from .domain.access import may_read
from .journal import CaseJournal
from .subjects import subject_columns, subject_key
from .tables import Case, CaseParticipant, Clue, ComplaintRef


async def register(journal: CaseJournal, *, source: str, source_ref: str, subject: SubjectRef, category: str,
                   agency: str, summary: str, complaint_ids: list[str], actor: str) -> tuple[Clue, bool]:
    """A new pending clue, or the one already registered for this source reference (created=False)."""
    session = journal.session
    existing = (await session.exec(select(Clue).where(Clue.source == source, Clue.source_ref == source_ref))).first()
    if existing is not None:
        return existing, False
    clue = Clue(id=str(uuid.uuid4()), source=source, source_ref=source_ref, **subject_columns(subject),
                category=category, agency=agency, summary=summary, complaint_ids=list(complaint_ids),
                status="pending", due_at=journal.deadlines.clue_due(journal.now, journal.calendar),
                created_by=actor, created_at=journal.now)
    session.add(clue)
    # A clue has no timeline of its own; the case timeline starts when it is filed.
    await journal.emit_untracked("clue.registered", ClueRegistered(
        clue_id=clue.id, source=source, subject=subject, category=category, agency=agency,
        complaint_ids=clue.complaint_ids, due_at=clue.due_at), subject=clue.id)
    return clue, True


async def register_from_http(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, *, source: str,
                             source_ref: str, subject: SubjectRef, category: str, agency: str | None,
                             summary: str, complaint_ids: list[str]) -> tuple[Clue, bool]:
    """As `register`, for the sources, agency and complaints the caller may name; the clue already registered is
    returned only to whoever registered it (a retry) or may see it."""
    if (refused := clue_sources.source_refusal(principal, source)) is not None:
        raise Forbidden(refused)
    try:
        runtime.registry.category(category)
        lead = agency or runtime.registry.route(category, subject.region).lead
        runtime.registry.agency(lead)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="agency" if agency else "category") from None
    if agency is not None and (refused := clue_sources.agency_refusal(principal, agency, runtime.registry)):
        raise Forbidden(refused)
    await _check_citations(session, runtime, principal, complaint_ids)
    journal = CaseJournal(session, runtime)
    try:
        clue, created = await register(journal, source=source, source_ref=source_ref, subject=subject,
                                       category=category, agency=lead, summary=summary,
                                       complaint_ids=complaint_ids, actor=principal.sub)
        await session.commit()
    except IntegrityError:  # the same source reference registered concurrently
        await session.rollback()
        clue = (await session.exec(select(Clue).where(Clue.source == source, Clue.source_ref == source_ref))).one()
        created = False
    if not created and clue.created_by != principal.sub and not await clue_visible(session, runtime, principal, clue):
        raise Conflict("a clue with this source reference is already registered")
    return clue, created


async def _check_citations(session: AsyncSession, runtime: ServiceRuntime, principal: Principal,
                           complaint_ids: list[str]) -> None:
    """Each cited complaint must be one cases knows from complaints' events and the caller's agency may act on."""
    if not complaint_ids:
        return
    if not principal.has_role("officer", "lead"):
        raise Forbidden("only an agency's officers may cite complaints in a clue")
    refs = {r.complaint_id: r for r in (await session.exec(select(ComplaintRef).where(
        ComplaintRef.complaint_id.in_(set(complaint_ids))))).all()}
    for i, complaint_id in enumerate(complaint_ids):
        ref = refs.get(complaint_id)
        known = ref and clue_sources.KnownComplaint(complaint_id=complaint_id, region=ref.subject_region,
                                                    lead_agency=ref.lead_agency,
                                                    escalated_to=frozenset(ref.escalated_to))
        if not known or not clue_sources.may_cite(principal, known, runtime.registry):
            raise InvalidInput(f"{principal.agency} may not cite complaint {complaint_id}: a clue cites only "
                               "complaints its agency leads or was escalated, or its lead office oversees",
                               field=f"complaint_ids.{i}")


async def load_for_action(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, clue_id: str,
                          action: str) -> Clue:
    clue = (await session.exec(for_update(select(Clue).where(Clue.id == clue_id), session))).first()
    if clue is None or not await clue_visible(session, runtime, principal, clue):
        raise NotFound(f"no clue {clue_id}")
    if not (principal.agency == clue.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {clue.agency} may {action} this clue")
    try:
        lifecycle.check("clue", lifecycle.CLUE_ACTIONS, action, clue.status)
    except lifecycle.TransitionNotAllowed as exc:
        raise Conflict(str(exc), status_now=clue.status, allowed_actions=exc.allowed) from None
    return clue


async def clue_visible(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, clue: Clue) -> bool:
    participants = {clue.agency}
    if clue.case_id:
        participants |= set((await session.exec(select(CaseParticipant.agency).where(
            CaseParticipant.case_id == clue.case_id))).all())
    return may_read(principal, participants=participants, region=clue.subject_region, registry=runtime.registry)


async def verify(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, clue_id: str, *,
                 decision: str, reason: str | None) -> tuple[Clue, Case | None]:
    """`file` opens a case, or joins the open case on the same subject and category; `dismiss` records why."""
    clue = await load_for_action(session, runtime, principal, clue_id, "verify")
    journal = CaseJournal(session, runtime)
    clue.decided_at, clue.reason = journal.now, reason
    case = None
    if decision == "dismiss":
        clue.status = "dismissed"
        await journal.emit_untracked("clue.verified", ClueVerified(
            clue_id=clue.id, decision="dismiss", reason=reason, complaint_ids=clue.complaint_ids,
            source=clue.source, source_ref=clue.source_ref), subject=clue.id)
    else:
        case, joined = await file_or_join(journal, clue, actor=principal.sub)
        clue.status, clue.case_id = ("joined" if joined else "filed"), case.id
    clue.due_at = None
    session.add(clue)
    await session.commit()
    return clue, case


async def file_or_join(journal: CaseJournal, clue: Clue, *, actor: str) -> tuple[Case, bool]:
    """避免重复执法: while a case on the subject and category is open in any agency, the clue joins it."""
    session = journal.session
    key = subject_key(clue.subject_uscc, clue.subject_platform, clue.subject_shop_id, clue.id)
    if is_postgres(session):  # two agencies filing on one subject at once must not open two cases
        await session.exec(text("SELECT pg_advisory_xact_lock(hashtext(:key))").bindparams(
            key=f"case:{key}:{clue.category}"))
    open_case = (await session.exec(select(Case).where(
        Case.subject_key == key, Case.category == clue.category,
        Case.status.in_(lifecycle.OPEN_CASE_STATUSES)).order_by(Case.filed_at))).first()
    if open_case is not None:
        open_case.clue_ids = [*open_case.clue_ids, clue.id]
        open_case.complaint_ids = list(dict.fromkeys([*open_case.complaint_ids, *clue.complaint_ids]))
        open_case.updated_at = journal.now
        session.add(open_case)
        await journal.take_part(open_case.id, clue.agency, "joined")
        await journal.emit("clue.verified", ClueVerified(
            clue_id=clue.id, decision="file", case_id=open_case.id, joined_existing_case=True,
            complaint_ids=clue.complaint_ids, source=clue.source, source_ref=clue.source_ref), subject=clue.id)
        journal.record(open_case.id, "clue_joined", actor=actor, clue_id=clue.id, agency=clue.agency)
        return open_case, True
    case = Case(id=str(uuid.uuid4()), subject_key=key, subject_uscc=clue.subject_uscc,
                subject_name=clue.subject_name, subject_platform=clue.subject_platform,
                subject_shop_id=clue.subject_shop_id, subject_region=clue.subject_region, category=clue.category,
                agency=clue.agency, status="filed", filed_at=journal.now,
                due_at=journal.deadlines.case_due(journal.now, journal.calendar),
                complaint_ids=list(clue.complaint_ids), clue_ids=[clue.id], created_by=actor,
                updated_at=journal.now)
    session.add(case)
    session.add(CaseParticipant(case_id=case.id, agency=case.agency, role="owner"))
    await session.flush()
    await journal.emit("clue.verified", ClueVerified(
        clue_id=clue.id, decision="file", case_id=case.id, complaint_ids=clue.complaint_ids, source=clue.source,
        source_ref=clue.source_ref), subject=clue.id)
    await journal.emit("case.filed", CaseFiled(
        case_id=case.id, clue_id=clue.id, agency=case.agency, subject=ref_of(case), category=case.category,
        complaint_ids=case.complaint_ids, due_at=case.due_at, clue_source=clue.source,
        clue_source_ref=clue.source_ref), subject=case.id)
    journal.record(case.id, "filed", actor=actor, due_at=case.due_at, clue_id=clue.id)
    return case, False


async def extend(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, clue_id: str, *,
                 reason: str) -> Clue:
    clue = await load_for_action(session, runtime, principal, clue_id, "extend")
    if clue.extended:
        raise Conflict("verification was already extended once (Order 2 Art. 18)", status_now=clue.status,
                       allowed_actions=["verify"])
    clue.extended, clue.reason = True, reason
    clue.due_at = runtime.settings.deadlines.clue_extended(clue.due_at, runtime.calendar)
    session.add(clue)
    await session.commit()
    return clue
