"""Notify's aggregates in and out of the database: subscriptions, inbox items, deliveries, and the notification
that writes an event's inbox items and deliveries at most once per dedupe key and recipient."""
from dataclasses import fields

from sqlalchemy import bindparam, exists
from sqlmodel import select

from shared.db import for_update, per_dialect
from shared.unit_of_work import Repository, UnitOfWork

from .domain.delivery import Delivery
from .domain.inbox import InboxItem
from .domain.notification import Notification
from .domain.subscription import Subscription
from .runtime import NotifyRuntime
from .tables import Delivery as DeliveryRow
from .tables import InboxItem as InboxItemRow
from .tables import Subscription as SubscriptionRow

_DELIVERY_FIELDS = [f.name for f in fields(Delivery)]
_INBOX_FIELDS = [f.name for f in fields(InboxItem) if f.name not in ("id", "read_at")]


def _inbox_item(insert):
    """One statement: the item, unless the recipient already has one with this dedupe key (an overdue step is
    one reminder whatever event carried it) or for this event (a redelivery)."""
    table = InboxItemRow.__table__
    existing = select(table.c.id).where(table.c.dedupe_key == bindparam("dedupe_key"),
                                        table.c.recipient == bindparam("recipient"))
    row = select(*(bindparam(c, type_=table.c[c].type).label(c) for c in _INBOX_FIELDS)).where(~exists(existing))
    return insert(table).from_select(_INBOX_FIELDS, row).on_conflict_do_nothing()


# Built once (bind parameters): building these per event cost about as much as running them.
_INSERT_INBOX_ITEM = per_dialect(_inbox_item)
_INSERT_DELIVERY = per_dialect(lambda insert: insert(DeliveryRow.__table__).on_conflict_do_nothing().returning(
    DeliveryRow.__table__.c.id))
_ACTIVE_OF = select(SubscriptionRow).where(SubscriptionRow.owner.in_(bindparam("owners", expanding=True)),
                                           SubscriptionRow.active.is_(True))


class SubscriptionRepository(Repository[Subscription]):
    aggregate = Subscription
    table = SubscriptionRow

    async def active_of(self, owners: list[str]) -> dict[str, list[Subscription]]:
        """The active subscriptions of each of `owners`, in one query."""
        found: dict[str, list[Subscription]] = {}
        if owners:
            for row in (await self.session.exec(_ACTIVE_OF, params={"owners": owners})).all():
                found.setdefault(row.owner, []).append(self.loaded(row))
        return found


class InboxRepository(Repository[InboxItem]):
    aggregate = InboxItem
    table = InboxItemRow


class DeliveryRepository(Repository[Delivery]):
    """A new delivery is written once, when first saved, and only if none has its dedupe key, recipient, channel
    and target: `inserted` lists those that were."""

    aggregate = Delivery
    table = DeliveryRow

    def __init__(self, uow: UnitOfWork):
        super().__init__(uow)
        self.inserted: list[Delivery] = []
        self._written: set[int] = set()

    async def due(self, *, at, batch: int) -> list[Delivery]:
        """Pending deliveries due by `at`, the earliest first, locked; those another poll holds are passed over."""
        query = select(DeliveryRow).where(DeliveryRow.status == "pending", DeliveryRow.next_attempt_at <= at) \
            .order_by(DeliveryRow.next_attempt_at).limit(batch)
        rows = (await self.session.exec(for_update(query, self.session, skip_locked=True))).all()
        return [self.loaded(row) for row in rows]

    async def pending_among(self, ids: list[str]) -> list[Delivery]:
        """Those of `ids` still pending, locked."""
        query = select(DeliveryRow).where(DeliveryRow.id.in_(ids), DeliveryRow.status == "pending")
        return [self.loaded(row) for row in (await self.session.exec(for_update(query, self.session))).all()]

    async def save(self, delivery: Delivery) -> None:
        if id(delivery) in self._rows:
            return await super().save(delivery)
        if id(delivery) in self._written:
            return
        self._written.add(id(delivery))
        created = (await (await self.session.connection()).execute(
            _INSERT_DELIVERY(self.session), {name: getattr(delivery, name) for name in _DELIVERY_FIELDS})).first()
        if created is not None:
            self.inserted.append(delivery)


class Notifications:
    """Saves a notification: its inbox items (the deliveries are the delivery repository's)."""

    timeline = None

    def __init__(self, uow: "NotifyUnitOfWork"):
        self.uow = uow
        self._written: set[int] = set()

    def add(self, notification: Notification) -> Notification:
        self.uow.track(notification, self)
        for delivery in notification.deliveries:
            self.uow.deliveries.add(delivery)
        return notification

    async def save(self, notification: Notification) -> None:
        if id(notification) in self._written:
            return
        self._written.add(id(notification))
        session = self.uow.session
        connection = await session.connection()
        for item in notification.inbox:
            await connection.execute(_INSERT_INBOX_ITEM(session), {name: getattr(item, name)
                                                                   for name in _INBOX_FIELDS})


class NotifyUnitOfWork(UnitOfWork):
    """Notify's unit of work: its repositories."""

    runtime: NotifyRuntime

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subscriptions = SubscriptionRepository(self)
        self.inbox = InboxRepository(self)
        self.deliveries = DeliveryRepository(self)
        self.notifications = Notifications(self)
