"""Complaints tables (SQLModel, table=True only)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.messaging import define_messaging_tables
from shared.sqltypes import UtcDateTime


class Base(SQLModel, registry=registry()):
    pass


metadata = Base.metadata
messaging = define_messaging_tables(metadata)


class Complaint(Base, table=True):
    __table_args__ = (UniqueConstraint("channel", "external_ref", name="uq_complaint_channel_ref"),)

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
    complainant_key: str | None = Field(default=None, max_length=64, index=True)  # keyed hash
    lead_agency: str = Field(max_length=32, index=True)
    co_agencies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    intake_agency: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=128)
    received_at: datetime = Field(index=True, sa_type=UtcDateTime)
    due_at: datetime = Field(sa_type=UtcDateTime)


class ComplaintAgency(Base, table=True):
    """Which agencies handle a complaint: the lead and each co-handling agency (for scoped reads)."""

    __tablename__ = "complaint_agency"

    complaint_id: str = Field(primary_key=True, foreign_key="complaint.id", max_length=36)
    agency: str = Field(primary_key=True, max_length=32, index=True)
    role: str = Field(max_length=8)


class ComplaintStep(Base, table=True):
    """The timeline: who did what, when, what was due, which events went out."""

    __tablename__ = "complaint_step"

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: str = Field(foreign_key="complaint.id", max_length=36, index=True)
    at: datetime = Field(sa_type=UtcDateTime)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=48)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    event_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
