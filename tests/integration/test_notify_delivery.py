"""Notify over the real broker and real HTTP: signed webhooks with retries, dead letters and manual retry,
isolation of a slow endpoint, restart without loss, no double sends, e-mail, SMS, contacts, scoping, input."""
import asyncio
import json
import logging
import math
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select, update

from harness.webhooks import Receiver, verify
from services.notify.tables import Delivery
from shared.events.payloads.cases import CaseReferred
from shared.events.payloads.complaints import ComplaintOverdue, ComplaintRouted
from tests.support import INTAKE, auth, complaint_body, eventually, logged, officer, outbox_types, publish, unique

HAIZHU_AMR = officer("440105-amr")


async def subscribe(client, headers, url: str, event_types: list[str], **extra) -> dict:
    response = await client.post("/v1/subscriptions", json={"url": url, "event_types": event_types, **extra},
                                 headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def referral(to_agency: str) -> CaseReferred:
    return CaseReferred(referral_id=unique("ref"), case_id=unique("case"), kind="function", from_agency="440105-amr",
                        to_agency=to_agency, reason="依职责移送", due_at=datetime.now(timezone.utc) + timedelta(days=7))


async def deliveries_of(system, event_id: str) -> list[Delivery]:
    async with system["notify"].runtime.sessionmaker() as session:
        return list((await session.exec(select(Delivery).where(Delivery.event_id == event_id))).all())


async def webhook_delivered(system, event_id: str) -> list[Delivery] | None:
    """The event's webhook delivery once it is marked delivered, else None."""
    rows = [d for d in await deliveries_of(system, event_id) if d.channel == "webhook"]
    return rows if rows and rows[0].status == "delivered" else None


async def test_signed_webhook_succeeds_on_the_third_attempt(system):
    async with Receiver() as receiver, system.client("notify") as client:
        sub = await subscribe(client, officer("440100-tax"), receiver.url("tax", fail_first=2), ["case.referred"])
        assert sub["secret"].startswith("whsec_")
        event_id = await publish(system.broker.bootstrap, "case.referred", subject="case",
                                 payload=referral("440100-tax"))
        endpoint = receiver.endpoints["tax"]
        await eventually(lambda: asyncio.sleep(0, endpoint.received), what="the third attempt accepted")
        listed = (await client.get("/v1/subscriptions", headers=officer("440100-tax"))).json()
    assert len(endpoint.calls) == 3 and [c["answered"] for c in endpoint.calls] == [500, 500, 200]
    assert {c["headers"]["webhook-id"] for c in endpoint.calls} == {endpoint.calls[0]["headers"]["webhook-id"]}
    assert all(verify(sub["secret"], c["headers"], c["body"]) for c in endpoint.calls)
    assert not verify("whsec_" + "QUJD" * 8, endpoint.calls[-1]["headers"], endpoint.calls[-1]["body"])
    event = endpoint.received[0]["event"]
    assert (event["id"], event["type"], event["specversion"]) == (event_id, "jointsup.case.referred", "1.0")
    assert [s["secret"] for s in listed] == [None]  # shown once

    (row,) = await eventually(lambda: webhook_delivered(system, event_id), what="delivery marked delivered")
    assert row.attempts == 3
    assert "notification.delivered" in await outbox_types(system["notify"].runtime, "case")


async def test_webhooks_that_succeed_together_are_each_recorded_once_with_their_confirmation(system):
    """Successes are recorded together under load: each delivery is marked once, each confirmed once (an agency
    no other test subscribes for, so no other test's events reach this receiver)."""
    cases = [unique("case") for _ in range(12)]
    async with Receiver() as receiver, system.client("notify") as client:
        await subscribe(client, officer("440100-nr"), receiver.url("nr"), ["case.referred"])
        event_ids = await asyncio.gather(*(publish(system.broker.bootstrap, "case.referred", subject=case,
                                                   payload=referral("440100-nr")) for case in cases))
        endpoint = receiver.endpoints["nr"]
        try:
            await eventually(lambda: asyncio.sleep(0, len(endpoint.received) == len(cases)), what="every webhook")
        except AssertionError as missing:  # seen once in a full run (11 of 12): say where the missing one was
            rows = {event_id: [(d.status, d.attempts, d.next_attempt_at, d.last_error)
                               for d in await deliveries_of(system, event_id)] for event_id in event_ids}
            raise AssertionError(f"{missing}; deliveries by event: {rows}; notify consumers: "
                                 f"{[c.stats for c in system['notify'].runtime.consumers]}") from None

    async def recorded():
        rows = [row for event_id in event_ids for row in await deliveries_of(system, event_id)
                if row.channel == "webhook"]
        return rows if len(rows) == len(cases) and all(r.status == "delivered" for r in rows) else None

    rows = await eventually(recorded, what="every delivery marked delivered")
    assert [r.attempts for r in rows] == [1] * len(cases) and len(endpoint.calls) == len(cases)
    for case in cases:
        assert await outbox_types(system["notify"].runtime, case) == ["notification.delivered"]


async def test_always_failing_endpoint_is_dead_lettered_then_retried_by_hand(system):
    async with Receiver() as receiver, system.client("notify") as client:
        headers = officer("440100-comm")
        await subscribe(client, headers, receiver.url("comm", status=503), ["case.referred"])
        event_id = await publish(system.broker.bootstrap, "case.referred", subject="case",
                                 payload=referral("440100-comm"))

        async def dead():
            failed = (await client.get("/v1/deliveries", params={"status": "failed"}, headers=headers)).json()
            return [d for d in failed if d["event_id"] == event_id]

        (letter,) = await eventually(dead, what="dead-lettered after the last attempt")
        assert letter["attempts"] == 4 and letter["last_error"] == "HTTP 503"
        receiver.endpoints["comm"].status = 200
        retried = await client.post(f"/v1/deliveries/{letter['id']}/retry", headers=headers)
        again = await client.post(f"/v1/deliveries/{letter['id']}/retry", headers=headers)
        stranger = await client.post(f"/v1/deliveries/{letter['id']}/retry", headers=officer("440100-tax"))
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["comm"].received), what="delivered by hand")
    assert retried.status_code == 200 and again.status_code == 409 and stranger.status_code == 404
    assert "notification.dead_lettered" in await outbox_types(system["notify"].runtime, "case")


