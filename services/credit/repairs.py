"""Credit repair (信用修复, NDRC Order 36): eligibility by severity and period, obligations and a commitment."""
import uuid

from sqlmodel import select

from shared.db import for_update
from shared.events.payloads.credit import CreditRepaired, CreditRepairRequested
from shared.identity import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound

from . import listing, profile
from .context import Credit
from .domain.publicity import Eligibility, repair_eligibility
from .tables import CreditRecord, Repair


def eligibility(credit: Credit, record: CreditRecord, repair: Repair) -> Eligibility:
    return repair_eligibility(credit.rules, severity=record.severity or "minor", decided_on=record.decided_on,
                              today=credit.today, obligations_met=repair.obligations_met,
                              commitment=repair.commitment)


async def request(credit: Credit, principal: Principal, uscc: str, *, record_id: str, reason: str,
                  evidence: list[str], obligations_met: bool, commitment: bool) -> tuple[Repair, Eligibility]:
    record = await credit.session.get(CreditRecord, record_id)
    if record is None or record.uscc != uscc or record.kind != "penalty":
        raise InvalidInput(f"subject {uscc} has no penalty record {record_id}", field="record_id")
    if record.repaired_at is not None or record.revoked_at is not None:
        raise Conflict("the record is already repaired or revoked", status_now="closed", allowed_actions=[])
    repair = Repair(id=str(uuid.uuid4()), uscc=uscc, record_id=record.id, reason=reason, evidence=list(evidence),
                    obligations_met=obligations_met, commitment=commitment, status="requested",
                    created_by=principal.sub, created_at=credit.now)
    credit.session.add(repair)
    await credit.emit("credit.repair_requested", CreditRepairRequested(repair_id=repair.id, uscc=uscc,
                                                                       record_id=record.id), key=uscc)
    await credit.session.commit()
    return repair, eligibility(credit, record, repair)


async def decide(credit: Credit, principal: Principal, repair_id: str, *, decision: str,
                 reason: str) -> tuple[Repair, Eligibility]:
    repair = (await credit.session.exec(for_update(select(Repair).where(Repair.id == repair_id),
                                                   credit.session))).first()
    if repair is None:
        raise NotFound(f"no repair {repair_id}")
    record = await credit.session.get(CreditRecord, repair.record_id)
    if not (principal.agency == record.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {record.agency}, which decided the penalty, decide on its repair")
    if repair.status != "requested":
        raise Conflict(f"the repair was already {repair.status}", status_now=repair.status, allowed_actions=[])
    check = eligibility(credit, record, repair)
    if decision == "approve" and not check.eligible:
        raise Conflict("not eligible for repair: " + "; ".join(check.reasons), status_now=repair.status,
                       allowed_actions=["deny"], eligible_from=check.from_date.isoformat())
    repair.status = "approved" if decision == "approve" else "denied"
    repair.decided_by, repair.decision_reason, repair.decided_at = principal.sub, reason, credit.now
    credit.session.add(repair)
    if decision == "approve":  # publicity ends, the listing resting on it ends, the tier is scored again
        record.repaired_at = credit.now
        credit.session.add(record)
        credit.session.add(CreditRecord(id=str(uuid.uuid4()), subject_kind="market", uscc=repair.uscc,
                                        kind="repair", agency=record.agency, summary=f"repaired {record.id}: {reason}",
                                        decided_on=credit.today, created_at=credit.now))
        await credit.emit("credit.repaired", CreditRepaired(repair_id=repair.id, uscc=repair.uscc,
                                                            record_id=record.id), key=repair.uscc)
        if (active := await listing.active_listing_on(credit, record.id)) is not None:
            await listing.delist(credit, active, reason=f"credit repaired: {reason}")
        else:
            await credit.session.flush()
            await profile.recompute(credit, repair.uscc)
    await credit.session.commit()
    return repair, check
