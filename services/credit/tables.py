"""Credit tables (SQLModel, table=True only)."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.messaging import define_messaging_tables
from shared.sqltypes import UtcDateTime


class Base(SQLModel, registry=registry()):
    pass


metadata = Base.metadata
messaging = define_messaging_tables(metadata)


def _json(default=list):
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False,
                                                           server_default="[]" if default is list else "{}"))


class SubjectComplaint(Base, table=True):
    """Complaints seen per market subject: an input of the risk score."""

    __tablename__ = "subject_complaint"

    complaint_id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18, index=True)
    category: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UtcDateTime)


class SubjectCluster(Base, table=True):
    """Complaint clusters (打早打小) per subject, from complaint.cluster_alert."""

    __tablename__ = "subject_cluster"

    cluster_id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18, index=True)
    count: int
    alerted_at: datetime = Field(sa_type=UtcDateTime)


class SubjectCase(Base, table=True):
    """Cases per subject (open or closed), from case.filed / case.closed."""

    __tablename__ = "subject_case"

    case_id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18, index=True)
    open: bool = True


class Subject(Base, table=True):
    """A market subject's current score and tier, with the explanation that adds up to it."""

    uscc: str = Field(primary_key=True, max_length=18)
    name: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=6, index=True)
    score: float = 100.0
    tier: str = Field(default="A", max_length=1, index=True)
    explanation: dict = _json(dict)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class CreditRecord(Base, table=True):
    __tablename__ = "credit_record"

    id: str = Field(primary_key=True, max_length=36)
    subject_kind: str = Field(max_length=12)  # market | complainant
    uscc: str | None = Field(default=None, max_length=18, index=True)
    complainant_key: str | None = Field(default=None, max_length=64, index=True)
    kind: str = Field(max_length=16)  # penalty | listing | delisting | repair | complainant_flag
    severity: str | None = Field(default=None, max_length=8)
    source_event_id: str | None = Field(default=None, max_length=64, unique=True)
    agency: str | None = Field(default=None, max_length=32)
    case_id: str | None = Field(default=None, max_length=36)
    category: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=16)
    measures: list[str] = _json()
    fine_amount: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    legal_basis: str | None = Field(default=None, max_length=500)
    subjective_intent: bool | None = None
    summary: str | None = Field(default=None, sa_type=Text)  # a listing's: every reason and the decision's
    decided_on: date | None = None
    publicity_until: date | None = None
    repaired_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)


class ListingProposal(Base, table=True):
    __tablename__ = "listing_proposal"

    id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18, index=True)
    record_id: str = Field(foreign_key="credit_record.id", max_length=36)
    agency: str = Field(max_length=32, index=True)  # decides
    reasons: list[str] = _json()
    source: str = Field(max_length=8)  # auto | officer
    status: str = Field(max_length=12, index=True)  # noticed | listed | dropped
    hearing_due_at: datetime = Field(sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=128)
    decision_reason: str | None = Field(default=None, max_length=2000)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)


class Listing(Base, table=True):
    __table_args__ = (Index("ix_listing_uscc_status", "uscc", "status"),)

    id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18)
    proposal_id: str = Field(foreign_key="listing_proposal.id", max_length=36)
    record_id: str = Field(foreign_key="credit_record.id", max_length=36)
    basis: str = Field(sa_type=Text)  # the proposal's reasons and the decision's, joined
    status: str = Field(max_length=8)  # active | removed
    listed_on: date
    removal_request_from: date
    remove_by: date = Field(index=True)
    removed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    removal_reason: str | None = Field(default=None, max_length=2000)


class Sanction(Base, table=True):
    __table_args__ = (Index("ix_sanction_check", "uscc", "measure", "status"),)

    id: str = Field(primary_key=True, max_length=36)
    listing_id: str = Field(foreign_key="listing.id", max_length=36, index=True)
    uscc: str = Field(max_length=18)
    measure: str = Field(max_length=48)
    agency: str = Field(max_length=32, index=True)
    basis: str = Field(max_length=500)
    status: str = Field(max_length=10)  # imposed | executed | lifted
    due_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    overdue_for: datetime | None = Field(default=None, sa_type=UtcDateTime)
    executed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    executed_by: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, max_length=2000)
    lifted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Repair(Base, table=True):
    id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18, index=True)
    record_id: str = Field(foreign_key="credit_record.id", max_length=36)
    reason: str = Field(max_length=2000)
    evidence: list[str] = _json()
    obligations_met: bool
    commitment: bool
    status: str = Field(max_length=10, index=True)  # requested | approved | denied
    decided_by: str | None = Field(default=None, max_length=128)
    decision_reason: str | None = Field(default=None, max_length=2000)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Observation(Base, table=True):
    """观察期: a subject or a business model in an observation period."""

    id: str = Field(primary_key=True, max_length=36)
    uscc: str | None = Field(default=None, max_length=18, index=True)
    business_tag: str | None = Field(default=None, max_length=64, index=True)
    starts_on: date
    ends_on: date = Field(index=True)
    reason: str = Field(max_length=2000)
    started: bool = False  # credit.observation_started emitted
    ended: bool = False  # credit.observation_ended emitted
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)


class InspectionDraw(Base, table=True):
    __tablename__ = "inspection_draw"

    id: str = Field(primary_key=True, max_length=36)
    seed: str = Field(max_length=128)
    inputs: dict = _json(dict)
    population: int
    drawn: list[dict] = _json()
    method: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)
