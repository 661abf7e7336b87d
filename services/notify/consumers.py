"""Events → a notification fanned out to the event's audience: inbox items and deliveries, written in the
transaction that records the event as handled, so a redelivered event makes no second message.

Nothing here is refused: a notification has no state an event could find wrong, and an event that comes again
is made nothing of by its dedupe key. So notify declares no REFUSALS and its handlers are not wrapped."""
from datetime import timedelta
from functools import lru_cache, partial
from pathlib import Path

import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import after_commit
from shared.events import Event
from shared.messaging.refusals import Policy

from .domain.audience import Audience, audience
from .domain.notification import Notification, cloudevent
from .repository import NotifyUnitOfWork
from .runtime import NotifyRuntime, deliverer_of
from .templates import render

AUDIENCE_PATH = Path(__file__).parent / "audience.yaml"
REFUSALS: dict[str, Policy] = {}


@lru_cache(maxsize=1)
def rules() -> dict:
    return yaml.safe_load(AUDIENCE_PATH.read_text(encoding="utf-8"))


async def notify(*, uow: NotifyUnitOfWork, event: Event, who: Audience) -> Notification:
    """The event's notification, saved; a delivery due at once is sent by this process as soon as the transaction
    commits, without a claim (born leased to it: should the process die first, the lease runs out and any
    replica's poll sends it)."""
    subscriptions = await uow.subscriptions.active_of([*who.agencies, *who.lead_offices])
    first_attempt = uow.now + timedelta(seconds=uow.runtime.settings.schedule[0])
    message = partial(_message, event, cloudevent(event))
    notification = uow.notifications.add(Notification.fan_out(
        event=event, who=who, subscriptions=subscriptions, render=message, first_attempt=first_attempt,
        at=uow.now))
    deliverer = deliverer_of(uow.runtime)
    send_now = deliverer is not None and first_attempt <= uow.now
    if send_now:
        for delivery in notification.deliveries:
            delivery.lease(until=deliverer.lease_end(uow.now))
    await uow.commit()
    if send_now:
        for delivery in uow.deliveries.inserted:
            subscription = await uow.subscriptions.get(delivery.target) if delivery.channel == "webhook" else None
            ready = deliverer.webhook(subscription, delivery.id, delivery.payload) if subscription else None
            after_commit(uow.session, partial(deliverer.send_soon, delivery.id, delivery.endpoint, ready))
    return notification


def _message(event: Event, as_cloudevent: dict, recipient: str, role: str) -> tuple[str, str]:
    return render(event.short_type, event=as_cloudevent, data=event.data, role=role, recipient=recipient,
                  complainant=None)


def handlers(runtime: NotifyRuntime) -> dict:
    async def on_event(session: AsyncSession, event: Event, payload) -> None:
        rule = rules().get(event.short_type)
        if rule is not None:
            await notify(uow=NotifyUnitOfWork(runtime, session), event=event,
                         who=audience(rule, event.data, runtime.registry.lead_office_for))

    return {event_type: on_event for event_type in rules() if event_type != "confirm_delivery"}
