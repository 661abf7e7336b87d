"""Credit records: one per decision (from case.decided), per complainant flag, and their revocation."""
from shared.errors import Forbidden, NotFound
from shared.events.payloads.cases import CaseDecided
from shared.events.payloads.complaints import ComplainantFlagged
from shared.identity import Principal

from . import listing, profile
from .domain.record import Record
from .repository import CreditUnitOfWork


async def record_decision(*, uow: CreditUnitOfWork, event_id: str, decided: CaseDecided) -> Record | None:
    """A penalty or other decision on a market subject becomes a record; a severe one a listing proposal."""
    if not decided.subject.uscc:
        return None  # a shop without a USCC has no credit file
    record = uow.records.add(Record.of_decision(decided=decided, event_id=event_id, rules=uow.rules, at=uow.now))
    await profile.recompute(uow, record.uscc, name=decided.subject.name, region=decided.subject.region)
    if reasons := record.listing_reasons(uow.rules):
        await listing.propose(uow=uow, record=record, reasons=reasons, source="auto", by="system")
    return record


def record_complainant_flag(*, uow: CreditUnitOfWork, event_id: str, flagged: ComplainantFlagged) -> Record:
    """Complainant credit, kept apart from market subjects and known only by the keyed hash."""
    return uow.records.add(Record.of_complainant_flag(complainant_key=flagged.complainant_key,
                                                      reasons=flagged.reasons, event_id=event_id, at=uow.now,
                                                      today=uow.today))


async def revoke(*, uow: CreditUnitOfWork, by: Principal, record_id: str, reason: str) -> Record:
    """A penalty revoked (review, litigation): publicity stops and its listing ends at once (Order 44 Art. 19)."""
    record = await uow.records.get(record_id)
    if record is None or record.subject_kind != "market":
        raise NotFound(f"no record {record_id}")
    if not (by.agency == record.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {record.agency}, which decided it, report a revocation")
    record.revoke(reason=reason, at=uow.now)
    if (active := await uow.listings.active_on(record.id)) is not None:
        await listing.delist(uow=uow, listing=active, reason=f"penalty revoked: {reason}")
    else:
        await profile.recompute(uow, record.uscc)
    await uow.commit()
    return record
