"""Notify's aggregates on their own: a delivery's attempts against its states and the retry schedule, a
subscription's secrets and filters, an event fanned out to its audience. No database, no broker."""
import random
from datetime import datetime, timedelta, timezone

import pytest

from services.notify.domain.audience import Audience
from services.notify.domain.delivery import Delivery
from services.notify.domain.inbox import InboxItem
from services.notify.domain.notification import Notification
from services.notify.domain.retry import RetrySchedule
from services.notify.domain.subscription import Subscription
from shared.errors import Conflict
from shared.events import Event

AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
RETRY = RetrySchedule([0, 5, 300], jitter=0, rng=random.Random(1))


def delivery(channel: str = "webhook", event_type: str = "jointsup.case.referred", **fields) -> Delivery:
    return Delivery(**{"id": "d-1", "dedupe_key": "e-1", "event_id": "e-1", "event_type": event_type,
                       "aggregate_id": "case-1", "recipient": "440105-amr", "channel": channel, "target": "s-1",
                       "endpoint": "webhook:s-1", "next_attempt_at": AT, "created_at": AT, **fields})


def subscription(**fields) -> Subscription:
    return Subscription.register(**{"id": "s-1", "owner": "440105-amr", "url": "https://hooks.example.com/x",
                                    "event_types": ["*"], "filters": {}, "secret_enc": "enc-1", "by": "t:440105",
                                    "at": AT, **fields})


def event(event_type: str = "case.referred", subject: str = "case-1", **data) -> Event:
    return Event(id=f"e-{event_type}", type=f"jointsup.{event_type}", source="/jointsup/cases", subject=subject,
                 time=AT, data=data)


def test_a_webhook_delivered_is_confirmed_only_for_the_event_types_that_ask_for_it():
    confirmed, quiet = delivery(), delivery()
    confirmed.succeeded(error=None, segments=None, at=AT, confirmed_types={"case.referred"})
    quiet.succeeded(error=None, segments=None, at=AT, confirmed_types={"case.filed"})
    assert (confirmed.status, confirmed.attempts, confirmed.delivered_at, confirmed.next_attempt_at) == \
        ("delivered", 1, AT, None)
    [recorded] = confirmed.recorded
    assert (recorded.type, recorded.subject, recorded.payload.delivery_id) == ("notification.delivered", "case-1",
                                                                               "d-1")
    assert quiet.status == "delivered" and quiet.recorded == []


def test_a_message_without_an_address_is_skipped_and_not_confirmed():
    sms = delivery("sms")
    sms.succeeded(error="skipped: no contact", segments=None, at=AT, confirmed_types={"case.referred"})
    assert (sms.status, sms.last_error, sms.recorded) == ("skipped", "skipped: no contact", [])


def test_a_failed_attempt_is_tried_again_on_the_schedule_then_dead_lettered():
    letter = delivery()
    letter.failed(error="HTTP 500", segments=None, gone=False, at=AT, retry=RETRY)
    assert (letter.status, letter.attempts, letter.next_attempt_at) == ("pending", 1, AT + timedelta(seconds=5))
    letter.failed(error="timeout", segments=None, gone=False, at=AT, retry=RETRY)
    assert letter.next_attempt_at == AT + timedelta(seconds=300) and letter.recorded == []
    letter.failed(error="timeout", segments=None, gone=False, at=AT, retry=RETRY)
    assert (letter.status, letter.attempts, letter.next_attempt_at) == ("failed", 3, None)
    [dead] = letter.recorded
    assert (dead.type, dead.payload.error, dead.payload.attempts) == ("notification.dead_lettered", "timeout", 3)


def test_a_receiver_gone_ends_the_delivery_at_its_first_attempt():
    gone = delivery()
    gone.failed(error="HTTP 410", segments=None, gone=True, at=AT, retry=RETRY)
    assert (gone.status, gone.attempts, [e.type for e in gone.recorded]) == \
        ("failed", 1, ["notification.dead_lettered"])


def test_only_a_pending_delivery_is_attempted_and_only_a_failed_one_retried():
    pending = delivery()
    with pytest.raises(Conflict) as refused:
        pending.retry(at=AT)
    assert refused.value.status == 409 and refused.value.extra["status_now"] == "pending"
    pending.succeeded(error=None, segments=None, at=AT, confirmed_types=())
    for again in (lambda: pending.succeeded(error=None, segments=None, at=AT, confirmed_types=()),
                  lambda: pending.failed(error="x", segments=None, gone=False, at=AT, retry=RETRY),
                  lambda: pending.lease(until=AT), lambda: pending.postpone(to=AT)):
        with pytest.raises(Conflict):
            again()
    assert (pending.status, pending.attempts) == ("delivered", 1)


