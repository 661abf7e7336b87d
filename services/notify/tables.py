"""Notify tables (SQLModel, table=True only)."""
from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.messaging import define_messaging_tables
from shared.sqltypes import UtcDateTime


class Base(SQLModel, registry=registry()):
    pass


metadata = Base.metadata
messaging = define_messaging_tables(metadata)


class InboxItem(Base, table=True):
    """An in-app notification for one agency (`440100-amr`) or platform (`platform:taobao`)."""

    __tablename__ = "inbox_item"
    __table_args__ = (UniqueConstraint("event_id", "recipient", name="uq_inbox_event_recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=64, index=True)
    event_id: str = Field(max_length=64)
    dedupe_key: str | None = Field(default=None, max_length=200, index=True)  # one reminder per step and due date
    event_type: str = Field(max_length=120)
    aggregate_id: str = Field(max_length=64, index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UtcDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Subscription(Base, table=True):
    """A webhook endpoint of an agency or platform system, with its signing secrets (encrypted at rest)."""

    id: str = Field(primary_key=True, max_length=36)
    owner: str = Field(max_length=64, index=True)  # an agency code, or platform:<code>
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    filters: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))
    secret_enc: str = Field(sa_column=Column(Text, nullable=False))
    previous_secret_enc: str | None = Field(default=None, sa_column=Column(Text))
    previous_valid_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    active: bool = Field(default=True, index=True)
    disabled_reason: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UtcDateTime)


class Delivery(Base, table=True):
    """One message to one recipient over one channel; created with the event's handling, sent by the deliverer.

    Complainant messages hold no contact details: they are fetched from complaints at send time."""

    __table_args__ = (
        UniqueConstraint("dedupe_key", "recipient", "channel", "target", name="uq_delivery_once"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    dedupe_key: str = Field(max_length=200)  # the event id, or the step and due date of a reminder
    event_id: str = Field(max_length=64, index=True)
    event_type: str = Field(max_length=120)
    aggregate_id: str = Field(max_length=64)
    recipient: str = Field(max_length=64, index=True)  # agency, platform:<code>, complainant:<complaint id>
    channel: str = Field(max_length=8)  # webhook | email | sms
    target: str = Field(max_length=64)  # the subscription id, or "-" for contacts looked up at send time
    endpoint: str = Field(max_length=300)  # what the circuit breaker and concurrency limit key on
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=12)  # pending | delivered | failed (dead-lettered) | skipped
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=2000)
    segments: int | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
