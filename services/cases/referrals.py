"""Referrals (移送): the sender asks, the receiver accepts, rejects (reviewable once) or forwards, then reports
the outcome; a criminal transfer first waits for the head of agency's approval (Decree 310)."""
import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import for_update
from shared.events.payloads.cases import CaseReferred, ReferralStep
from shared.identity import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.registry import RegistryError
from shared.runtime import ServiceRuntime

from . import case_files
from .domain import lifecycle
from .domain.referrals import missing_documents, referral_problem
from .journal import CaseJournal
from .tables import CaseParticipant, Referral

_EVENT = {"accept": "referral.accepted", "reject": "referral.rejected", "forward": "referral.forwarded",
          "review": "referral.review_requested", "outcome": "referral.outcome_reported"}


async def refer(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, case_id: str, *,
                to_agency: str, kind: str, reason: str, documents: list[str]) -> Referral:
    case, journal = await case_files.load_for_action(session, runtime, principal, case_id, "refer")
    if problem := referral_problem(runtime.registry, kind, case.agency, to_agency):
        raise InvalidInput(problem, field="to_agency")
    if missing := missing_documents(kind, documents):
        raise InvalidInput(f"a criminal transfer must carry: {', '.join(missing)} (Decree 310 Art. 6)",
                           field="documents")
    status = "awaiting_approval" if kind == "criminal" else "pending"
    referral = Referral(id=str(uuid.uuid4()), case_id=case.id, kind=kind, from_agency=case.agency,
                        to_agency=to_agency, reason=reason, documents=list(documents), status=status,
                        due_at=journal.deadlines.referral_due(kind, status, journal.now, journal.calendar),
                        created_by=principal.sub, created_at=journal.now, updated_at=journal.now)
    session.add(referral)
    case_files.under_investigation(case, journal)
    if status == "pending":
        await _transfer(journal, referral, actor=principal.sub)
    else:
        journal.record(case.id, "referral_reported", actor=principal.sub, due_at=referral.due_at,
                       referral_id=referral.id, kind=kind, to_agency=to_agency)
    await session.commit()
    return referral


async def _transfer(journal: CaseJournal, referral: Referral, *, actor: str) -> None:
    """The receiver is told and may read the case file from now on."""
    await journal.take_part(referral.case_id, referral.to_agency, "referral")
    await journal.emit("case.referred", CaseReferred(
        referral_id=referral.id, case_id=referral.case_id, kind=referral.kind, from_agency=referral.from_agency,
        to_agency=referral.to_agency, reason=referral.reason, due_at=referral.due_at), subject=referral.case_id)
    journal.record(referral.case_id, "referred", actor=actor, due_at=referral.due_at, referral_id=referral.id,
                   kind=referral.kind, to_agency=referral.to_agency)


