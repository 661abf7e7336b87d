"""Pieces several payloads share."""
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class Payload(BaseModel):
    """Base of every event payload: extra fields from newer producers are ignored."""

    model_config = ConfigDict(extra="ignore")


class SubjectRef(Payload):
    """A market subject or platform shop, never a person."""

    uscc: str | None = None
    name: str | None = None
    platform: str | None = None
    shop_id: str | None = None
    region: str


class Overdue(Payload):
    """A step whose deadline passed; emitted once per step and due date."""

    step: str
    due_at: datetime
    agency: str
    region: str