def test_a_dead_letter_retried_starts_a_fresh_schedule_now():
    letter = delivery(status="failed", attempts=8, next_attempt_at=None)
    letter.retry(at=AT + timedelta(hours=1))
    assert (letter.status, letter.attempts, letter.next_attempt_at) == ("pending", 0, AT + timedelta(hours=1))


def test_a_lease_and_a_postponement_move_the_next_attempt():
    claimed = delivery()
    claimed.lease(until=AT + timedelta(seconds=70))
    assert claimed.next_attempt_at == AT + timedelta(seconds=70)
    claimed.postpone(to=AT + timedelta(seconds=3))
    assert claimed.next_attempt_at == AT + timedelta(seconds=3) and claimed.pending


def test_a_rotated_secret_signs_alongside_the_old_one_for_the_overlap():
    rotated = subscription()
    rotated.rotate(secret_enc="enc-2", at=AT, overlap_seconds=3600)
    assert rotated.secrets_enc(at=AT + timedelta(minutes=59)) == ["enc-2", "enc-1"]
    assert rotated.secrets_enc(at=AT + timedelta(hours=1)) == ["enc-2"]
    assert subscription().secrets_enc(at=AT) == ["enc-1"]


def test_a_subscription_disabled_keeps_the_first_reason():
    gone = subscription()
    gone.disable(reason="HTTP 410 (410 Gone)")
    gone.disable(reason="later")
    assert (gone.active, gone.disabled_reason) == (False, "HTTP 410 (410 Gone)")


def test_a_subscription_matches_its_event_types_and_filters():
    some = subscription(event_types=["jointsup.case.filed", "case.closed"], filters={"agency": ["440105-amr"]})
    assert some.event_types == ["case.filed", "case.closed"]
    assert some.matches("case.filed", {"agency": "440105-amr"})
    assert not some.matches("case.filed", {"agency": "440106-amr"})
    assert not some.matches("case.decided", {"agency": "440105-amr"})
    assert subscription().matches("anything", {})


def render(recipient: str, role: str) -> tuple[str, str]:
    return ("T" * 300 if role == "lead" else f"{role} {recipient}", "body")


def test_an_event_is_fanned_out_to_its_audience():
    routed = event("complaint.routed", subject="c-1", lead_agency="440105-amr", complaint_id="c-1")
    hooks = {"440105-amr": [subscription(), subscription(id="s-2", event_types=["case.filed"])]}
    notification = Notification.fan_out(
        event=routed, who=Audience(agencies=["440105-amr", "440100-cac"], complainants=["c-1"],
                                   lead_offices=["440100-amr"]),
        subscriptions=hooks, render=render, first_attempt=AT + timedelta(seconds=5), at=AT)
    assert [(i.recipient, i.title) for i in notification.inbox] == [
        ("440105-amr", "T" * 200), ("440100-cac", "co 440100-cac"), ("440100-amr", "lead_office 440100-amr")]
    assert [(d.recipient, d.channel, d.target) for d in notification.deliveries] == [
        ("440105-amr", "webhook", "s-1"), ("complainant:c-1", "sms", "-"), ("complainant:c-1", "email", "-")]
    webhook, sms, _ = notification.deliveries
    assert webhook.payload["cloudevent"]["type"] == "jointsup.complaint.routed" and webhook.endpoint == "webhook:s-1"
    assert sms.payload["complaint_id"] == "c-1" and "phone" not in str(sms.payload)
    assert {(d.status, d.attempts, d.next_attempt_at) for d in notification.deliveries} == \
        {("pending", 0, AT + timedelta(seconds=5))}
    assert len({d.id for d in notification.deliveries}) == 3


def test_two_events_carrying_one_overdue_step_share_its_dedupe_key():
    first = event("case.overdue", step="investigation", due_at="2026-11-01", agency="440105-amr")
    second = Event(**{**first.__dict__, "id": "another"})
    made = [Notification.fan_out(event=e, who=Audience(agencies=["440105-amr"]), subscriptions={}, render=render,
                                 first_attempt=AT, at=AT) for e in (first, second)]
    assert made[0].key == made[1].key == "overdue:case.overdue:case-1:investigation:2026-11-01"
    assert made[0].inbox[0].dedupe_key == made[0].key
    other = Notification.fan_out(event=event("case.filed"), who=Audience(), subscriptions={}, render=render,
                                 first_attempt=AT, at=AT)
    assert other.key == "e-case.filed" and other.inbox == other.deliveries == []


def test_an_inbox_item_is_read_once():
    item = InboxItem(id=1, recipient="440105-amr", event_id="e-1", dedupe_key="e-1", event_type="x",
                     aggregate_id="c-1", title="t", body="b", created_at=AT)
    item.read(at=AT)
    item.read(at=AT + timedelta(hours=1))
    assert item.read_at == AT
