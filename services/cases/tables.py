"""Cases tables (SQLModel, table=True only)."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.messaging import define_messaging_tables
from shared.sqltypes import UtcDateTime
from shared.timeline import StepColumns


class Base(SQLModel, registry=registry()):
    pass


metadata = Base.metadata
messaging = define_messaging_tables(metadata)


def _json_list():
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class ComplaintRef(Base, table=True):
    """Local projection of complaints seen on Kafka: the history behind clues and decisions."""

    __tablename__ = "complaint_ref"

    complaint_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=16)
    category: str = Field(max_length=64)
    subject_uscc: str | None = Field(default=None, max_length=18, index=True)
    subject_region: str = Field(max_length=6)
    lead_agency: str | None = Field(default=None, max_length=32)
    escalated_to: list[str] = _json_list()  # agencies complaints handed it to: they may cite it in clues
    received_at: datetime = Field(sa_type=UtcDateTime)


class ObservationRef(Base, table=True):
    """Local projection of credit observation periods (观察期), for the advice on decisions."""

    __tablename__ = "observation_ref"

    uscc: str = Field(primary_key=True, max_length=18)
    active: bool = True
    updated_at: datetime = Field(sa_type=UtcDateTime)


class Clue(Base, table=True):
    __table_args__ = (UniqueConstraint("source", "source_ref", name="uq_clue_source_ref"),)

    id: str = Field(primary_key=True, max_length=36)
    source: str = Field(max_length=24)  # complaint | cluster | monitoring | platform_report | agency | referral
    source_ref: str = Field(max_length=64)  # the complaint, cluster or caller's own id: registering is idempotent
    subject_uscc: str | None = Field(default=None, max_length=18, index=True)
    subject_name: str | None = Field(default=None, max_length=200)
    subject_platform: str | None = Field(default=None, max_length=64)
    subject_shop_id: str | None = Field(default=None, max_length=128)
    subject_region: str = Field(max_length=6, index=True)
    category: str = Field(max_length=64)
    agency: str = Field(max_length=32, index=True)  # verifies it
    summary: str = Field(sa_column=Column(Text, nullable=False))
    complaint_ids: list[str] = _json_list()
    status: str = Field(max_length=16, index=True)
    due_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    extended: bool = False
    overdue_for: datetime | None = Field(default=None, sa_type=UtcDateTime)
    reason: str | None = Field(default=None, max_length=2000)
    case_id: str | None = Field(default=None, max_length=36, index=True)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Case(Base, table=True):
    __tablename__ = "case_file"  # "case" is an SQL keyword
    __table_args__ = (Index("ix_case_subject_category", "subject_key", "category", "status"),)

    id: str = Field(primary_key=True, max_length=36)
    subject_key: str = Field(max_length=200)  # USCC, else platform:shop_id: one active case per subject+category
    subject_uscc: str | None = Field(default=None, max_length=18, index=True)
    subject_name: str | None = Field(default=None, max_length=200)
    subject_platform: str | None = Field(default=None, max_length=64)
    subject_shop_id: str | None = Field(default=None, max_length=128)
    subject_region: str = Field(max_length=6, index=True)
    category: str = Field(max_length=64)
    agency: str = Field(max_length=32, index=True)  # owns it
    status: str = Field(max_length=16, index=True)
    filed_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    extended: bool = False
    overdue_for: datetime | None = Field(default=None, sa_type=UtcDateTime)
    complaint_ids: list[str] = _json_list()
    clue_ids: list[str] = _json_list()
    outcome: str | None = Field(default=None, max_length=16)
    measures: list[str] = _json_list()
    severity: str | None = Field(default=None, max_length=8)
    fine_amount: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    legal_basis: str | None = Field(default=None, max_length=500)
    ground: str | None = Field(default=None, max_length=32)
    decided_on: date | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_by: str = Field(max_length=128)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class CaseParticipant(Base, table=True):
    """Every agency that takes part in a case, and how: the rows behind scoped reads."""

    __tablename__ = "case_participant"

    case_id: str = Field(primary_key=True, foreign_key="case_file.id", max_length=36)
    agency: str = Field(primary_key=True, max_length=32, index=True)
    role: str = Field(max_length=16)  # owner | joined | referral | assist | joint_action | sender


class CaseStep(Base, StepColumns, table=True):
    """The case timeline: who did what, when, what was due, which events went out."""

    __tablename__ = "case_step"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)


class Referral(Base, table=True):
    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    kind: str = Field(max_length=16)
    from_agency: str = Field(max_length=32, index=True)
    to_agency: str = Field(max_length=32, index=True)
    reason: str = Field(max_length=2000)
    documents: list[str] = _json_list()
    status: str = Field(max_length=24, index=True)
    due_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    overdue_for: datetime | None = Field(default=None, sa_type=UtcDateTime)
    note: str | None = Field(default=None, max_length=2000)  # the last rejection reason or outcome summary
    forwarded_from: list[str] = _json_list()
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class Assist(Base, table=True):
    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    from_agency: str = Field(max_length=32)
    to_agency: str = Field(max_length=32, index=True)
    request: str = Field(max_length=2000)
    status: str = Field(max_length=16, index=True)  # requested | responded
    due_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)
    overdue_for: datetime | None = Field(default=None, sa_type=UtcDateTime)
    findings: str | None = Field(default=None, sa_column=Column(Text))
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)
    responded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class JointAction(Base, table=True):
    __tablename__ = "joint_action"

    id: str = Field(primary_key=True, max_length=36)
    case_id: str = Field(foreign_key="case_file.id", max_length=36, index=True)
    lead_agency: str = Field(max_length=32)
    participants: list[str] = _json_list()
    status: str = Field(max_length=16)  # active | completed
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class JointTask(Base, table=True):
    __tablename__ = "joint_task"

    id: str = Field(primary_key=True, max_length=36)
    action_id: str = Field(foreign_key="joint_action.id", max_length=36, index=True)
    agency: str = Field(max_length=32, index=True)
    title: str = Field(max_length=500)
    done: bool = Field(default=False, index=True)
    completed_by: str | None = Field(default=None, max_length=128)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    result: str | None = Field(default=None, max_length=2000)


class Consultation(Base, table=True):
    """案件会商: a meeting of the joint action, with who attended and what was concluded."""

    id: str = Field(primary_key=True, max_length=36)
    action_id: str = Field(foreign_key="joint_action.id", max_length=36, index=True)
    held_on: date
    attendees: list[str] = _json_list()
    conclusions: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_type=UtcDateTime)
