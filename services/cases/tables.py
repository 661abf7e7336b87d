"""Cases tables (SQLModel, table=True only)."""
from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.messaging import define_messaging_tables
from shared.sqltypes import UtcDateTime


class Base(SQLModel, registry=registry()):
    pass


metadata = Base.metadata
messaging = define_messaging_tables(metadata)


class ComplaintRef(Base, table=True):
    """Local projection of complaints seen on Kafka: the history behind clues and decisions."""

    __tablename__ = "complaint_ref"

    complaint_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=16)
    category: str = Field(max_length=64)
    subject_uscc: str | None = Field(default=None, max_length=18, index=True)
    subject_region: str = Field(max_length=6)
    lead_agency: str | None = Field(default=None, max_length=32)
    received_at: datetime = Field(sa_type=UtcDateTime)
