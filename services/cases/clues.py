"""Clues: registered once per source, verified within the deadline, filed as a case or joined to an open one.

Each use case is keyword-only and typed: `uow` is the transaction, `by` the caller (or, from an event, who sent
it). Who may register and act is decided here (the rules in `domain/clue_sources.py` and `domain/access.py`),
whether the action may run now by the aggregate's state machine.
"""
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events.payloads.common import SubjectRef
from shared.identity import Principal

from .domain import clue_sources
from .domain.access import may_read
from .domain.case import Case, subject_key_of
from .domain.clue import Clue
from .repository import CasesUnitOfWork
from .tables import ComplaintRef


async def register(*, uow: CasesUnitOfWork, source: str, source_ref: str, subject: SubjectRef, category: str,
                   agency: str, summary: str, complaint_ids: list[str], by: str) -> tuple[Clue, bool]:
    """A new pending clue, or the one already registered for this source reference (created=False)."""
    if (existing := await uow.clues.by_source(source, source_ref)) is not None:
        return existing, False
    clue = Clue.register(id=str(uuid.uuid4()), source=source, source_ref=source_ref, subject=subject,
                         category=category, agency=agency, summary=summary, complaint_ids=complaint_ids, by=by,
                         at=uow.now, schedule=uow.schedule)
    return uow.clues.add(clue), True


async def register_from_http(*, uow: CasesUnitOfWork, by: Principal, source: str, source_ref: str,
                             subject: SubjectRef, category: str, agency: str | None, summary: str,
                             complaint_ids: list[str]) -> tuple[Clue, bool]:
    """As `register`, for the sources, agency and complaints the caller may name; the clue already registered is
    returned only to whoever registered it (a retry) or may see it."""
    registry = uow.runtime.registry
    if (refused := clue_sources.source_refusal(by, source)) is not None:
        raise Forbidden(refused)
    try:
        registry.category(category)
        lead = agency or registry.route(category, subject.region).lead
        registry.agency(lead)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="agency" if agency else "category") from None
    if agency is not None and (refused := clue_sources.agency_refusal(by, agency, registry)):
        raise Forbidden(refused)
    await _check_citations(uow, by, complaint_ids)
    try:
        clue, created = await register(uow=uow, source=source, source_ref=source_ref, subject=subject,
                                       category=category, agency=lead, summary=summary,
                                       complaint_ids=complaint_ids, by=by.sub)
        await uow.commit()
    except IntegrityError:  # the same source reference registered concurrently
        await uow.rollback()
        clue, created = await uow.clues.by_source(source, source_ref), False
    if not created and clue.created_by != by.sub and not await clue_visible(uow, by, clue):
        raise Conflict("a clue with this source reference is already registered")
    return clue, created


async def _check_citations(uow: CasesUnitOfWork, by: Principal, complaint_ids: list[str]) -> None:
    """Each cited complaint must be one cases knows from complaints' events and the caller's agency may act on."""
    if not complaint_ids:
        return
    if not by.has_role("officer", "lead"):
        raise Forbidden("only an agency's officers may cite complaints in a clue")
    refs = {r.complaint_id: r for r in (await uow.session.exec(select(ComplaintRef).where(
        ComplaintRef.complaint_id.in_(set(complaint_ids))))).all()}
    for i, complaint_id in enumerate(complaint_ids):
        ref = refs.get(complaint_id)
        known = ref and clue_sources.KnownComplaint(complaint_id=complaint_id, region=ref.subject_region,
                                                    lead_agency=ref.lead_agency,
                                                    escalated_to=frozenset(ref.escalated_to))
        if not known or not clue_sources.may_cite(by, known, uow.runtime.registry):
            raise InvalidInput(f"{by.agency} may not cite complaint {complaint_id}: a clue cites only "
                               "complaints its agency leads or was escalated, or its lead office oversees",
                               field=f"complaint_ids.{i}")


async def clue_visible(uow: CasesUnitOfWork, by: Principal, clue: Clue) -> bool:
    participants = {clue.agency}
    if clue.case_id:
        participants |= await uow.cases.participants(clue.case_id)
    return may_read(by, participants=participants, region=clue.subject_region, registry=uow.runtime.registry)


async def get_visible(uow: CasesUnitOfWork, by: Principal, clue_id: str, *, lock: bool = False) -> Clue:
    clue = await uow.clues.get(clue_id, lock=lock)
    if clue is None or not await clue_visible(uow, by, clue):
        raise NotFound(f"no clue {clue_id}")
    return clue


async def load_for(uow: CasesUnitOfWork, by: Principal, clue_id: str, action: str) -> Clue:
    """The clue, locked, once the caller may see it (404) and is an officer of the agency verifying it (403)."""
    clue = await get_visible(uow, by, clue_id, lock=True)
    if not (by.agency == clue.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {clue.agency} may {action} this clue")
    return clue


async def verify(*, uow: CasesUnitOfWork, by: Principal, clue_id: str, decision: str,
                 reason: str | None) -> tuple[Clue, Case | None]:
    """`file` opens a case, or joins the open case on the same subject and category; `dismiss` records why."""
    clue = await load_for(uow, by, clue_id, "verify")
    case = None
    if decision == "dismiss":
        clue.dismiss(reason=reason, at=uow.now)
    else:
        clue.check("verify")
        case = await file_or_join(uow, clue, reason=reason, by=by.sub)
    await uow.commit()
    return clue, case


async def file_or_join(uow: CasesUnitOfWork, clue: Clue, *, reason: str | None, by: str) -> Case:
    """避免重复执法: while a case on the subject and category is open in any agency, the clue joins it."""
    if (open_case := await uow.cases.open_on(subject_key_of(clue), clue.category)) is not None:
        open_case.join(clue, reason=reason, by=by, at=uow.now)
        return open_case
    return uow.cases.add(Case.file(clue, id=str(uuid.uuid4()), reason=reason, by=by, at=uow.now,
                                   schedule=uow.schedule))


async def extend(*, uow: CasesUnitOfWork, by: Principal, clue_id: str, reason: str) -> Clue:
    clue = await load_for(uow, by, clue_id, "extend")
    clue.extend(reason=reason, schedule=uow.schedule)
    await uow.commit()
    return clue
