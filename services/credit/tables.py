"""Credit tables (SQLModel, table=True only)."""
from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.messaging import define_messaging_tables
from shared.sqltypes import UtcDateTime


class Base(SQLModel, registry=registry()):
    pass


metadata = Base.metadata
messaging = define_messaging_tables(metadata)


class SubjectComplaint(Base, table=True):
    """Complaints seen per market subject: an input of the risk score."""

    __tablename__ = "subject_complaint"

    complaint_id: str = Field(primary_key=True, max_length=36)
    uscc: str = Field(max_length=18, index=True)
    category: str = Field(max_length=64)
    received_at: datetime = Field(sa_type=UtcDateTime)
