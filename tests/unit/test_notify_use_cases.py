"""The notify use cases on an in-memory unit of work: an event's notification made once however often the event
comes, sent at once by this process when it is due at once, whose inbox items and deliveries a caller may touch,
and what a subscription accepts. No database, no broker, no network."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from services.notify import handling, subscriptions
from services.notify.consumers import notify
from services.notify.domain.audience import Audience
from services.notify.domain.delivery import Delivery
from services.notify.domain.inbox import InboxItem
from services.notify.domain.subscription import Subscription
from services.notify.schemas import SubscriptionIn
from services.notify.settings import NotifySettings
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import Event
from tests.unit.fake_notify import FORBIDDEN_URL, FakeDeliverer, FakeUnitOfWork

AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
REFERRED = Event(id="e-1", type="jointsup.case.referred", source="/jointsup/cases", subject="case-1", time=AT,
                 data={"case_id": "case-1", "to_agency": "440105-amr", "from_agency": "440106-amr"})
WHO = Audience(agencies=["440105-amr", "440106-amr"])


def hook(id: str = "s-1", owner: str = "440105-amr", **fields) -> Subscription:
    return Subscription.register(**{"id": id, "owner": owner, "url": "https://hooks.example.com/x",
                                    "event_types": ["*"], "filters": {}, "secret_enc": "enc", "by": "t", "at": AT,
                                    **fields})


def letter(status: str = "failed") -> Delivery:
    return Delivery(id="d-1", dedupe_key="e-1", event_id="e-1", event_type="jointsup.case.referred",
                    aggregate_id="case-1", recipient="440105-amr", channel="webhook", target="s-1",
                    endpoint="webhook:s-1", status=status, attempts=8, created_at=AT)


async def test_an_event_due_at_once_is_leased_to_this_process_and_sent_once_committed():
    uow = FakeUnitOfWork(hook(), replace(hook("s-off"), active=False), now=AT, deliverer=FakeDeliverer())
    await notify(uow=uow, event=REFERRED, who=WHO)
    assert [i.recipient for i in uow.inbox.stored.values()] == ["440105-amr", "440106-amr"]
    [delivery] = uow.deliveries.inserted
    assert (delivery.target, delivery.next_attempt_at) == ("s-1", AT + timedelta(seconds=70))
    [send] = uow.after_commit
    assert send.args == (delivery.id, "webhook:s-1", ("webhook", "s-1", delivery.id))


async def test_an_event_that_comes_again_makes_nothing_twice():
    first = FakeUnitOfWork(hook(), now=AT, deliverer=FakeDeliverer())
    await notify(uow=first, event=REFERRED, who=WHO)
    again = FakeUnitOfWork(hook(), *first.inbox.stored.values(), *first.deliveries.stored.values(), now=AT,
                           deliverer=FakeDeliverer())
    await notify(uow=again, event=REFERRED, who=WHO)
    assert len(again.inbox.stored) == 2 and len(again.deliveries.stored) == 1
    assert again.deliveries.inserted == again.after_commit == []


async def test_without_a_deliverer_or_a_first_delay_the_poll_sends_it():
    late = NotifySettings(retry_schedule="5,300")
    for uow, due in ((FakeUnitOfWork(hook(), now=AT), AT), (FakeUnitOfWork(hook(), now=AT, deliverer=FakeDeliverer(),
                                                                          settings=late), AT + timedelta(seconds=5))):
        await notify(uow=uow, event=REFERRED, who=WHO)
        assert [d.next_attempt_at for d in uow.deliveries.inserted] == [due] and uow.after_commit == []


async def test_an_inbox_item_is_read_by_its_recipient_only_and_once():
    item = InboxItem(id=7, recipient="440105-amr", event_id="e-1", dedupe_key="e-1", event_type="x",
                     aggregate_id="c-1", title="t", body="b", created_at=AT)
    uow = FakeUnitOfWork(item, now=AT)
    with pytest.raises(NotFound):
        await handling.mark_read(uow=uow, recipient="440106-amr", item_id=7)
    read = await handling.mark_read(uow=uow, recipient="440105-amr", item_id=7)
    uow.now = AT + timedelta(hours=1)
    again = await handling.mark_read(uow=uow, recipient="440105-amr", item_id=7)
    assert read.read_at == again.read_at == AT and uow.committed == 1


async def test_only_a_dead_letter_is_retried_and_only_by_its_recipient_or_an_admin():
    uow = FakeUnitOfWork(letter(), now=AT)
    with pytest.raises(NotFound):
        await handling.retry_delivery(uow=uow, owner="440106-amr", delivery_id="d-1")
    retried = await handling.retry_delivery(uow=uow, owner=None, delivery_id="d-1")
    assert (retried.status, retried.attempts, retried.next_attempt_at, uow.committed) == ("pending", 0, AT, 1)
    with pytest.raises(Conflict):
        await handling.retry_delivery(uow=uow, owner="440105-amr", delivery_id="d-1")
    assert uow.committed == 1


async def test_a_subscription_names_known_event_types_and_a_target_that_may_be_called():
    uow = FakeUnitOfWork(now=AT, deliverer=FakeDeliverer())
    body = {"url": "https://hooks.example.com/x", "event_types": ["jointsup.case.filed", "no.such"]}
    with pytest.raises(InvalidInput) as unknown:
        await subscriptions.create(uow=uow, owner="440105-amr", actor="t", body=SubscriptionIn(**body))
    with pytest.raises(InvalidInput) as forbidden:
        await subscriptions.create(uow=uow, owner="440105-amr", actor="t",
                                   body=SubscriptionIn(**{**body, "event_types": ["*"], "url": FORBIDDEN_URL}))
    assert [e["field"] for e in unknown.value.extra["errors"] + forbidden.value.extra["errors"]] == \
        ["event_types.1", "url"]
    made = await subscriptions.create(uow=uow, owner="440105-amr", actor="t",
                                      body=SubscriptionIn(**{**body, "event_types": ["jointsup.case.filed"]}))
    stored = uow.subscriptions.stored[made.id]
    assert made.secret.startswith("whsec_") and uow.runtime.cipher.decrypt(stored.secret_enc) == made.secret
    assert (made.event_types, stored.owner, uow.committed) == (["case.filed"], "440105-amr", 1)


async def test_a_rotation_keeps_the_old_secret_for_the_overlap_and_is_the_owners_alone():
    uow = FakeUnitOfWork(hook(), now=AT)
    with pytest.raises(NotFound):
        await subscriptions.rotate(uow=uow, owner="440106-amr", subscription_id="s-1")
    rotated = await subscriptions.rotate(uow=uow, owner="440105-amr", subscription_id="s-1")
    stored = uow.subscriptions.stored["s-1"]
    assert stored.previous_secret_enc == "enc" and uow.runtime.cipher.decrypt(stored.secret_enc) == rotated.secret
    assert rotated.previous_valid_until == AT + timedelta(seconds=uow.runtime.settings.secret_overlap_seconds)
