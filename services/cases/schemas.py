"""API models of the cases service (never the table classes)."""
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from shared.bodies import Body
from shared.bounded import bounded
from shared.dates import Day
from shared.events.payloads.cases import ReferralKind
from shared.subjects import Subject


class ClueCreate(Body):
    source: Literal["monitoring", "platform_report", "agency"]
    source_ref: str = Field(min_length=1, max_length=64, description="the caller's own id; repeats are idempotent")
    subject: Subject
    category: str = Field(min_length=1, max_length=64)
    agency: str | None = Field(None, max_length=32, description="who verifies it; routed by category when absent")
    summary: str = Field(min_length=1, max_length=5000)
    complaint_ids: Annotated[list[str], bounded(items=500, chars=64, depth=1, size=40_000)] = Field(
        default_factory=list)


class Verification(Body):
    decision: Literal["file", "dismiss"]
    reason: str | None = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _dismissal_needs_a_reason(self) -> "Verification":
        if self.decision == "dismiss" and not self.reason:
            raise ValueError("a dismissal needs its reason (e.g. minor and corrected, first violation, no fault)")
        return self


class Summary(Body):
    summary: str = Field(min_length=1, max_length=5000)


class ReferralCreate(Body):
    to_agency: str = Field(min_length=1, max_length=32)
    kind: ReferralKind
    reason: str = Field(min_length=1, max_length=2000)
    documents: Annotated[list[str], bounded(items=50, chars=200, depth=1)] = Field(
        default_factory=list, description="for criminal: transfer_letter, investigation_report, "
                                          "seized_items_list, test_or_appraisal_reports (+ others)")


class ReferralForward(Body):
    to_agency: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=2000)


class AssistCreate(Body):
    to_agency: str = Field(min_length=1, max_length=32)
    request: str = Field(min_length=1, max_length=2000)


class Findings(Body):
    findings: str = Field(min_length=1, max_length=20000)


class TaskIn(Body):
    agency: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=500)


class JointActionCreate(Body):
    participants: Annotated[list[str], bounded(items=30, chars=32, depth=1)] = Field(min_length=1)
    tasks: list[TaskIn] = Field(min_length=1, max_length=200)


class TaskResult(Body):
    result: str | None = Field(None, max_length=2000)


class ConsultationCreate(Body):
    held_on: Day
    attendees: Annotated[list[str], bounded(items=100, chars=200, depth=1)] = Field(min_length=1)
    conclusions: str = Field(min_length=1, max_length=20000)


class DecisionIn(Body):
    outcome: Literal["penalty", "no_penalty", "soft_measure"]
    measures: Annotated[list[str], bounded(items=20, chars=64, depth=1)] = Field(default_factory=list)
    fine_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    legal_basis: str | None = Field(None, max_length=500)
    ground: str | None = Field(None, max_length=32, description="for no_penalty")
    subjective_intent: bool | None = Field(None, description="Order 44 Art. 12: no listing without it")


class SubjectOut(BaseModel):
    uscc: str | None
    name: str | None
    platform: str | None
    shop_id: str | None
    region: str


class ClueOut(BaseModel):
    id: str
    source: str
    source_ref: str
    subject: SubjectOut
    category: str
    agency: str
    summary: str
    complaint_ids: list[str]
    status: str
    due_at: datetime | None
    extended: bool
    reason: str | None
    case_id: str | None
    joined_existing_case: bool
    created_at: datetime
    allowed_actions: list[str]


class CaseOut(BaseModel):
    id: str
    subject: SubjectOut
    category: str
    agency: str
    participants: dict[str, str] = Field(description="agency → owner, joined, referral, assist, joint_action, sender")
    status: str
    filed_at: datetime
    due_at: datetime | None
    extended: bool
    complaint_ids: list[str]
    clue_ids: list[str]
    outcome: str | None
    measures: list[str]
    severity: str | None
    fine_amount: Decimal | None
    legal_basis: str | None
    ground: str | None
    decided_on: date | None
    closed_at: datetime | None
    advice: list[str] = Field(description="首违不罚 / 观察期: what the officer should weigh before deciding")
    allowed_actions: list[str]


class ReferralOut(BaseModel):
    id: str
    case_id: str
    kind: str
    from_agency: str
    to_agency: str
    reason: str
    documents: list[str]
    status: str
    due_at: datetime | None
    note: str | None
    forwarded_from: list[str]
    allowed_actions: list[str]


class AssistOut(BaseModel):
    id: str
    case_id: str
    from_agency: str
    to_agency: str
    request: str
    status: str
    due_at: datetime | None
    findings: str | None


class TaskOut(BaseModel):
    id: str
    agency: str
    title: str
    done: bool
    completed_at: datetime | None
    result: str | None


class JointActionOut(BaseModel):
    id: str
    case_id: str
    lead_agency: str
    participants: list[str]
    status: str
    tasks: list[TaskOut]


class ConsultationOut(BaseModel):
    id: str
    action_id: str
    held_on: date
    attendees: list[str]
    conclusions: str


class WorkItem(BaseModel):
    kind: Literal["clue", "referral", "assist", "task", "case"]
    id: str
    case_id: str | None
    action: str = Field(description="what the agency is to do")
    due_at: datetime | None
    overdue: bool
    agency: str
