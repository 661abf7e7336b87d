"""Sends due deliveries: claimed with a lease (SKIP LOCKED on PostgreSQL), sent concurrently with a limit per
endpoint and a circuit breaker, retried on the schedule, dead-lettered after the last attempt."""
import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

import httpx

from shared.db import DATABASE_AWAY
from shared.pii import mask_contact

from .channels import SMS_PROVIDERS, Contacts, Mailer, Outcome
from .consumers import rules
from .domain.delivery import Delivery
from .domain.retry import Circuit, RetrySchedule
from .domain.subscription import Subscription
from .repository import NotifyUnitOfWork
from .runtime import NotifyRuntime
from .templates import render
from .webhooks import Guard, checked_client, post_webhook

log = logging.getLogger(__name__)
LEASE_SECONDS = 60
RECORD_RETRY_SECONDS = (0.5, 1, 2, 4, 8)  # pauses between tries to record attempts while the database is away
Send = Callable[[], Awaitable[Outcome]]


class Deliverer:
    def __init__(self, runtime: NotifyRuntime):
        self.runtime, self.settings = runtime, runtime.settings
        self.guard = Guard.of(self.settings)
        self.webhooks = checked_client(self.guard, limits=httpx.Limits(
            max_connections=100, max_keepalive_connections=20,  # httpx's defaults
            keepalive_expiry=self.settings.webhook_keep_alive_seconds))
        self.client = httpx.AsyncClient()  # the complaints service, an internal address the guard would refuse
        self.contacts = Contacts(self.settings, self.client)
        self.mailer = Mailer(self.settings)
        self.sms = SMS_PROVIDERS[self.settings.sms_provider](self.settings)
        self.circuit = Circuit(self.settings.circuit_failures, self.settings.circuit_open_seconds)
        self.rng = random.Random()
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._in_flight: set[asyncio.Task] = set()
        self._succeeded: list[tuple[str, Outcome]] = []  # attempts that worked, waiting to be recorded
        self._recording: asyncio.Task | None = None
        self.due = asyncio.Event()  # set when a new delivery is due now: poll without waiting for the next round

    def wake(self) -> None:
        self.due.set()

    def lease_end(self, now: datetime) -> datetime:
        """Until then a claimed delivery is left alone by every other poll and replica."""
        return now + timedelta(seconds=LEASE_SECONDS + self.settings.webhook_timeout_seconds)

    def send_soon(self, delivery_id: str, endpoint: str, ready: Send | None = None) -> None:
        """Send a delivery already leased to this process (called once its transaction has committed); a
        webhook prepared in that transaction is posted without reading the delivery back."""
        asyncio.get_running_loop().call_soon(self._start, delivery_id, endpoint, ready)

    def webhook(self, subscription: Subscription, delivery_id: str, payload: dict) -> Send:
        body = json.dumps(payload["cloudevent"], ensure_ascii=False, separators=(",", ":")).encode()
        return partial(post_webhook, self.webhooks, self.guard, url=subscription.url,
                       secrets=self._secrets(subscription), msg_id=delivery_id, body=body,
                       timeout=self.settings.webhook_timeout_seconds)

    async def poll(self) -> int:
        """Claim what is due and start sending it; returns how many were started (sends run on)."""
        claimed = await self._claim()
        for delivery_id, endpoint in claimed:
            self._start(delivery_id, endpoint)
        return len(claimed)

    def _start(self, delivery_id: str, endpoint: str, ready: Send | None = None) -> None:
        self._track(asyncio.create_task(self._send(delivery_id, endpoint, ready)))

    def _track(self, task: asyncio.Task) -> None:
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def drain(self) -> None:
        """Wait for the sends in flight (tests, and a clean stop)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        await self.webhooks.aclose()
        await self.client.aclose()

    async def _claim(self, batch: int = 200) -> list[tuple[str, str]]:
        async with NotifyUnitOfWork.begin(self.runtime) as uow:
            due = await uow.deliveries.due(at=uow.now, batch=batch)
            for delivery in due:
                delivery.lease(until=self.lease_end(uow.now))
            await uow.commit()
            return [(d.id, d.endpoint) for d in due]

    async def _send(self, delivery_id: str, endpoint: str, ready: Send | None = None) -> None:
        if not self.circuit.allows(endpoint, time.monotonic()):
            wait = self.circuit.retry_at(endpoint) - time.monotonic()
            at = self.runtime.now() + timedelta(seconds=max(wait, 0.1))
            await self._recorded(partial(self._reschedule, delivery_id, at), f"the postponement of {delivery_id}")
            return
        limit = self._limits.setdefault(endpoint, asyncio.Semaphore(self.settings.endpoint_concurrency))
        async with limit:
            try:
                outcome = await (ready() if ready else self._attempt(delivery_id))
            except Exception:  # an unexpected error is a failed attempt, not a lost delivery
                log.exception("delivery %s failed unexpectedly", delivery_id)
                outcome = Outcome(False, "internal error")  # its text could hold what the caller must not see
        if outcome is not None:
            self.circuit.record(endpoint, outcome.ok, time.monotonic())
            await self._record(delivery_id, outcome)

    async def _recorded(self, write: Callable[[], Awaitable[None]], what: str) -> None:
        """Run `write`, again after a pause while the database is away (15 s in all, well within the lease): an
        attempt made during a database restart is recorded once it is back, not made again when its lease ends.
        Should it fail for good, the lease runs out and the delivery is tried again: late, never lost."""
        for pause in (*RECORD_RETRY_SECONDS, None):
            try:
                return await write()
            except DATABASE_AWAY as exc:
                if pause is None:
                    log.exception("recording %s failed: the database stayed away", what)
                    return
                log.warning("recording %s: the database is away (%s); trying again in %s s", what,
                            type(exc).__name__, pause)
                await asyncio.sleep(pause)
            except Exception:
                log.exception("recording %s failed", what)
                return

    async def _attempt(self, delivery_id: str) -> Outcome | None:
        async with NotifyUnitOfWork.begin(self.runtime) as uow:  # read only: nothing is committed
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is None or not delivery.pending:
                return None
            subscription = await uow.subscriptions.get(delivery.target) if delivery.channel == "webhook" else None
        if delivery.channel == "webhook":
            if subscription is None or not subscription.active:
                return Outcome(False, "the subscription is disabled or gone", gone=True)
            return await self.webhook(subscription, delivery.id, delivery.payload)()
        if delivery.channel == "email" and delivery.payload.get("digest"):
            title, text = render("digest", **delivery.payload["digest"])
            return await self.mailer.send(delivery.payload["to"], title, text)
        return await self._to_complainant(delivery)

    async def _to_complainant(self, delivery: Delivery) -> Outcome:
        contact = await self.contacts.of(delivery.payload["complaint_id"])
        address = (contact or {}).get("phone" if delivery.channel == "sms" else "email")
        if not address:
            return Outcome(True, error="skipped: no contact for this channel (anonymous or not given)")
        event = delivery.payload["cloudevent"]
        shown = mask_contact({k: contact.get(k) for k in ("name", "phone", "email")})
        title, body = render(event["type"].removeprefix("jointsup."), event=event, data=event["data"],
                             role="complainant", recipient=delivery.recipient, complainant=shown)
        if delivery.channel == "sms":
            return await self.sms.send(address, f"【市场监管】{title}：{body}")
        return await self.mailer.send(address, title, body)

    def _secrets(self, subscription: Subscription) -> list[str]:
        return [self.runtime.cipher.decrypt(s) for s in subscription.secrets_enc(at=self.runtime.now())]

    async def _reschedule(self, delivery_id: str, at: datetime) -> None:
        async with NotifyUnitOfWork.begin(self.runtime) as uow:
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is not None and delivery.pending:
                delivery.postpone(to=at)
                await uow.commit()

    async def _record(self, delivery_id: str, outcome: Outcome) -> None:
        if outcome.ok:
            self._succeeded.append((delivery_id, outcome))
            if self._recording is None or self._recording.done():
                self._recording = asyncio.create_task(self._record_successes())
                self._track(self._recording)
        else:
            await self._recorded(partial(self._record_failure, delivery_id, outcome), f"the attempt on {delivery_id}")

    async def _record_successes(self) -> None:
        """Record what worked, all that has gathered in one transaction: one at a time when it is quiet, many
        together under load (what succeeds while a write is under way waits for the next one)."""
        while self._succeeded:
            batch, self._succeeded = self._succeeded, []
            await self._recorded(partial(self._write_successes, batch), f"{len(batch)} delivered attempts")

    async def _write_successes(self, batch: list[tuple[str, Outcome]]) -> None:
        """Every attempt that worked, in one transaction, with the confirmations the event types ask for."""
        outcomes = dict(batch)
        confirmed = rules().get("confirm_delivery", [])
        async with NotifyUnitOfWork.begin(self.runtime) as uow:
            for delivery in await uow.deliveries.pending_among(list(outcomes)):
                outcome = outcomes[delivery.id]
                delivery.succeeded(error=outcome.error, segments=outcome.segments, at=uow.now,
                                   confirmed_types=confirmed)
            await uow.commit()

    async def _record_failure(self, delivery_id: str, outcome: Outcome) -> None:
        """Tried again on the schedule, or dead-lettered after the last attempt (a 410 ends it and disables
        the subscription)."""
        async with NotifyUnitOfWork.begin(self.runtime) as uow:
            delivery = await uow.deliveries.get(delivery_id)
            if delivery is None or not delivery.pending:
                return
            retry = RetrySchedule(self.settings.schedule, self.settings.retry_jitter, self.rng)
            delivery.failed(error=outcome.error, segments=outcome.segments, gone=outcome.gone, at=uow.now,
                            retry=retry)
            if outcome.gone and not delivery.pending and delivery.channel == "webhook":
                subscription = await uow.subscriptions.get(delivery.target)
                if subscription is not None:
                    subscription.disable(reason=f"{outcome.error} (410 Gone)")
            await uow.commit()
