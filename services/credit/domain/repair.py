"""Credit repair (信用修复, NDRC Order 36): requested for a penalty, then approved once eligible or denied; an
approved repair ends the penalty's publicity."""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput
from shared.events.payloads.credit import CreditRepaired, CreditRepairRequested

from .publicity import Eligibility, repair_eligibility
from .record import Record
from .rules import CreditRules


@dataclass(kw_only=True, eq=False)
class Repair(Aggregate):
    id: str
    uscc: str
    record_id: str
    reason: str
    evidence: list[str] = field(default_factory=list)
    obligations_met: bool
    commitment: bool
    status: str  # requested | approved | denied
    decided_by: str | None = None
    decision_reason: str | None = None
    created_by: str
    created_at: datetime
    decided_at: datetime | None = None

    @classmethod
    def request(cls, *, uscc: str, record: Record | None, record_id: str, reason: str, evidence: list[str],
                obligations_met: bool, commitment: bool, by: str, at: datetime) -> "Repair":
        """A repair of one of the subject's penalties not yet repaired or revoked (credit.repair_requested)."""
        if record is None or record.uscc != uscc or record.kind != "penalty":
            raise InvalidInput(f"subject {uscc} has no penalty record {record_id}", field="record_id")
        record.require_open()
        repair = cls(id=str(uuid.uuid4()), uscc=uscc, record_id=record.id, reason=reason, evidence=list(evidence),
                     obligations_met=obligations_met, commitment=commitment, status="requested", created_by=by,
                     created_at=at)
        repair.record("credit.repair_requested", CreditRepairRequested(repair_id=repair.id, uscc=uscc,
                                                                       record_id=record.id), subject=uscc)
        return repair

    def eligibility(self, record: Record, *, rules: CreditRules, today: date) -> Eligibility:
        return repair_eligibility(rules, severity=record.severity or "minor", decided_on=record.decided_on,
                                  today=today, obligations_met=self.obligations_met, commitment=self.commitment)

    def decide(self, *, decision: str, reason: str, record: Record, rules: CreditRules, by: str, at: datetime,
               today: date) -> Eligibility:
        """`approve` only when eligible, which repairs the record (credit.repaired); `deny` any time; once."""
        if self.status != "requested":
            raise Conflict(f"the repair was already {self.status}", status_now=self.status, allowed_actions=[])
        check = self.eligibility(record, rules=rules, today=today)
        if decision == "approve" and not check.eligible:
            raise Conflict("not eligible for repair: " + "; ".join(check.reasons), status_now=self.status,
                           allowed_actions=["deny"], eligible_from=check.from_date.isoformat())
        self.status = "approved" if decision == "approve" else "denied"
        self.decided_by, self.decision_reason, self.decided_at = by, reason, at
        if decision == "approve":
            record.repaired(at=at)
            self.record("credit.repaired", CreditRepaired(repair_id=self.id, uscc=self.uscc, record_id=record.id),
                        subject=self.uscc)
        return check
