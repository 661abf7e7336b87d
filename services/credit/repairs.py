"""Credit repair (信用修复, NDRC Order 36): who may ask and decide; eligibility and the state are the repair's."""
from shared.errors import Forbidden, NotFound
from shared.identity import Principal

from . import listing, profile
from .domain.publicity import Eligibility
from .domain.record import Record
from .domain.repair import Repair
from .repository import CreditUnitOfWork


async def request(*, uow: CreditUnitOfWork, by: Principal, uscc: str, record_id: str, reason: str,
                  evidence: list[str], obligations_met: bool, commitment: bool) -> tuple[Repair, Eligibility]:
    record = await uow.records.get(record_id)
    repair = uow.repairs.add(Repair.request(uscc=uscc, record=record, record_id=record_id, reason=reason,
                                            evidence=evidence, obligations_met=obligations_met,
                                            commitment=commitment, by=by.sub, at=uow.now))
    await uow.commit()
    return repair, repair.eligibility(record, rules=uow.rules, today=uow.today)


async def decide(*, uow: CreditUnitOfWork, by: Principal, repair_id: str, decision: str,
                 reason: str) -> tuple[Repair, Eligibility]:
    repair = await uow.repairs.get(repair_id, lock=True)
    if repair is None:
        raise NotFound(f"no repair {repair_id}")
    record = await uow.records.get(repair.record_id)
    if not (by.agency == record.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {record.agency}, which decided the penalty, decide on its repair")
    check = repair.decide(decision=decision, reason=reason, record=record, rules=uow.rules, by=by.sub, at=uow.now,
                          today=uow.today)
    if repair.status == "approved":  # publicity ends, the listing resting on it ends, the tier is scored again
        uow.records.add(Record.note(kind="repair", uscc=repair.uscc, agency=record.agency,
                                    summary=f"repaired {record.id}: {reason}", at=uow.now, today=uow.today))
        if (active := await uow.listings.active_on(record.id)) is not None:
            await listing.delist(uow=uow, listing=active, reason=f"credit repaired: {reason}")
        else:
            await profile.recompute(uow, repair.uscc)
    await uow.commit()
    return repair, check
