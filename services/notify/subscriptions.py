"""Webhook subscriptions: checked targets, secrets shown once and kept encrypted, rotation with an overlap.

Use cases, keyword-only: `uow` is the transaction, `owner` the caller's inbox (agency or platform)."""
import uuid

from shared.errors import InvalidInput, NotFound
from shared.events import UnknownEventType, spec_for

from .domain.signing import new_secret
from .domain.subscription import Subscription
from .repository import NotifyUnitOfWork
from .runtime import deliverer_of
from .schemas import SubscriptionIn, SubscriptionOut


def out(subscription: Subscription, secret: str | None = None) -> SubscriptionOut:
    return SubscriptionOut.model_validate(subscription, from_attributes=True).model_copy(update={"secret": secret})


async def create(*, uow: NotifyUnitOfWork, owner: str, actor: str, body: SubscriptionIn) -> SubscriptionOut:
    for index, event_type in enumerate(body.event_types):
        if event_type != "*":
            try:
                spec_for(event_type)
            except UnknownEventType:
                raise InvalidInput(f"unknown event type {event_type!r}", field=f"event_types.{index}") from None
    if problem := await deliverer_of(uow.runtime).guard.problem(body.url):
        raise InvalidInput(problem, field="url")
    secret = new_secret()
    subscription = uow.subscriptions.add(Subscription.register(
        id=str(uuid.uuid4()), owner=owner, url=body.url, event_types=body.event_types, filters=body.filters,
        secret_enc=uow.runtime.cipher.encrypt(secret), by=actor, at=uow.now))
    await uow.commit()
    return out(subscription, secret)


async def rotate(*, uow: NotifyUnitOfWork, owner: str, subscription_id: str) -> SubscriptionOut:
    """A new secret; the old one keeps signing alongside it for NOTIFY_SECRET_OVERLAP_SECONDS."""
    subscription = await uow.subscriptions.get(subscription_id)
    if subscription is None or subscription.owner != owner:
        raise NotFound(f"no subscription {subscription_id}")
    secret = new_secret()
    subscription.rotate(secret_enc=uow.runtime.cipher.encrypt(secret), at=uow.now,
                        overlap_seconds=uow.runtime.settings.secret_overlap_seconds)
    await uow.commit()
    return out(subscription, secret)
