"""An in-memory unit of work for the notify use cases (cosmicpython's FakeRepository / FakeUnitOfWork): what the
use cases decide and what they leave saved, with no database, no broker and no network. Like the real
repositories, it writes a notification's items at most once per dedupe key and recipient."""
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace

from cryptography.fernet import Fernet

from services.notify.domain.delivery import Delivery
from services.notify.domain.inbox import InboxItem
from services.notify.domain.notification import Notification
from services.notify.domain.subscription import Subscription
from services.notify.runtime import NotifyExtensions
from services.notify.settings import NotifySettings
from shared.db import _AFTER_COMMIT
from shared.pii import PiiCipher

FORBIDDEN_URL = "https://10.0.0.1/hook"


class FakeRepository:
    def __init__(self, aggregates):
        self.stored = {a.id: replace(a) for a in aggregates}

    async def get(self, key, *, lock: bool = False):
        return self.stored.get(key)

    def add(self, aggregate):
        self.stored[aggregate.id] = aggregate
        return aggregate


class FakeSubscriptions(FakeRepository):
    async def active_of(self, owners: list[str]) -> dict[str, list[Subscription]]:
        found: dict[str, list[Subscription]] = {}
        for subscription in self.stored.values():
            if subscription.owner in owners and subscription.active:
                found.setdefault(subscription.owner, []).append(subscription)
        return found


class FakeDeliveries(FakeRepository):
    def __init__(self, aggregates):
        super().__init__(aggregates)
        self.new: list[Delivery] = []
        self.inserted: list[Delivery] = []

    def add(self, delivery: Delivery) -> Delivery:
        self.new.append(delivery)
        return delivery

    def write(self) -> None:
        once = {(d.dedupe_key, d.recipient, d.channel, d.target) for d in self.stored.values()}
        for delivery in self.new:
            if (delivery.dedupe_key, delivery.recipient, delivery.channel, delivery.target) not in once:
                once.add((delivery.dedupe_key, delivery.recipient, delivery.channel, delivery.target))
                self.stored[delivery.id] = delivery
                self.inserted.append(delivery)
        self.new.clear()


class FakeNotifications:
    def __init__(self, uow: "FakeUnitOfWork"):
        self.uow, self.new = uow, []

    def add(self, notification: Notification) -> Notification:
        self.new.append(notification)
        for delivery in notification.deliveries:
            self.uow.deliveries.add(delivery)
        return notification

    def write(self) -> None:
        inbox = self.uow.inbox.stored
        for item in (i for n in self.new for i in n.inbox):
            if not any((i.dedupe_key, i.recipient) == (item.dedupe_key, item.recipient) for i in inbox.values()):
                inbox[len(inbox) + 1] = replace(item, id=len(inbox) + 1)
        self.new.clear()


class FakeDeliverer:
    def __init__(self):
        self.guard = SimpleNamespace(problem=self._problem)

    @staticmethod
    async def _problem(url: str) -> str | None:
        return "an address that is not publicly routable" if url == FORBIDDEN_URL else None

    @staticmethod
    def lease_end(now: datetime) -> datetime:
        return now + timedelta(seconds=70)

    @staticmethod
    def webhook(subscription, delivery_id, payload):
        return ("webhook", subscription.id, delivery_id)

    def send_soon(self, delivery_id, endpoint, ready=None) -> None:
        raise AssertionError("sent only once the transaction commits, which a fake never does")


class FakeUnitOfWork:
    def __init__(self, *aggregates, now: datetime, deliverer: FakeDeliverer | None = None,
                 settings: NotifySettings | None = None):
        self.runtime = SimpleNamespace(settings=settings or NotifySettings(), cipher=PiiCipher(
            [Fernet.generate_key().decode()]), extensions=NotifyExtensions(deliverer) if deliverer else None)
        self.now, self.session = now, SimpleNamespace(info={}, in_transaction=lambda: True)  # after_commit writes here
        self.subscriptions = FakeSubscriptions(a for a in aggregates if isinstance(a, Subscription))
        self.inbox = FakeRepository(a for a in aggregates if isinstance(a, InboxItem))
        self.deliveries = FakeDeliveries(a for a in aggregates if isinstance(a, Delivery))
        self.notifications = FakeNotifications(self)
        self.committed = 0

    async def commit(self) -> None:
        self.notifications.write()
        self.deliveries.write()
        self.committed += 1

    @property
    def after_commit(self) -> list:
        """The callbacks queued for after the commit."""
        return list(self.session.info.get(_AFTER_COMMIT, {}))