async def test_a_slow_endpoint_does_not_delay_a_healthy_one(system):
    async with Receiver() as receiver, system.client("notify") as client:
        headers = officer("440100-transport")
        await subscribe(client, headers, receiver.url("slow", delay=4), ["case.referred"])
        await subscribe(client, headers, receiver.url("fast"), ["case.referred"])
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-transport"))
        started = asyncio.get_running_loop().time()
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["fast"].received), what="the healthy endpoint")
        elapsed = asyncio.get_running_loop().time() - started
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["slow"].received), timeout=15,
                         what="the slow endpoint in the end")
    assert elapsed < 3.5  # the slow one answers only after 4 s


async def test_a_connection_to_a_receiver_is_not_kept_idle_past_the_keep_alive(system):
    """Receivers built on uvicorn or Node.js close an idle connection after 5 s, as httpx would keep it: a
    webhook sent on it just as the receiver closed it would fail. Notify keeps one 2 s, then connects anew."""
    idle = system["notify"].runtime.settings.webhook_keep_alive_seconds + 0.5
    async with Receiver() as receiver, system.client("notify") as client:  # the receiver keeps connections 5 s
        # an agency no other test subscribes for: no other test's webhook goes to a receiver of this one
        await subscribe(client, officer("330100-customs"), receiver.url("hz-customs"), ["case.referred"])
        endpoint = receiver.endpoints["hz-customs"]
        ports = []
        for _ in range(2):
            event_id = await publish(system.broker.bootstrap, "case.referred", subject="case",
                                     payload=referral("330100-customs"))
            (call,) = await eventually(lambda: asyncio.sleep(0, [c for c in endpoint.received
                                                                  if c["event"]["id"] == event_id]),
                                       what="the webhook")
            ports.append(call["client_port"])
            await asyncio.sleep(idle)
    assert ports[0] != ports[1]  # the second webhook came on a new connection


