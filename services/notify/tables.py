"""Notify tables (SQLModel, table=True only)."""
from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
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
    event_type: str = Field(max_length=120)
    aggregate_id: str = Field(max_length=64, index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UtcDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
