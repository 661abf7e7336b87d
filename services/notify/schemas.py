"""API models of the notify service."""
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.bodies import Body
from shared.bounded import bounded


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


class SubscriptionIn(Body):
    url: str = Field(min_length=1, max_length=2000)
    event_types: Annotated[list[str], bounded(items=100, chars=120, depth=1)] = Field(
        min_length=1, description="catalogue types, or *")
    filters: Annotated[dict[str, str | list[str]], bounded(keys=20, items=50, chars=200, depth=2, size=8192)] = Field(
        default_factory=dict, description="payload field → value(s) an event must carry")


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