async def test_a_webhook_answered_while_the_database_is_away_is_recorded_once_it_is_back(system, backend, databases):
    """The attempt is recorded on a later try, within the lease: delivered once, not sent again when it ends."""
    if backend != "postgres":
        pytest.skip("an outage of one database while its server runs is PostgreSQL's (SQLite's is a file)")
    url = system["notify"].runtime.settings.database_url
    async with Receiver() as receiver, system.client("notify") as client:
        await subscribe(client, officer("440100-customs"), receiver.url("customs", delay=2), ["case.referred"])
        event_id = await publish(system.broker.bootstrap, "case.referred", subject=unique("case"),
                                 payload=referral("440100-customs"))
        await eventually(lambda: deliveries_of(system, event_id), what="the delivery, leased and being sent")
        endpoint = receiver.endpoints["customs"]
        with logged("shared.runtime") as lines:
            databases.accept_connections(url, False)
            try:
                await eventually(lambda: asyncio.sleep(0, endpoint.received), what="the webhook answered")
                await asyncio.sleep(1.5)  # the first tries to record it have failed by now
            finally:
                databases.accept_connections(url, True)

            (row,) = await eventually(lambda: webhook_delivered(system, event_id),
                                      what="the attempt recorded once the database is back")
            await eventually(lambda: asyncio.sleep(0, any("deliverer: the database is back" in x for x in lines)),
                             what="the deliverer's poll saying the database is back")
    assert row.attempts == 1 and len(endpoint.calls) == 1
    said = [line for line in lines if "notify deliverer" in line]  # it polls every 0.1 s
    away = [line for line in said if "the database is away (OperationalError)" in line]
    back = [line for line in said if "the database is back" in line]
    assert len(away) == len(back) == 1 and len(said) <= 3, said  # a poll cut off mid-statement may say more


async def test_a_restart_mid_schedule_loses_no_delivery(system):
    async with Receiver() as receiver:
        async with system.client("notify") as client:
            await subscribe(client, officer("440100-hrss"), receiver.url("hrss", fail_first=1), ["case.referred"])
        endpoint = receiver.endpoints["hrss"]
        system["notify"].runtime.settings.retry_schedule = "0,3,0.3,0.3"  # the retry falls after the restart
        try:
            event_id = await publish(system.broker.bootstrap, "case.referred", subject="case",
                                     payload=referral("440100-hrss"))
            await eventually(lambda: asyncio.sleep(0, endpoint.calls), what="the first, failed attempt")
            await system.restart("notify")  # the retry is due in the database, not in the stopped process
        finally:
            system["notify"].runtime.settings.retry_schedule = "0,0.3,0.3,0.3"
        await eventually(lambda: asyncio.sleep(0, endpoint.received), timeout=20, what="delivered after the restart")
    (row,) = [r for r in await deliveries_of(system, event_id) if r.channel == "webhook"]
    assert [c["answered"] for c in endpoint.calls] == [500, 200] and row.attempts == 2


async def test_a_webhook_left_unsent_by_its_process_goes_when_the_lease_ends(system, monkeypatch):
    """A new webhook is leased to the process that made it; if that process never sends it, a poll does."""
    deliverer = system["notify"].runtime.extensions.deliverer
    monkeypatch.setattr(deliverer, "send_soon", lambda *args: None)  # the process dies right after the commit
    async with Receiver() as receiver:
        async with system.client("notify") as client:
            await subscribe(client, officer("440100-edu"), receiver.url("edu"), ["case.referred"])
        event_id = await publish(system.broker.bootstrap, "case.referred", subject="case",
                                 payload=referral("440100-edu"))
        (row,) = await eventually(lambda: deliveries_of(system, event_id), what="the delivery row")
        await deliverer.poll()
        await asyncio.sleep(0.5)
        assert receiver.endpoints["edu"].calls == [] and row.status == "pending"
        assert row.next_attempt_at > datetime.now(timezone.utc) + timedelta(seconds=30)  # leased, not due

        async with system["notify"].runtime.sessionmaker() as session, session.begin():  # the lease runs out
            await session.exec(update(Delivery).where(Delivery.id == row.id).values(
                next_attempt_at=datetime.now(timezone.utc)))
        await deliverer.poll()
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["edu"].received), what="sent by the poll")
        await deliverer.drain()
    (row,) = await deliveries_of(system, event_id)
    assert row.status == "delivered" and row.attempts == 1 and len(receiver.endpoints["edu"].calls) == 1


async def test_redelivered_event_sends_nothing_twice(system):
    async with Receiver() as receiver, system.client("notify") as client:
        await subscribe(client, officer("440100-fire"), receiver.url("fire"), ["case.referred"])
        payload, event_id = referral("440100-fire"), unique("evt")
        for _ in range(2):
            await publish(system.broker.bootstrap, "case.referred", subject="case", payload=payload, event_id=event_id)
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["fire"].received), what="one delivery")
        marker = await publish(system.broker.bootstrap, "case.referred", subject="case",
                               payload=referral("440100-fire"))
        await eventually(lambda: asyncio.sleep(0, [c for c in receiver.endpoints["fire"].received
                                                   if c["event"]["id"] == marker]), what="a later event")
        inbox = (await client.get("/v1/inbox", headers=officer("440100-fire"))).json()["items"]
    assert [c["event"]["id"] for c in receiver.endpoints["fire"].received].count(event_id) == 1
    assert [i["event_id"] for i in inbox].count(event_id) == 1


