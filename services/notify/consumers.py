"""Events → inbox items and deliveries, written in the transaction that records the event as handled, so a
redelivered event makes no second message."""
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache, partial
from pathlib import Path

import yaml
from sqlalchemy import bindparam, exists
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import after_commit, per_dialect
from shared.events import Event
from shared.runtime import ServiceRuntime

from .domain.audience import audience
from .tables import Delivery, InboxItem, Subscription
from .templates import render

AUDIENCE_PATH = Path(__file__).parent / "audience.yaml"


@lru_cache(maxsize=1)
def rules() -> dict:
    return yaml.safe_load(AUDIENCE_PATH.read_text(encoding="utf-8"))


def cloudevent(event: Event) -> dict:
    return {"specversion": "1.0", "id": event.id, "source": event.source, "type": event.type,
            "subject": event.subject, "time": event.time.isoformat(), "datacontenttype": "application/json",
            "data": event.data}


def dedupe_key(event: Event) -> str:
    """An overdue step is one reminder per step and due date, whatever event carried it."""
    if event.short_type.endswith(".overdue"):
        return f"overdue:{event.short_type}:{event.subject}:{event.data.get('step')}:{event.data.get('due_at')}"
    return event.id


def _matches(subscription: Subscription, event: Event) -> bool:
    if subscription.event_types and "*" not in subscription.event_types \
            and event.short_type not in subscription.event_types:
        return False
    return all(str(event.data.get(k)) in ([str(x) for x in v] if isinstance(v, list) else [str(v)])
               for k, v in (subscription.filters or {}).items())


class Fanout:
    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, event: Event):
        self.session, self.runtime, self.event = session, runtime, event
        self.now = datetime.now(timezone.utc)
        self.key = dedupe_key(event)
        self.first_attempt = self.now + timedelta(seconds=runtime.settings.schedule[0])
        self.subscriptions: dict[str, list[Subscription]] = {}

    async def load_subscriptions(self, recipients: list[str]) -> None:
        """The active subscriptions of every recipient of the event, in one query."""
        if recipients:
            for row in (await self.session.exec(_SUBSCRIPTIONS, params={"owners": recipients})).all():
                self.subscriptions.setdefault(row.owner, []).append(row)

    async def delivery(self, recipient: str, channel: str, target: str, endpoint: str, payload: dict,
                       subscription: Subscription | None = None) -> None:
        # Due now and this process delivers: born leased to it and sent as soon as the transaction commits,
        # without a claim. Should the process die first, the lease runs out and any replica's poll sends it.
        deliverer = self.runtime.state.get("deliverer")
        send_now = deliverer is not None and self.first_attempt <= self.now
        created = (await (await self.session.connection()).execute(_INSERT_DELIVERY(self.session), {
            "id": str(uuid.uuid4()), "dedupe_key": self.key, "event_id": self.event.id,
            "event_type": self.event.type, "aggregate_id": self.event.subject or "", "recipient": recipient,
            "channel": channel, "target": target, "endpoint": endpoint, "payload": payload, "status": "pending",
            "attempts": 0, "next_attempt_at": deliverer.lease_end(self.now) if send_now else self.first_attempt,
            "created_at": self.now})).first()
        if created is not None and send_now:
            ready = deliverer.webhook(subscription, created.id, payload) if subscription is not None else None
            after_commit(self.session, partial(deliverer.send_soon, created.id, endpoint, ready))

    async def agency(self, recipient: str, role: str) -> None:
        """An inbox item, unless one with the same dedupe key exists, and a webhook to each of the recipient's
        matching subscriptions."""
        event = self.event
        title, body = render(event.short_type, event=cloudevent(event), data=event.data, role=role,
                             recipient=recipient, complainant=None)
        await (await self.session.connection()).execute(_INSERT_INBOX_ITEM(self.session), {
            "recipient": recipient, "event_id": event.id, "dedupe_key": self.key, "event_type": event.type,
            "aggregate_id": event.subject or "", "title": title[:200], "body": body, "created_at": self.now})
        for subscription in self.subscriptions.get(recipient, []):
            if _matches(subscription, event):
                await self.delivery(recipient, "webhook", subscription.id, f"webhook:{subscription.id}",
                                    {"cloudevent": cloudevent(event)}, subscription)

    async def complainant(self, complaint_id: str) -> None:
        """SMS and e-mail, addressed at send time from the complaints service."""
        for channel in ("sms", "email"):
            await self.delivery(f"complainant:{complaint_id}", channel, "-", channel,
                                {"cloudevent": cloudevent(self.event), "complaint_id": complaint_id})


def _inbox_item(insert):
    """One statement: the item, unless the recipient already has one with this dedupe key (an overdue step is
    one reminder whatever event carried it) or for this event (a redelivery)."""
    table = InboxItem.__table__
    columns = ["recipient", "event_id", "dedupe_key", "event_type", "aggregate_id", "title", "body", "created_at"]
    existing = select(table.c.id).where(table.c.dedupe_key == bindparam("dedupe_key"),
                                        table.c.recipient == bindparam("recipient"))
    row = select(*(bindparam(c, type_=table.c[c].type).label(c) for c in columns)).where(~exists(existing))
    return insert(table).from_select(columns, row).on_conflict_do_nothing()


# Built once (bind parameters): building these per event cost about as much as running them.
_INSERT_INBOX_ITEM = per_dialect(_inbox_item)
_INSERT_DELIVERY = per_dialect(lambda insert: insert(Delivery.__table__).on_conflict_do_nothing().returning(
    Delivery.__table__.c.id))
_SUBSCRIPTIONS = select(Subscription).where(Subscription.owner.in_(bindparam("owners", expanding=True)),
                                            Subscription.active.is_(True))


def handlers(runtime: ServiceRuntime) -> dict:
    async def on_event(session: AsyncSession, event: Event, payload) -> None:
        rule = rules().get(event.short_type)
        if rule is None:
            return
        who = audience(rule, event.data, runtime.registry.lead_office_for)
        fanout = Fanout(session, runtime, event)
        await fanout.load_subscriptions([*who.agencies, *who.lead_offices])
        for index, recipient in enumerate(who.agencies):
            await fanout.agency(recipient, _role(event.short_type, index))
        for office in who.lead_offices:
            await fanout.agency(office, "lead_office")
        for complaint_id in who.complainants:
            await fanout.complainant(complaint_id)

    return {event_type: on_event for event_type in rules() if event_type != "confirm_delivery"}


def _role(event_type: str, index: int) -> str:
    """The first agency field names the one who acts (lead, receiver, responsible); the others take part."""
    if event_type == "complaint.routed":
        return "lead" if index == 0 else "co"
    return "primary" if index == 0 else "party"
