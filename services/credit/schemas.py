"""API models of the credit service (never the table classes)."""
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from shared.bodies import Body
from shared.bounded import bounded
from shared.dates import Day

Tier = Literal["A", "B", "C", "D"]


class ProposalIn(Body):
    record_id: str = Field(min_length=1, max_length=36)
    reasons: Annotated[list[Annotated[str, Field(min_length=1)]], bounded(items=20, chars=500, depth=1)] = Field(
        min_length=1)


class Decision(Body):
    decision: Literal["list", "drop"]
    reason: str = Field(min_length=1, max_length=2000)


class RepairIn(Body):
    record_id: str = Field(min_length=1, max_length=36)
    reason: str = Field(min_length=1, max_length=2000)
    evidence: Annotated[list[str], bounded(items=50, chars=500, depth=1)] = Field(default_factory=list)
    obligations_met: bool
    commitment: bool = Field(description="a public credit commitment (信用承诺) was made")


class RepairDecision(Body):
    decision: Literal["approve", "deny"]
    reason: str = Field(min_length=1, max_length=2000)


class ObservationIn(Body):
    uscc: str | None = Field(None, max_length=32)
    business_tag: str | None = Field(None, max_length=64, pattern=r"^[a-z0-9_\-]+$")
    starts_on: Day
    ends_on: Day
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_target_and_a_period(self) -> "ObservationIn":
        if bool(self.uscc) == bool(self.business_tag):
            raise ValueError("give either uscc or business_tag")
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class DrawIn(Body):
    seed: str = Field(min_length=1, max_length=128)
    region: str | None = Field(None, pattern=r"^\d{6}$")
    category: str | None = Field(None, max_length=64)
    shares: dict[Tier, float] | None = Field(None, description="per-tier share 0..1; defaults from the rules")
    inspectors: Annotated[list[str], bounded(items=2000, chars=64, depth=1, size=150_000)] = Field(min_length=1)
    conflicts: Annotated[dict[str, list[str]], bounded(keys=2000, items=100, chars=64, depth=2, size=250_000)] = Field(
        default_factory=dict, description="USCC → inspectors who may not go (kept from the public view)")
    inspectors_per_subject: int = Field(2, ge=1, le=10)

    @model_validator(mode="after")
    def _shares_are_fractions(self) -> "DrawIn":
        if any(not 0 <= v <= 1 for v in (self.shares or {}).values()):
            raise ValueError("shares are fractions between 0 and 1")
        return self


class RecordOut(BaseModel):
    id: str
    kind: str
    severity: str | None
    agency: str | None
    case_id: str | None
    category: str | None
    outcome: str | None
    measures: list[str]
    fine_amount: Decimal | None
    legal_basis: str | None
    summary: str | None
    decided_on: date | None
    publicity_until: date | None
    repaired_at: datetime | None
    revoked_at: datetime | None


class ListingOut(BaseModel):
    id: str
    status: str
    basis: str
    listed_on: date
    removal_request_from: date
    remove_by: date
    removed_at: datetime | None
    removal_reason: str | None


class SanctionOut(BaseModel):
    id: str
    listing_id: str
    measure: str
    agency: str
    basis: str
    status: str
    due_at: datetime | None
    executed_at: datetime | None
    note: str | None


class ProposalOut(BaseModel):
    id: str
    uscc: str
    record_id: str
    agency: str
    reasons: list[str]
    source: str
    status: str
    hearing_due_at: datetime
    decision_reason: str | None


class RepairOut(BaseModel):
    id: str
    uscc: str
    record_id: str
    status: str
    decision_reason: str | None
    eligible: bool
    eligible_from: date
    ineligible_because: list[str]


class ObservationOut(BaseModel):
    id: str
    uscc: str | None
    business_tag: str | None
    starts_on: date
    ends_on: date
    reason: str


class ProfileOut(BaseModel):
    uscc: str
    name: str | None
    region: str | None
    tier: Tier
    score: float
    explanation: dict = Field(description="base + Σ factor contributions = score; each factor lists its records")
    records: list[RecordOut]
    listings: list[ListingOut]
    sanctions: list[SanctionOut] = Field(description="active sanctions")
    observations: list[ObservationOut] = Field(description="observation periods covering today")
    proposals: list[ProposalOut]


class DrawOut(BaseModel):
    """A draw as the agencies serving its region see it, the inspectors' conflicts included."""

    id: str
    seed: str
    inputs: dict
    population: int
    drawn: list[dict]
    method: str
    created_at: datetime


class PublicDrawOut(DrawOut):
    """A draw as it is published (一公开): subjects drawn, inspectors sent, seed, rules and the pool; not which
    inspector is conflicted with which subject."""

    inputs: dict = Field(description="region, category, shares, inspectors, per_subject; the conflicts are not public")
