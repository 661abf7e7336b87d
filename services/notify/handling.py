"""Use cases on a caller's inbox items and deliveries, keyword-only: `uow` is the transaction; `recipient` and
`owner` the caller's inbox (`owner` None for an admin, who sees every delivery)."""
from shared.errors import NotFound

from .domain.delivery import Delivery
from .domain.inbox import InboxItem
from .repository import NotifyUnitOfWork


async def mark_read(*, uow: NotifyUnitOfWork, recipient: str, item_id: int) -> InboxItem:
    """Read once: marking it again changes nothing."""
    item = await uow.inbox.get(item_id)
    if item is None or item.recipient != recipient:
        raise NotFound(f"no inbox item {item_id}")
    if item.read_at is None:
        item.read(at=uow.now)
        await uow.commit()
    return item


async def retry_delivery(*, uow: NotifyUnitOfWork, owner: str | None, delivery_id: str) -> Delivery:
    """A dead letter sent again, with a fresh schedule (409 unless it failed)."""
    delivery = await uow.deliveries.get(delivery_id)
    if delivery is None or (owner is not None and delivery.recipient != owner):
        raise NotFound(f"no delivery {delivery_id}")
    delivery.retry(at=uow.now)
    await uow.commit()
    return delivery
