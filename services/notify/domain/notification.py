"""A notification: one event fanned out to its audience (`audience.py`): an inbox item for each agency, platform
and lead office, a webhook delivery to each of their subscriptions that asks for the event, and SMS and e-mail to
each complainant. Every item carries the event's dedupe key, so a redelivered event (or a second event carrying
the same overdue step) makes nothing twice; the repository writes them so."""
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain import Aggregate
from shared.events import Event

from .audience import Audience
from .delivery import Delivery
from .inbox import InboxItem
from .subscription import Subscription

Render = Callable[[str, str], tuple[str, str]]  # (recipient, role) → the message's title and body


def dedupe_key(event: Event) -> str:
    """An overdue step is one reminder per step and due date, whatever event carried it."""
    if event.short_type.endswith(".overdue"):
        return f"overdue:{event.short_type}:{event.subject}:{event.data.get('step')}:{event.data.get('due_at')}"
    return event.id


def cloudevent(event: Event) -> dict:
    """The event as a webhook's body carries it."""
    return {"specversion": "1.0", "id": event.id, "source": event.source, "type": event.type,
            "subject": event.subject, "time": event.time.isoformat(), "datacontenttype": "application/json",
            "data": event.data}


def role(event_type: str, index: int) -> str:
    """The first agency field names the one who acts (lead, receiver, responsible); the others take part."""
    if event_type == "complaint.routed":
        return "lead" if index == 0 else "co"
    return "primary" if index == 0 else "party"


@dataclass(kw_only=True, eq=False)
class Notification(Aggregate):
    id: str  # the event's id
    key: str
    inbox: list[InboxItem] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @classmethod
    def fan_out(cls, *, event: Event, who: Audience, subscriptions: Mapping[str, list[Subscription]],
                render: Render, first_attempt: datetime, at: datetime) -> "Notification":
        """`subscriptions` are the active ones of each recipient; the first attempts are due at `first_attempt`."""
        notification = cls(id=event.id, key=dedupe_key(event))
        fan = _Fan(notification, event, first_attempt, at)
        for index, recipient in enumerate(who.agencies):
            fan.agency(recipient, render(recipient, role(event.short_type, index)), subscriptions.get(recipient, []))
        for office in who.lead_offices:
            fan.agency(office, render(office, "lead_office"), subscriptions.get(office, []))
        for complaint_id in who.complainants:
            fan.complainant(complaint_id)
        return notification


@dataclass
class _Fan:
    notification: Notification
    event: Event
    first_attempt: datetime
    at: datetime

    def agency(self, recipient: str, message: tuple[str, str], subscriptions: list[Subscription]) -> None:
        title, body = message
        event = self.event
        self.notification.inbox.append(InboxItem(
            recipient=recipient, event_id=event.id, dedupe_key=self.notification.key, event_type=event.type,
            aggregate_id=event.subject or "", title=title[:200], body=body, created_at=self.at))
        for subscription in subscriptions:
            if subscription.matches(event.short_type, event.data):
                self.delivery(recipient, "webhook", subscription.id, f"webhook:{subscription.id}",
                              {"cloudevent": cloudevent(event)})

    def complainant(self, complaint_id: str) -> None:
        """SMS and e-mail, addressed at send time from the complaints service."""
        for channel in ("sms", "email"):
            self.delivery(f"complainant:{complaint_id}", channel, "-", channel,
                          {"cloudevent": cloudevent(self.event), "complaint_id": complaint_id})

    def delivery(self, recipient: str, channel: str, target: str, endpoint: str, payload: dict) -> None:
        event = self.event
        self.notification.deliveries.append(Delivery(
            id=str(uuid.uuid4()), dedupe_key=self.notification.key, event_id=event.id, event_type=event.type,
            aggregate_id=event.subject or "", recipient=recipient, channel=channel, target=target,
            endpoint=endpoint, payload=payload, next_attempt_at=self.first_attempt, created_at=self.at))
