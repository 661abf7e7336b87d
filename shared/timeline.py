"""A timeline: the steps of an aggregate's life (who did what, when, what was then due, which events went out),
stored alike by every service that keeps one, and served alike."""
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from shared.sqltypes import UtcDateTime


class StepColumns(SQLModel):
    """The columns of a step table, besides its key and the column naming the aggregate."""

    at: datetime = Field(sa_type=UtcDateTime)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=48)
    detail: dict = Field(default_factory=dict, sa_type=JSON, nullable=False)
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    events: list[dict] = Field(default_factory=list, sa_type=JSON, nullable=False,
                               sa_column_kwargs={"server_default": "[]"})


class TimelineStep(BaseModel):
    """The API view of one timeline step."""

    at: datetime
    actor: str
    action: str
    detail: dict
    due_at: datetime | None
    events: list[dict] = Field(description="events emitted with this step: id and type")
