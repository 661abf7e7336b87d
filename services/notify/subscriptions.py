"""Webhook subscriptions: checked targets, secrets shown once and kept encrypted, rotation with an overlap."""
import uuid
from datetime import datetime, timedelta, timezone

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events import UnknownEventType, spec_for
from shared.errors import InvalidInput, NotFound
from shared.runtime import ServiceRuntime

from .domain.signing import new_secret
from .schemas import SubscriptionIn, SubscriptionOut
from .tables import Subscription


def out(subscription: Subscription, secret: str | None = None) -> SubscriptionOut:
    return SubscriptionOut(**subscription.model_dump(include=set(SubscriptionOut.model_fields) - {"secret"}),
                           secret=secret)


async def create(session: AsyncSession, runtime: ServiceRuntime, *, owner: str, actor: str,
                 body: SubscriptionIn) -> SubscriptionOut:
    for index, event_type in enumerate(body.event_types):
        if event_type != "*":
            try:
                spec_for(event_type)
            except UnknownEventType:
                raise InvalidInput(f"unknown event type {event_type!r}", field=f"event_types.{index}") from None
    if problem := await runtime.state["deliverer"].guard.problem(body.url):
        raise InvalidInput(problem, field="url")
    secret = new_secret()
    subscription = Subscription(id=str(uuid.uuid4()), owner=owner, url=body.url,
                                event_types=[t.removeprefix("jointsup.") for t in body.event_types],
                                filters=body.filters, secret_enc=runtime.cipher.encrypt(secret), created_by=actor,
                                created_at=datetime.now(timezone.utc))
    session.add(subscription)
    await session.commit()
    return out(subscription, secret)


async def rotate(session: AsyncSession, runtime: ServiceRuntime, *, owner: str,
                 subscription_id: str) -> SubscriptionOut:
    """A new secret; the old one keeps signing alongside it for NOTIFY_SECRET_OVERLAP_SECONDS."""
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or subscription.owner != owner:
        raise NotFound(f"no subscription {subscription_id}")
    secret = new_secret()
    subscription.previous_secret_enc = subscription.secret_enc
    subscription.previous_valid_until = datetime.now(timezone.utc) + timedelta(
        seconds=runtime.settings.secret_overlap_seconds)
    subscription.secret_enc = runtime.cipher.encrypt(secret)
    session.add(subscription)
    await session.commit()
    return out(subscription, secret)
