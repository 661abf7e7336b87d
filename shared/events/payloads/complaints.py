"""Events of the complaints service (topic jointsup.complaints)."""
from datetime import datetime
from typing import Literal

from .common import Overdue, Payload, SubjectRef


class ComplaintReceived(Payload):
    complaint_id: str
    kind: Literal["complaint", "report"]
    channel: str
    category: str
    subject: SubjectRef
    received_at: datetime
    anonymous: bool
    complainant_key: str | None = None  # keyed hash, never the identity itself


class ComplaintRouted(Payload):
    complaint_id: str
    category: str
    region: str
    lead_agency: str
    co_agencies: list[str]
    due_at: datetime
    reason: Literal["intake", "reclassified", "cross_region", "manual"] = "intake"
    handed_over_from: str | None = None


class ComplaintAccepted(Payload):
    complaint_id: str
    lead_agency: str
    decided_by: str
    next_due_at: datetime | None = None


class ComplaintRejected(Payload):
    complaint_id: str
    lead_agency: str
    ground: str
    note: str | None = None
    decided_by: str


class ComplaintForwardedToPlatform(Payload):
    complaint_id: str
    platform: str
    shop_id: str | None = None
    category: str
    due_at: datetime


class ComplaintPlatformResponded(Payload):
    complaint_id: str
    platform: str
    outcome: Literal["resolved", "unresolved"]
    note: str | None = None


class ComplaintMediationConcluded(Payload):
    complaint_id: str
    lead_agency: str
    outcome: Literal["success", "failure", "expired"]
    note: str | None = None


class ComplaintEscalated(Payload):
    complaint_id: str
    kind: Literal["complaint", "report"]
    category: str
    subject: SubjectRef
    lead_agency: str
    reason: str
    escalated_by: str


class ComplaintClosed(Payload):
    complaint_id: str
    lead_agency: str
    outcome: str


class ComplaintClusterAlert(Payload):
    cluster_id: str
    subject: SubjectRef
    category: str
    lead_agency: str
    complaint_ids: list[str]
    window_days: int
    count: int


class ComplaintOverdue(Overdue):
    complaint_id: str


class ComplainantFlagged(Payload):
    complainant_key: str
    reasons: list[str]
    flagged_by: str
    complaints_in_window: int | None = None
    subjects_in_window: int | None = None
