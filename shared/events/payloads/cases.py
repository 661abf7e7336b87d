"""Events of the cases service (topic jointsup.cases)."""
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from .common import Overdue, Payload, SubjectRef

ReferralKind = Literal["jurisdiction", "function", "criminal", "takedown", "cross_region", "upward", "downward"]


class ClueRegistered(Payload):
    clue_id: str
    source: str
    subject: SubjectRef
    category: str
    agency: str
    complaint_ids: list[str] = []
    due_at: datetime


class ClueVerified(Payload):
    clue_id: str
    decision: Literal["file", "dismiss"]
    reason: str | None = None
    case_id: str | None = None
    joined_existing_case: bool = False
    complaint_ids: list[str] = []  # the complaints the clue came from, so they can close the loop
    # Where the clue came from (as registered): complaints applies the outcome only to complaints it handed over
    # as that source. A cluster's clue has the cluster id as its reference, or `<cluster_id>:<count>` for a
    # new clue on a cluster whose first clue was dismissed.
    source: str | None = None
    source_ref: str | None = None


class CaseFiled(Payload):
    case_id: str
    clue_id: str | None = None
    agency: str
    subject: SubjectRef
    category: str
    complaint_ids: list[str] = []
    due_at: datetime
    clue_source: str | None = None  # the clue's source and reference, as in clue.verified
    clue_source_ref: str | None = None


class CaseReferred(Payload):
    referral_id: str
    case_id: str
    kind: ReferralKind
    from_agency: str
    to_agency: str
    reason: str
    due_at: datetime


class ReferralStep(Payload):
    referral_id: str
    case_id: str
    from_agency: str
    to_agency: str
    note: str | None = None


class ReferralOverdue(Overdue):
    referral_id: str
    case_id: str
    from_agency: str
    to_agency: str


class ClueOverdue(Overdue):
    clue_id: str


class AssistOverdue(Overdue):
    assist_id: str
    case_id: str
    from_agency: str
    to_agency: str


class AssistRequested(Payload):
    assist_id: str
    case_id: str
    from_agency: str
    to_agency: str
    due_at: datetime


class AssistResponded(Payload):
    assist_id: str
    case_id: str
    from_agency: str
    to_agency: str


class JointActionTask(Payload):
    task_id: str
    agency: str
    title: str


class JointActionStarted(Payload):
    action_id: str
    case_id: str
    lead_agency: str
    participants: list[str]
    tasks: list[JointActionTask]


class JointActionTaskCompleted(Payload):
    action_id: str
    case_id: str
    task_id: str
    agency: str


class JointActionCompleted(Payload):
    action_id: str
    case_id: str
    lead_agency: str
    participants: list[str]


class CaseDecided(Payload):
    case_id: str
    agency: str
    subject: SubjectRef
    category: str
    outcome: Literal["penalty", "no_penalty", "soft_measure"]
    measures: list[str]
    severity: Literal["minor", "general", "serious"]
    fine_amount: Decimal | None = None
    legal_basis: str | None = None
    subjective_intent: bool | None = None
    decided_on: date


class CaseClosed(Payload):
    case_id: str
    agency: str
    complaint_ids: list[str] = []
    clue_ids: list[str] = []
    outcome: str


class CaseOverdue(Overdue):
    case_id: str
