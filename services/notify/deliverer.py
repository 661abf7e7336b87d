"""Sends due deliveries: claimed with a lease (SKIP LOCKED on PostgreSQL), sent concurrently with a limit per
endpoint and a circuit breaker, retried on the schedule, dead-lettered after the last attempt."""
import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from functools import partial

import httpx
from sqlalchemy import Row, bindparam, update
from sqlmodel import select

from shared.db import DATABASE_AWAY, for_update
from shared.events.payloads.notify import NotificationDeadLettered, NotificationDelivered
from shared.pii import mask_contact
from shared.runtime import ServiceRuntime

from .channels import SMS_PROVIDERS, Contacts, Mailer, Outcome
from .consumers import rules
from .domain.retry import Circuit, next_delay
from .tables import Delivery, Subscription
from .templates import render
from .webhooks import Guard, checked_client, post_webhook

log = logging.getLogger(__name__)
LEASE_SECONDS = 60
RECORD_RETRY_SECONDS = (0.5, 1, 2, 4, 8)  # pauses between tries to record attempts while the database is away
_DELIVERY = Delivery.__table__
_RECORD_SUCCESS = update(_DELIVERY).where(
    _DELIVERY.c.id.in_(bindparam("ids", expanding=True)), _DELIVERY.c.status == "pending").values(
    attempts=_DELIVERY.c.attempts + 1, last_error=bindparam("error"), segments=bindparam("segments"),
    status=bindparam("status"), delivered_at=bindparam("now"), next_attempt_at=None).returning(
    _DELIVERY.c.id, _DELIVERY.c.event_id, _DELIVERY.c.event_type, _DELIVERY.c.aggregate_id,
    _DELIVERY.c.recipient, _DELIVERY.c.channel)
Send = Callable[[], Awaitable[Outcome]]


class Deliverer:
    def __init__(self, runtime: ServiceRuntime):
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
        now = datetime.now(timezone.utc)
        async with self.runtime.sessionmaker() as session, session.begin():
            query = for_update(select(Delivery).where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                               .order_by(Delivery.next_attempt_at).limit(batch), session, skip_locked=True)
            rows = (await session.exec(query)).all()
            lease = self.lease_end(now)
            for row in rows:
                row.next_attempt_at = lease  # another poll or replica leaves it alone until the lease ends
                session.add(row)
            return [(r.id, r.endpoint) for r in rows]

    async def _send(self, delivery_id: str, endpoint: str, ready: Send | None = None) -> None:
        if not self.circuit.allows(endpoint, time.monotonic()):
            wait = self.circuit.retry_at(endpoint) - time.monotonic()
            at = datetime.now(timezone.utc) + timedelta(seconds=max(wait, 0.1))
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
        async with self.runtime.sessionmaker() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None or delivery.status != "pending":
                return None
            subscription = await session.get(Subscription, delivery.target) if delivery.channel == "webhook" else None
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
        cipher = self.runtime.cipher
        secrets = [cipher.decrypt(subscription.secret_enc)]
        if subscription.previous_secret_enc and subscription.previous_valid_until and \
                subscription.previous_valid_until > datetime.now(timezone.utc):
            secrets.append(cipher.decrypt(subscription.previous_secret_enc))
        return secrets

    async def _reschedule(self, delivery_id: str, at: datetime) -> None:
        async with self.runtime.sessionmaker() as session, session.begin():
            delivery = await session.get(Delivery, delivery_id)
            if delivery is not None and delivery.status == "pending":
                delivery.next_attempt_at = at
                session.add(delivery)

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
        """One UPDATE per kind of result (a webhook is delivered, a message without an address skipped); the
        confirmation events that the event types ask for, with them."""
        now = datetime.now(timezone.utc)
        kinds: dict[tuple, list[str]] = {}
        for delivery_id, outcome in batch:
            kinds.setdefault((outcome.error, outcome.segments), []).append(delivery_id)
        confirmed = rules().get("confirm_delivery", [])
        async with self.runtime.sessionmaker() as session, session.begin():
            connection = await session.connection()
            for (error, segments), ids in kinds.items():
                done = (await connection.execute(_RECORD_SUCCESS, {
                    "ids": ids, "error": error, "segments": segments, "now": now,
                    "status": "skipped" if error else "delivered"})).all()
                for row in done:
                    if row.channel == "webhook" and row.event_type.removeprefix("jointsup.") in confirmed:
                        self.runtime.outbox.add(session, "notification.delivered", subject=row.aggregate_id,
                                                      data=NotificationDelivered(**self._fields(row)))

    async def _record_failure(self, delivery_id: str, outcome: Outcome) -> None:
        """Tried again on the schedule, or dead-lettered after the last attempt (a 410 ends it and disables
        the subscription)."""
        now = datetime.now(timezone.utc)
        async with self.runtime.sessionmaker() as session, session.begin():
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None or delivery.status != "pending":
                return
            delivery.attempts += 1
            delivery.last_error, delivery.segments = outcome.error, outcome.segments
            delay = None if outcome.gone else next_delay(
                self.settings.schedule, delivery.attempts, jitter=self.settings.retry_jitter, rng=self.rng)
            if delay is not None:
                delivery.next_attempt_at = now + timedelta(seconds=delay)
            else:
                delivery.status, delivery.next_attempt_at = "failed", None
                if outcome.gone and delivery.channel == "webhook":
                    subscription = await session.get(Subscription, delivery.target)
                    if subscription is not None and subscription.active:
                        subscription.active, subscription.disabled_reason = False, f"{outcome.error} (410 Gone)"
                        session.add(subscription)
                self.runtime.outbox.add(session, "notification.dead_lettered", subject=delivery.aggregate_id,
                                              data=NotificationDeadLettered(**self._fields(delivery),
                                                                            error=outcome.error or "",
                                                                            attempts=delivery.attempts))
            session.add(delivery)

    @staticmethod
    def _fields(delivery: Delivery | Row) -> dict:
        """The event fields of a delivery, from its ORM row or a row returned by an UPDATE."""
        return {"delivery_id": delivery.id, "event_id": delivery.event_id, "event_type": delivery.event_type,
                "recipient": delivery.recipient, "channel": delivery.channel}
