"""A delivery: one message to one recipient over one channel. Pending until an attempt succeeds (delivered, or
skipped when there is no address) or the schedule runs out (failed, dead-lettered); a failed one may be retried
by hand. No I/O here: the deliverer makes the attempts and tells the delivery how they went."""
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.domain import Aggregate
from shared.errors import Conflict
from shared.events.payloads.notify import NotificationDeadLettered, NotificationDelivered

from .retry import RetrySchedule


@dataclass(kw_only=True, eq=False)
class Delivery(Aggregate):
    id: str
    dedupe_key: str  # the event id, or the step and due date of a reminder: one delivery per key and recipient
    event_id: str
    event_type: str
    aggregate_id: str
    recipient: str
    channel: str  # webhook | email | sms
    target: str  # the subscription id, or "-" for contacts looked up at send time
    endpoint: str  # what the circuit breaker and the concurrency limit key on
    payload: dict = field(default_factory=dict)
    status: str = "pending"  # pending | delivered | skipped | failed
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    segments: int | None = None
    created_at: datetime
    delivered_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    def lease(self, *, until: datetime) -> None:
        """Claimed: every other poll and replica leaves it alone until `until`, when it is due again."""
        self._require_pending()
        self.next_attempt_at = until

    def postpone(self, *, to: datetime) -> None:
        """Not tried now (its endpoint's circuit is open): due again at `to`."""
        self._require_pending()
        self.next_attempt_at = to

    def succeeded(self, *, error: str | None, segments: int | None, at: datetime,
                  confirmed_types: Collection[str]) -> None:
        """Delivered, or skipped with `error` saying why (no address for the channel); a webhook of an event type
        in `confirmed_types` is confirmed with `notification.delivered`."""
        self._require_pending()
        self.attempts += 1
        self.last_error, self.segments = error, segments
        self.status, self.delivered_at, self.next_attempt_at = "skipped" if error else "delivered", at, None
        if self.channel == "webhook" and self.event_type.removeprefix("jointsup.") in confirmed_types:
            self.record("notification.delivered", NotificationDelivered(**self._fields()),
                        subject=self.aggregate_id)

    def failed(self, *, error: str | None, segments: int | None, gone: bool, at: datetime,
               retry: RetrySchedule) -> None:
        """Tried again on the schedule; after its last attempt, or at once when the target is `gone`, failed and
        dead-lettered."""
        self._require_pending()
        self.attempts += 1
        self.last_error, self.segments = error, segments
        delay = None if gone else retry.delay_after(self.attempts)
        if delay is not None:
            self.next_attempt_at = at + timedelta(seconds=delay)
            return
        self.status, self.next_attempt_at = "failed", None
        self.record("notification.dead_lettered", NotificationDeadLettered(
            **self._fields(), error=error or "", attempts=self.attempts), subject=self.aggregate_id)

    def retry(self, *, at: datetime) -> None:
        """A dead letter sent again, with a fresh schedule."""
        if self.status != "failed":
            raise Conflict(f"only failed deliveries are retried; this one is {self.status}",
                           status_now=self.status, allowed_actions=[])
        self.status, self.attempts, self.next_attempt_at = "pending", 0, at

    def _require_pending(self) -> None:
        if not self.pending:
            raise Conflict(f"delivery {self.id} is {self.status}, no longer pending", status_now=self.status,
                           allowed_actions=["retry"] if self.status == "failed" else [])

    def _fields(self) -> dict:
        return {"delivery_id": self.id, "event_id": self.event_id, "event_type": self.event_type,
                "recipient": self.recipient, "channel": self.channel}
