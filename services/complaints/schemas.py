"""API models of the complaints service (never the table classes)."""
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.bodies import Body
from shared.dates import Instant
from shared.timeline import TimelineStep
from shared.subjects import Subject

Kind = Literal["complaint", "report"]
Channel = Literal["hotline_12345", "hotline_12315", "web", "platform", "agency"]
Status = Literal["received", "held", "forwarded", "mediating", "mediation_failed", "verifying", "escalated",
                 "case_filed", "rejected", "closed"]
DESCRIPTION_MAX = 5000


class Complainant(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9\- ]{4,19}$")
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    id_number: str | None = Field(None, pattern=r"^[0-9A-Za-z]{6,32}$")


class ComplainantShown(BaseModel):
    """The complainant as a response shows them: in full to whoever handles the complaint, else masked
    ("王*", "137****0007"), so the input's patterns do not hold here."""
    name: str | None
    phone: str | None
    email: str | None
    id_number: str | None


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    channel: Channel
    external_ref: str = Field(min_length=1, max_length=128, description="the channel's own id; repeats are idempotent")
    complainant: Complainant | None = Field(None, description="optional for anonymous reports")
    subject: Subject
    category: str | None = Field(None, max_length=64, description="classified from the text when absent")
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    occurred_at: Instant | None = None

    @model_validator(mode="after")
    def _complaints_name_the_complainant(self) -> "ComplaintCreate":
        # Art. 9: a complaint needs the complainant's name and contact; a report may be anonymous.
        if self.kind == "complaint" and not (self.complainant and self.complainant.name and self.complainant.phone):
            raise ValueError("a complaint needs complainant.name and complainant.phone (reports may be anonymous)")
        return self


class SubjectPublic(BaseModel):
    uscc: str | None
    name: str | None
    platform: str | None
    shop_id: str | None
    region: str


class ComplaintPublic(BaseModel):
    id: str
    kind: Kind
    channel: Channel
    external_ref: str
    status: str
    category: str
    category_source: Literal["given", "classified", "default", "officer"]
    category_terms: list[str] = Field(description="the keywords that decided a classified category")
    subject: SubjectPublic
    description: str
    amount: Decimal | None
    occurred_at: datetime | None
    complainant: ComplainantShown | None = Field(description="masked unless the caller handles the complaint")
    lead_agency: str
    co_agencies: list[str]
    handed_over_from: str | None = Field(description="the agency of the intake's city, when the subject is elsewhere")
    forwarded_platform: str | None
    received_at: datetime
    updated_at: datetime
    due_at: datetime | None = Field(description="when the open step is due (working days); none when no step is")
    outcome: str | None
    case_id: str | None
    closed_at: datetime | None
    allowed_actions: list[str] = Field(description="what may be done now (the state machine)")


class ComplaintPage(BaseModel):
    items: list[ComplaintPublic]
    page: int
    size: int
    total: int


class ComplaintFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    category: str | None = Field(None, max_length=64)
    kind: Kind | None = None
    subject: str | None = Field(None, max_length=128, description="USCC or shop id")
    platform: str | None = Field(None, max_length=64)
    agency: str | None = Field(None, max_length=32, description="lead or co-handling agency")
    received_from: Instant | None = None
    received_to: Instant | None = None
    page: int = Field(1, ge=1, le=1_000_000)
    size: int = Field(50, ge=1, le=500)


class Timeline(BaseModel):
    complaint_id: str
    status: str
    due_at: datetime | None
    allowed_actions: list[str]
    steps: list[TimelineStep]


class Grounds(Body):
    code: str = Field(max_length=64, description="a statutory ground; see GET /v1/rejection-grounds")
    note: str | None = Field(None, max_length=2000)


class AcceptanceDecision(Body):
    decision: Literal["accept", "reject"]
    grounds: Grounds | None = Field(None, description="required to reject: a ground code and free text")

    @field_validator("grounds", mode="before")
    @classmethod
    def _code_alone(cls, value):
        return {"code": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _reject_needs_grounds(self) -> "AcceptanceDecision":
        if self.decision == "reject" and self.grounds is None:
            raise ValueError("a rejection needs grounds: {code, note}")
        return self


class ForwardRequest(Body):
    platform: str = Field(min_length=1, max_length=64)


class PlatformResponse(Body):
    outcome: Literal["resolved", "unresolved"]
    note: str | None = Field(None, max_length=2000)


class MediationResult(Body):
    outcome: Literal["success", "failure"]
    note: str | None = Field(None, max_length=2000)


class CloseRequest(Body):
    outcome: str | None = Field(None, min_length=1, max_length=48, pattern=r"^[a-z_]+$")
    reason: str | None = Field(None, max_length=2000, description="required for reports: told to the reporter")


class Reclassification(Body):
    category: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class FlagPublic(BaseModel):
    id: str
    complainant_key: str
    active: bool
    complaint_id: str | None = Field(None, description="the complaint it was raised on")
    agency: str | None = Field(None, description="that complaint's lead agency, which reviews the flag")
    region: str | None = Field(None, description="that complaint's subject region, whose lead office reviews it")
    reasons: list[str]
    source: str
    complaints_in_window: int | None
    subjects_in_window: int | None
    flagged_by: str
    flagged_at: datetime
    cleared_by: str | None
    cleared_at: datetime | None
    clear_reason: str | None