async def test_complainant_is_told_by_email_and_sms_without_contact_on_kafka_or_in_logs(system, mail_sink):
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: None if record.name.startswith("mail") else records.append(  # the test's SMTP sink
        record.getMessage() + str(record.__dict__))
    logging.getLogger().addHandler(handler)
    phone, email_address = "13912340077", f"{unique('c')}@example.com"
    body = complaint_body(complainant={"name": "李小龙", "phone": phone, "email": email_address})
    try:
        async with system.client("complaints") as client:
            created = (await client.post("/v1/complaints", json=body, headers=auth(**INTAKE))).json()
            await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                              headers=HAIZHU_AMR)
            forbidden = await client.get(f"/internal/complaints/{created['id']}/contact", headers=HAIZHU_AMR)

        def mail():
            return [m for m in mail_sink.messages if m["To"] == email_address]

        (message,) = await eventually(lambda: asyncio.sleep(0, mail()), what="the acceptance e-mail")
        sms_file = system["notify"].runtime.settings.outbox_dir / "sms.jsonl"

        async def sms():
            text = sms_file.read_text(encoding="utf-8") if sms_file.exists() else ""
            lines = [json.loads(x) for x in text.splitlines()]
            return [x for x in lines if created["id"] in x["text"] and "受理" in x["text"]]

        (text,) = await eventually(sms, what="the acceptance SMS")
    finally:
        logging.getLogger().removeHandler(handler)
    assert forbidden.status_code == 403
    assert message["Subject"] == "您的投诉已受理" and "李*" in message.get_content()
    assert text["to"] == "139****0077" and phone not in json.dumps(text)
    assert text["segments"] == (1 if len(text["text"]) <= 70 else math.ceil(len(text["text"]) / 67))
    for runtime in (system[name].runtime for name in ("complaints", "notify")):
        outbox = runtime.tables.outbox
        async with runtime.sessionmaker() as session:
            values = [v.decode() for v in (await session.exec(select(outbox.c.value))).all()]
        assert not any(phone in v or email_address in v for v in values)
    leaks = [r for r in records if phone in r or email_address in r]
    assert not leaks, leaks[:2]


async def test_overdue_reminds_the_agency_and_the_lead_office_once_per_step(system):
    due = datetime.now(timezone.utc) - timedelta(hours=1)
    subject = unique("cmp")
    for _ in range(2):  # the same step and due date carried twice
        await publish(system.broker.bootstrap, "complaint.overdue", subject=subject, payload=ComplaintOverdue(
            complaint_id=subject, step="acceptance", due_at=due, agency="440105-amr", region="440105"))
    async with system.client("notify") as client:
        async def reminded(headers):
            items = (await client.get("/v1/inbox", headers=headers)).json()["items"]
            return [i for i in items if i["aggregate_id"] == subject]

        agency = await eventually(lambda: reminded(HAIZHU_AMR), what="the agency's reminder")
        office = await eventually(lambda: reminded(officer("440100-amr", "lead")), what="the escalation")
        digest = (await client.get("/v1/digest", params={"date": datetime.now(timezone.utc).astimezone(
            system["notify"].runtime.calendar.tz).date().isoformat()}, headers=officer("440100-amr", "lead"))).json()
        not_lead = await client.get("/v1/digest", params={"date": "2026-11-23"}, headers=HAIZHU_AMR)
    assert "逾期" in agency[0]["title"] and "督办" in office[0]["title"]
    assert len(agency) == 1 and len(office) == 1  # two events, one reminder each
    row = next(r for r in digest["rows"] if r["agency"] == "440105-amr")
    assert row["overdue"] >= 1 and digest["region"] == "440100" and not_lead.status_code == 403


async def test_each_agency_gets_one_message_per_event_and_its_own_webhooks(system):
    """The lead named again among the co-handling agencies: one inbox item as lead, one webhook each."""
    async with Receiver() as receiver, system.client("notify") as client:
        for agency in ("440105-amr", "440105-tax"):
            await subscribe(client, officer(agency), receiver.url(agency), ["complaint.routed"])
        complaint = unique("cmp")
        await publish(system.broker.bootstrap, "complaint.routed", subject=complaint, payload=ComplaintRouted(
            complaint_id=complaint, category="consumer_dispute", region="440105", lead_agency="440105-amr",
            co_agencies=["440105-amr", "440105-tax"], due_at=datetime.now(timezone.utc) + timedelta(days=7)))

        async def inbox(agency):
            items = (await client.get("/v1/inbox", headers=officer(agency))).json()["items"]
            return [i for i in items if i["aggregate_id"] == complaint]

        lead = await eventually(lambda: inbox("440105-amr"), what="the lead's message")
        co = await eventually(lambda: inbox("440105-tax"), what="the co-handling agency's message")
        async def both_webhooks():
            return all(receiver.endpoints[a].received for a in ("440105-amr", "440105-tax"))

        await eventually(both_webhooks, what="both webhooks")
        await asyncio.sleep(0.5)  # a second webhook would arrive now
    assert len(lead) == 1 and len(co) == 1 and lead[0]["title"] != co[0]["title"]
    assert [len(receiver.endpoints[a].received) for a in ("440105-amr", "440105-tax")] == [1, 1]


