"""API models of the notify service."""
from datetime import datetime

from pydantic import BaseModel


class InboxItemPublic(BaseModel):
    id: int
    event_id: str
    event_type: str
    aggregate_id: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    items: list[InboxItemPublic]
    unread: int
