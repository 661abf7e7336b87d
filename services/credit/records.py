"""Credit records: one per decision (from case.decided), per complainant flag, and their revocation."""
import uuid

from shared.events import Event
from shared.events.payloads.cases import CaseDecided
from shared.events.payloads.complaints import ComplainantFlagged
from shared.events.payloads.credit import CreditRecordAdded
from shared.identity import Principal
from shared.errors import Conflict, Forbidden, NotFound

from . import listing, profile
from .context import Credit
from .domain.publicity import publicity_until
from .tables import CreditRecord


async def record_decision(credit: Credit, event: Event, decided: CaseDecided) -> CreditRecord | None:
    """A penalty or other decision on a market subject becomes a record; a severe one a listing proposal."""
    uscc = decided.subject.uscc
    if not uscc:
        return None  # a shop without a USCC has no credit file
    record = CreditRecord(
        id=str(uuid.uuid4()), subject_kind="market", uscc=uscc, kind="penalty", severity=decided.severity,
        source_event_id=event.id, agency=decided.agency, case_id=decided.case_id, category=decided.category,
        outcome=decided.outcome, measures=list(decided.measures), fine_amount=decided.fine_amount,
        legal_basis=decided.legal_basis, subjective_intent=decided.subjective_intent,
        decided_on=decided.decided_on, created_at=credit.now,
        publicity_until=(publicity_until(credit.rules, decided.severity, decided.decided_on)
                         if decided.outcome == "penalty" else None))
    credit.session.add(record)
    await credit.session.flush()
    await credit.emit("credit.record_added", CreditRecordAdded(record_id=record.id, uscc=uscc, kind=record.kind,
                                                               severity=record.severity,
                                                               source_event_id=event.id), key=uscc)
    await profile.recompute(credit, uscc, name=decided.subject.name, region=decided.subject.region)
    if reasons := listing.auto_proposal_reasons(credit, record):
        await listing.propose(credit, record, reasons=reasons, source="auto", actor="system")
    return record


async def record_complainant_flag(credit: Credit, event: Event, flagged: ComplainantFlagged) -> None:
    """Complainant credit, kept apart from market subjects and known only by the keyed hash."""
    credit.session.add(CreditRecord(id=str(uuid.uuid4()), subject_kind="complainant",
                                    complainant_key=flagged.complainant_key, kind="complainant_flag",
                                    source_event_id=event.id, summary="; ".join(flagged.reasons),
                                    decided_on=credit.today, created_at=credit.now))


async def revoke(credit: Credit, principal: Principal, record_id: str, *, reason: str) -> CreditRecord:
    """A penalty revoked (review, litigation): publicity stops and its listing ends at once (Order 44 Art. 19)."""
    record = await credit.session.get(CreditRecord, record_id)
    if record is None or record.subject_kind != "market":
        raise NotFound(f"no record {record_id}")
    if not (principal.agency == record.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {record.agency}, which decided it, report a revocation")
    if record.revoked_at is not None:
        raise Conflict("the record is already revoked", status_now="revoked", allowed_actions=[])
    record.revoked_at, record.summary = credit.now, f"revoked: {reason}"
    credit.session.add(record)
    if (active := await listing.active_listing_on(credit, record.id)) is not None:
        await listing.delist(credit, active, reason=f"penalty revoked: {reason}")
    else:
        await profile.recompute(credit, record.uscc)
    await credit.session.commit()
    return record