async def test_daily_digest_goes_by_email_once(system, mail_sink):
    from services.notify.digest import schedule_daily
    runtime = system["notify"].runtime
    runtime.settings.digest_email, runtime.settings.digest_hour = "lead-office@gz.gov.example", 0
    try:
        first, again = await schedule_daily(runtime), await schedule_daily(runtime)
    finally:
        runtime.settings.digest_email = None

    def digests():
        return [m for m in mail_sink.messages if m["To"] == "lead-office@gz.gov.example"]

    messages = await eventually(lambda: asyncio.sleep(0, digests() if len(digests()) >= first else None),
                                what="the digests by e-mail")
    assert first == len(runtime.registry.meetings) and again == 0
    assert all(m["Subject"].startswith("联席会议日报") for m in messages)


async def test_inbox_is_scoped_per_agency_and_platform(system):
    async with system.client("complaints") as client:
        created = (await client.post("/v1/complaints", json=complaint_body(subject={
            "region": "440105", "platform": "pinduoduo", "shop_id": unique("pdd")}), headers=auth(**INTAKE))).json()
    assert created["status"] == "forwarded"
    async with system.client("notify") as client:
        async def platform_items(code):
            items = (await client.get("/v1/inbox", headers=auth(roles=["platform"], platform=code))).json()["items"]
            return [i for i in items if i["aggregate_id"] == created["id"]]

        mine = await eventually(lambda: platform_items("pinduoduo"), what="the platform's inbox item")
        others = await platform_items("jd")
        tax = (await client.get("/v1/inbox", headers=officer("440100-tax"))).json()["items"]
        read = await client.post(f"/v1/inbox/{mine[0]['id']}/read", headers=auth(roles=["platform"], platform="jd"))
    assert mine[0]["event_type"] == "jointsup.complaint.forwarded_to_platform" and others == []
    assert all(i["aggregate_id"] != created["id"] for i in tax) and read.status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/hook", "event_types": ["case.referred"]}, "url"),
    ({"url": "http://example.com/hook", "event_types": ["case.referred"]}, "url"),
    ({"url": "https://10.1.2.3/hook", "event_types": ["case.referred"]}, "url"),
    ({"url": "https://169.254.169.254/latest", "event_types": ["case.referred"]}, "url"),
    ({"url": "http://127.0.0.1:9/hook", "event_types": ["case.nonsense"]}, "event_types.0"),
    ({"url": "http://127.0.0.1:9/hook", "event_types": []}, "event_types"),
])
async def test_bad_subscription_input_is_422(system, body, field):
    async with system.client("notify") as client:
        response = await client.post("/v1/subscriptions", json=body, headers=officer("440100-court"))
        listed = (await client.get("/v1/subscriptions", headers=officer("440100-court"))).json()
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]} and listed == []


async def test_rotation_signs_with_both_secrets_and_410_disables(system):
    async with Receiver() as receiver, system.client("notify") as client:
        headers = officer("440100-ndrc")
        sub = await subscribe(client, headers, receiver.url("ndrc"), ["case.referred"])
        rotated = (await client.post(f"/v1/subscriptions/{sub['id']}/rotate", headers=headers)).json()
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-ndrc"))
        (call,) = await eventually(lambda: asyncio.sleep(0, receiver.endpoints["ndrc"].received), what="signed twice")
        receiver.endpoints["ndrc"].status = 410
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-ndrc"))

        async def disabled():
            subs = (await client.get("/v1/subscriptions", headers=headers)).json()
            return subs if not subs[0]["active"] else None

        (after,) = await eventually(disabled, what="the subscription disabled by 410")
    assert len(call["headers"]["webhook-signature"].split()) == 2
    assert verify(sub["secret"], call["headers"], call["body"]) and verify(rotated["secret"], call["headers"],
                                                                           call["body"])
    assert "410" in after["disabled_reason"]