async def _load(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, referral_id: str,
                action: str) -> tuple[Referral, CaseJournal]:
    referral = (await session.exec(for_update(select(Referral).where(Referral.id == referral_id), session))).first()
    # The receiver reads the case only once the referral is transferred (a criminal one: once it is approved).
    if referral is None or await case_files.visible(session, runtime, principal, referral.case_id) is None:
        raise NotFound(f"no referral {referral_id}")
    sides = {lifecycle.SENDER: referral.from_agency, lifecycle.RECEIVER: referral.to_agency}
    side = lifecycle.REFERRAL_ACTIONS[action].side
    if not (principal.agency == sides[side] and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of the {side} ({sides[side]}) may {action} this referral")
    try:
        lifecycle.check("referral", lifecycle.REFERRAL_ACTIONS, action, referral.status)
    except lifecycle.TransitionNotAllowed as exc:
        raise Conflict(str(exc), status_now=referral.status, allowed_actions=exc.allowed) from None
    return referral, CaseJournal(session, runtime)


def _move(journal: CaseJournal, referral: Referral, status: str) -> None:
    referral.status, referral.updated_at = status, journal.now
    referral.due_at = journal.deadlines.referral_due(referral.kind, status, journal.now, journal.calendar)
    journal.session.add(referral)


async def _announce(journal: CaseJournal, referral: Referral, action: str, *, actor: str, note: str | None) -> None:
    await journal.emit(_EVENT[action], ReferralStep(
        referral_id=referral.id, case_id=referral.case_id, from_agency=referral.from_agency,
        to_agency=referral.to_agency, note=note), subject=referral.case_id)
    journal.record(referral.case_id, f"referral_{action}", actor=actor, due_at=referral.due_at,
                   referral_id=referral.id, note=note)


async def approve(session, runtime, principal, referral_id: str, *, note: str | None) -> Referral:
    """The head of agency approves a criminal transfer; it goes to the police at once (within 24 hours)."""
    referral, journal = await _load(session, runtime, principal, referral_id, "approve")
    _move(journal, referral, "pending")
    journal.record(referral.case_id, "referral_approved", actor=principal.sub, referral_id=referral.id, note=note)
    await _transfer(journal, referral, actor=principal.sub)
    await session.commit()
    return referral


async def accept(session, runtime, principal, referral_id: str, *, note: str | None) -> Referral:
    referral, journal = await _load(session, runtime, principal, referral_id, "accept")
    _move(journal, referral, "accepted")
    if referral.kind in lifecycle.OWNERSHIP_MOVES:  # the competent agency takes the case over
        case = await case_files.get_visible(session, runtime, principal, referral.case_id, lock=True)
        case.agency, case.updated_at = referral.to_agency, journal.now
        session.add(case)
        for agency, role in ((referral.from_agency, "sender"), (referral.to_agency, "owner")):
            row = await session.get(CaseParticipant, (case.id, agency)) or CaseParticipant(case_id=case.id,
                                                                                         agency=agency)
            row.role = role
            session.add(row)
    await _announce(journal, referral, "accept", actor=principal.sub, note=note)
    await session.commit()
    return referral


async def reject(session, runtime, principal, referral_id: str, *, reason: str) -> Referral:
    referral, journal = await _load(session, runtime, principal, referral_id, "reject")
    _move(journal, referral, lifecycle.referral_after_reject(referral.status))
    referral.note = reason
    await _announce(journal, referral, "reject", actor=principal.sub, note=reason)
    await session.commit()
    return referral


async def review(session, runtime, principal, referral_id: str, *, reason: str) -> Referral:
    """The sender asks the receiver to reconsider a refusal (Decree 310 Art. 9 for the police)."""
    referral, journal = await _load(session, runtime, principal, referral_id, "review")
    _move(journal, referral, "review_requested")
    await _announce(journal, referral, "review", actor=principal.sub, note=reason)
    await session.commit()
    return referral


async def forward(session, runtime, principal, referral_id: str, *, to_agency: str, reason: str) -> Referral:
    """A receiver that is not competent passes the referral on (Decree 310 Art. 7) and the sender is told."""
    try:
        runtime.registry.agency(to_agency)
    except RegistryError as exc:
        raise InvalidInput(str(exc), field="to_agency") from None
    referral, journal = await _load(session, runtime, principal, referral_id, "forward")
    if to_agency in (referral.to_agency, referral.from_agency):
        raise InvalidInput("forward to another competent agency", field="to_agency")
    referral.forwarded_from = [*referral.forwarded_from, referral.to_agency]
    referral.to_agency = to_agency
    _move(journal, referral, "pending")
    await journal.take_part(referral.case_id, to_agency, "referral")
    await _announce(journal, referral, "forward", actor=principal.sub, note=reason)
    await session.commit()
    return referral


async def report_outcome(session, runtime, principal, referral_id: str, *, summary: str) -> Referral:
    referral, journal = await _load(session, runtime, principal, referral_id, "outcome")
    _move(journal, referral, "completed")
    referral.note = summary
    await _announce(journal, referral, "outcome", actor=principal.sub, note=summary)
    await session.commit()
    return referral
