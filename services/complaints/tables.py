"""Complaints tables (SQLModel, table=True only)."""
from datetime import datetime
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


class Complaint(Base, table=True):
    __table_args__ = (
        UniqueConstraint("channel", "external_ref", name="uq_complaint_channel_ref"),
        Index("ix_complaint_uscc_cluster", "subject_uscc", "category", "received_at"),
        Index("ix_complaint_shop_cluster", "subject_platform", "subject_shop_id", "category", "received_at"),
        Index("ix_complaint_region_received", "subject_region", "received_at"),
        # the filtered list: its count reads only this index, and its page comes in order from it
        Index("ix_complaint_status_category_received", "status", "category", "received_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=16)
    channel: str = Field(max_length=32)
    external_ref: str = Field(max_length=128)
    status: str = Field(max_length=32, index=True)
    category: str = Field(max_length=64, index=True)
    category_source: str = Field(max_length=16)  # given | classified | default
    category_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    subject_uscc: str | None = Field(default=None, max_length=18, index=True)
    subject_name: str | None = Field(default=None, max_length=200)
    subject_platform: str | None = Field(default=None, max_length=64, index=True)
    subject_shop_id: str | None = Field(default=None, max_length=128)
    subject_region: str = Field(max_length=6, index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    amount: Decimal | None = Field(default=None, max_digits=14, decimal_places=2)
    occurred_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    complainant_enc: str | None = Field(default=None, sa_column=Column(Text))  # Fernet, never in clear
    complainant_key: str | None = Field(default=None, max_length=64, index=True)  # keyed hash: ID number, else phone
    complainant_phone_key: str | None = Field(default=None, max_length=64, index=True)
    lead_agency: str = Field(max_length=32, index=True)
    co_agencies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    intake_agency: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=128)
    received_at: datetime = Field(index=True, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    due_at: datetime | None = Field(default=None, index=True, sa_type=UtcDateTime)  # of the open step
    overdue_for: datetime | None = Field(default=None, sa_type=UtcDateTime)  # the due_at already reported overdue
    handed_over_from: str | None = Field(default=None, max_length=32)
    forwarded_platform: str | None = Field(default=None, max_length=64, index=True)
    forwarded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    extended: bool = False
    case_id: str | None = Field(default=None, max_length=36)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    outcome: str | None = Field(default=None, max_length=48)


class ComplaintAgency(Base, table=True):
    """Which agencies handle a complaint: the lead and each co-handling agency (for scoped reads)."""

    __tablename__ = "complaint_agency"
    __table_args__ = (Index("ix_complaint_agency_list", "agency", "status", "category", "received_at"),)

    complaint_id: str = Field(primary_key=True, foreign_key="complaint.id", max_length=36)
    agency: str = Field(primary_key=True, max_length=32, index=True)
    role: str = Field(max_length=8)
    # The complaint's own, kept in step by its repository: an agency's list is counted from this table alone.
    status: str = Field(max_length=32)
    category: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UtcDateTime)


class ComplaintStep(Base, StepColumns, table=True):
    """The complaint's timeline."""

    __tablename__ = "complaint_step"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", max_length=36, index=True)


class ComplainantFlag(Base, table=True):
    """A complainant held for review (恶意投诉举报), known only by keyed hashes."""

    __tablename__ = "complainant_flag"

    id: str = Field(primary_key=True, max_length=36)
    complainant_key: str = Field(max_length=64, index=True)
    phone_key: str | None = Field(default=None, max_length=64, index=True)
    active: bool = Field(default=True, index=True)
    # Where it was raised, which decides who reviews it: the complaint, its lead agency and its subject's region.
    complaint_id: str | None = Field(default=None, max_length=36)
    agency: str | None = Field(default=None, max_length=32, index=True)
    region: str | None = Field(default=None, max_length=6, index=True)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=8)  # auto | officer
    complaints_in_window: int | None = None
    subjects_in_window: int | None = None
    flagged_by: str = Field(max_length=128)
    flagged_at: datetime = Field(sa_type=UtcDateTime)
    cleared_by: str | None = Field(default=None, max_length=128)
    cleared_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    clear_reason: str | None = Field(default=None, max_length=2000)


class ComplaintCluster(Base, table=True):
    """Complaints on one subject and category (打早打小): the size last alerted, so alerts come once per step."""

    __tablename__ = "complaint_cluster"
    __table_args__ = (UniqueConstraint("subject_key", "category", name="uq_cluster_subject_category"),)

    id: str = Field(primary_key=True, max_length=36)
    subject_key: str = Field(max_length=200)  # uscc, or platform:shop_id
    category: str = Field(max_length=64)
    alerted_count: int
    last_alert_at: datetime = Field(sa_type=UtcDateTime)


class ComplaintStat(Base, table=True):
    """Public statistics kept current in each transaction: complaints per scope, category and status."""

    __tablename__ = "complaint_stat"

    scope: str = Field(primary_key=True, max_length=8)  # all | platform | subject
    scope_key: str = Field(primary_key=True, max_length=64)
    category: str = Field(primary_key=True, max_length=64)
    status: str = Field(primary_key=True, max_length=32)
    count: int = 0


class ComplaintCloseStat(Base, table=True):
    """Closed complaints per scope by whole hours from receipt to closing (median) and whether resolved."""

    __tablename__ = "complaint_close_stat"

    scope: str = Field(primary_key=True, max_length=8)
    scope_key: str = Field(primary_key=True, max_length=64)
    hours: int = Field(primary_key=True)
    resolved: bool = Field(primary_key=True)
    count: int = 0


class ComplaintHandover(Base, table=True):
    """What complaints handed to cases as the source of a clue: an escalated complaint (source `complaint`, its own
    id) or a complaint in a cluster alert (source `cluster`, the cluster id). Only outcomes of clues from these
    sources, and of the cases they were filed in, are applied to the complaint."""

    __tablename__ = "complaint_handover"

    # No foreign key: a new complaint in a cluster alert is handed over before its own row is written.
    complaint_id: str = Field(primary_key=True, max_length=36)
    source: str = Field(primary_key=True, max_length=16)
    source_ref: str = Field(primary_key=True, max_length=64, index=True)
    at: datetime = Field(sa_type=UtcDateTime)
