"""A credit record (信用记录): a decision on a market subject, a complainant's flag, or a note of what happened to
a listing or a repair. A penalty may be revoked once, or repaired once; what else a record holds never changes."""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shared.domain import Aggregate
from shared.errors import Conflict
from shared.events.payloads.cases import CaseDecided
from shared.events.payloads.credit import CreditRecordAdded

from .publicity import publicity_until
from .rules import CreditRules


@dataclass(kw_only=True, eq=False)
class Record(Aggregate):
    id: str
    subject_kind: str  # market | complainant
    uscc: str | None = None
    complainant_key: str | None = None
    kind: str  # penalty | listing | delisting | repair | complainant_flag
    severity: str | None = None
    source_event_id: str | None = None
    agency: str | None = None
    case_id: str | None = None
    category: str | None = None
    outcome: str | None = None
    measures: list[str] = field(default_factory=list)
    fine_amount: Decimal | None = None
    legal_basis: str | None = None
    subjective_intent: bool | None = None
    summary: str | None = None
    decided_on: date | None = None
    publicity_until: date | None = None
    repaired_at: datetime | None = None
    revoked_at: datetime | None = None
    created_at: datetime

    @classmethod
    def of_decision(cls, *, decided: CaseDecided, event_id: str, rules: CreditRules, at: datetime) -> "Record":
        """A decision on a subject with a USCC (credit.record_added); a penalty is public for its severity's
        period."""
        record = cls(id=str(uuid.uuid4()), subject_kind="market", uscc=decided.subject.uscc, kind="penalty",
                     severity=decided.severity, source_event_id=event_id, agency=decided.agency,
                     case_id=decided.case_id, category=decided.category, outcome=decided.outcome,
                     measures=list(decided.measures), fine_amount=decided.fine_amount,
                     legal_basis=decided.legal_basis, subjective_intent=decided.subjective_intent,
                     decided_on=decided.decided_on, created_at=at,
                     publicity_until=(publicity_until(rules, decided.severity, decided.decided_on)
                                      if decided.outcome == "penalty" else None))
        record.record("credit.record_added", CreditRecordAdded(
            record_id=record.id, uscc=record.uscc, kind=record.kind, severity=record.severity,
            source_event_id=event_id), subject=record.uscc)
        return record

    @classmethod
    def of_complainant_flag(cls, *, complainant_key: str, reasons: list[str], event_id: str, at: datetime,
                            today: date) -> "Record":
        """Complainant credit, kept apart from market subjects and known only by the keyed hash."""
        return cls(id=str(uuid.uuid4()), subject_kind="complainant", complainant_key=complainant_key,
                   kind="complainant_flag", source_event_id=event_id, summary="; ".join(reasons), decided_on=today,
                   created_at=at)

    @classmethod
    def note(cls, *, kind: str, uscc: str, summary: str, at: datetime, today: date,
             agency: str | None = None) -> "Record":
        """What happened to the subject's credit: a listing, a delisting, a repair."""
        return cls(id=str(uuid.uuid4()), subject_kind="market", uscc=uscc, kind=kind, agency=agency,
                   summary=summary, decided_on=today, created_at=at)

    def listing_reasons(self, rules: CreditRules) -> list[str] | None:
        """Order 44 Art. 2 as data: a decision of a listed severity, unless no subjective intent is recorded."""
        if self.outcome != "penalty" or self.severity not in rules.listing_severities:
            return None
        if self.subjective_intent is False:
            return None
        return [f"a {self.severity} violation with a heavier penalty ({', '.join(self.measures)}), "
                f"{self.legal_basis or 'basis on the decision'}"]

    def require_open(self) -> None:
        """A repaired or revoked penalty takes no repair."""
        if self.repaired_at is not None or self.revoked_at is not None:
            raise Conflict("the record is already repaired or revoked", status_now="closed", allowed_actions=[])

    def revoke(self, *, reason: str, at: datetime) -> None:
        """The penalty was revoked (review, litigation): its publicity stops (Order 44 Art. 19)."""
        if self.revoked_at is not None:
            raise Conflict("the record is already revoked", status_now="revoked", allowed_actions=[])
        self.revoked_at, self.summary = at, f"revoked: {reason}"

    def repaired(self, *, at: datetime) -> None:
        self.repaired_at = at
