"""API models of the notify service."""
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


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


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=1, max_length=2000)
    event_types: list[str] = Field(min_length=1, max_length=100, description="catalogue types, or *")
    filters: dict[str, str | list[str]] = Field(default_factory=dict,
                                                description="payload field → value(s) an event must carry")


class SubscriptionOut(BaseModel):
    id: str
    owner: str
    url: str
    event_types: list[str]
    filters: dict
    active: bool
    disabled_reason: str | None
    created_at: datetime
    secret: str | None = Field(None, description="shown once, at creation and rotation")
    previous_valid_until: datetime | None = None


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    event_type: str
    recipient: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    segments: int | None
    created_at: datetime
    delivered_at: datetime | None
