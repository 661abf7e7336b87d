"""Events of the credit service (topic jointsup.credit)."""
from datetime import date, datetime

from .common import Overdue, Payload


class CreditRecordAdded(Payload):
    record_id: str
    uscc: str
    kind: str
    severity: str | None = None
    source_event_id: str | None = None


class CreditTierChanged(Payload):
    uscc: str
    from_tier: str | None
    to_tier: str
    score: float


class CreditListingProposed(Payload):
    proposal_id: str
    uscc: str
    reasons: list[str]
    hearing_due_at: datetime


class CreditListed(Payload):
    listing_id: str
    uscc: str
    basis: str
    listed_on: date
    removal_request_from: date
    remove_by: date


class CreditDelisted(Payload):
    listing_id: str
    uscc: str
    reason: str


class SanctionItem(Payload):
    sanction_id: str
    agency: str
    measure: str
    basis: str


class CreditSanctionsImposed(Payload):
    uscc: str
    listing_id: str
    sanctions: list[SanctionItem]


class CreditSanctionExecuted(Payload):
    sanction_id: str
    uscc: str
    agency: str
    measure: str
    note: str | None = None


class CreditSanctionOverdue(Overdue):
    sanction_id: str
    uscc: str
    measure: str


class CreditRepairRequested(Payload):
    repair_id: str
    uscc: str
    record_id: str


class CreditRepaired(Payload):
    repair_id: str
    uscc: str
    record_id: str


class CreditObservation(Payload):
    observation_id: str
    uscc: str | None = None
    business_tag: str | None = None
    starts_on: date
    ends_on: date
    reason: str


class InspectionDrawPublished(Payload):
    draw_id: str
    seed: str
    drawn: int
    population: int
