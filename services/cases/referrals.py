"""Referrals (移送): the sender asks, the receiver accepts, rejects (reviewable once) or forwards, then reports
the outcome; a criminal transfer first waits for the head of agency's approval (Decree 310).

Each use case is keyword-only and typed. Which side may act is decided here, whether the action may run now by
the referral's state machine.
"""
import uuid

from shared.errors import Forbidden, InvalidInput, NotFound
from shared.identity import Principal
from shared.registry import RegistryError

from . import case_files
from .domain.referral import Referral
from .repository import CasesUnitOfWork


async def refer(*, uow: CasesUnitOfWork, by: Principal, case_id: str, to_agency: str, kind: str, reason: str,
                documents: list[str]) -> Referral:
    case = await case_files.load_for(uow, by, case_id, "refer")
    referral = Referral.refer(case, id=str(uuid.uuid4()), to_agency=to_agency, kind=kind, reason=reason,
                              documents=documents, registry=uow.runtime.registry, by=by.sub, at=uow.now,
                              schedule=uow.schedule)
    uow.referrals.add(referral)
    await uow.commit()
    return referral


async def load_for(uow: CasesUnitOfWork, by: Principal, referral_id: str, action: str) -> Referral:
    """The referral, locked, once the caller may read its case (404) and is an officer of the side that acts
    (403). The receiver reads the case only once the referral is transferred (a criminal one: once approved)."""
    referral = await uow.referrals.get(referral_id, lock=True)
    if referral is None or await case_files.visible(uow, by, referral.case_id) is None:
        raise NotFound(f"no referral {referral_id}")
    side, agency = referral.side_of(action)
    if not (by.agency == agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of the {side} ({agency}) may {action} this referral")
    return referral


async def approve(*, uow: CasesUnitOfWork, by: Principal, referral_id: str, note: str | None) -> Referral:
    """The head of agency approves a criminal transfer; it goes to the police at once (within 24 hours)."""
    referral = await load_for(uow, by, referral_id, "approve")
    referral.approve(note=note, by=by.sub, at=uow.now, schedule=uow.schedule)
    await uow.commit()
    return referral


async def accept(*, uow: CasesUnitOfWork, by: Principal, referral_id: str, note: str | None) -> Referral:
    referral = await load_for(uow, by, referral_id, "accept")
    if referral.accept(note=note, by=by.sub, at=uow.now, schedule=uow.schedule):
        case = await case_files.get_visible(uow, by, referral.case_id, lock=True)
        case.hand_over(to_agency=referral.to_agency, at=uow.now)
    await uow.commit()
    return referral


async def reject(*, uow: CasesUnitOfWork, by: Principal, referral_id: str, reason: str) -> Referral:
    referral = await load_for(uow, by, referral_id, "reject")
    referral.reject(reason=reason, by=by.sub, at=uow.now, schedule=uow.schedule)
    await uow.commit()
    return referral


async def review(*, uow: CasesUnitOfWork, by: Principal, referral_id: str, reason: str) -> Referral:
    """The sender asks the receiver to reconsider a refusal (Decree 310 Art. 9 for the police)."""
    referral = await load_for(uow, by, referral_id, "review")
    referral.review(reason=reason, by=by.sub, at=uow.now, schedule=uow.schedule)
    await uow.commit()
    return referral


async def forward(*, uow: CasesUnitOfWork, by: Principal, referral_id: str, to_agency: str,
                  reason: str) -> Referral:
    """A receiver that is not competent passes the referral on (Decree 310 Art. 7) and the sender is told."""
    try:
        uow.runtime.registry.agency(to_agency)
    except RegistryError as exc:
        raise InvalidInput(str(exc), field="to_agency") from None
    referral = await load_for(uow, by, referral_id, "forward")
    referral.forward(to_agency=to_agency, reason=reason, by=by.sub, at=uow.now, schedule=uow.schedule)
    await uow.commit()
    return referral


async def report_outcome(*, uow: CasesUnitOfWork, by: Principal, referral_id: str, summary: str) -> Referral:
    referral = await load_for(uow, by, referral_id, "outcome")
    referral.report_outcome(summary=summary, by=by.sub, at=uow.now, schedule=uow.schedule)
    await uow.commit()
    return referral
