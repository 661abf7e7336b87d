"""GET /metrics over real HTTP and the real broker: what an operator watches moves with what the system does,
and a frozen broker does not hold a scrape."""
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from harness.webhooks import Receiver
from shared.events import topics
from shared.messaging.kafka import make_producer
from tests.integration.test_notify_delivery import referral, subscribe
from tests.support import INTAKE, Samples, auth, complaint_body, eventually, officer, publish, samples_of, total


async def scrape(system, name: str) -> Samples:
    async with system.client(name) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples_of(response.text)


async def settled(system, name: str) -> dict:
    """The service's metrics once its group has committed everything on its topics and its outbox is empty."""
    async def check():
        samples = await scrape(system, name)
        if total(samples, "jointsup_consumer_lag") == 0 and total(samples, "jointsup_outbox_unpublished") == 0:
            return samples
    return await eventually(check, what=f"{name}'s lag and outbox at 0")


async def test_a_complaint_moves_the_relay_and_the_consumers_counters(system):
    complaints_before, credit_before = await settled(system, "complaints"), await settled(system, "credit")
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=complaint_body(), headers=auth(**INTAKE))
    assert response.status_code == 201, response.text

    async def handled_by_credit():
        samples = await settled(system, "credit")
        handled = total(samples, "jointsup_consumer_records_total", group="credit", outcome="handled")
        if handled > total(credit_before, "jointsup_consumer_records_total", group="credit", outcome="handled"):
            return samples
    credit = await eventually(handled_by_credit, what="credit handling the complaint")
    complaints = await settled(system, "complaints")

    assert (total(complaints, "jointsup_relay_published_total", service="complaints")
            > total(complaints_before, "jointsup_relay_published_total", service="complaints"))
    assert total(complaints, "jointsup_relay_leader", service="complaints") == 1
    assert total(complaints, "jointsup_outbox_oldest_unpublished_seconds") == 0
    assert total(credit, "jointsup_consumer_assigned_partitions", group="credit") >= 1
    assert total(credit, "jointsup_consumer_started", group="credit") == 1
    lagged = {dict(labels)["topic"] for name, labels in credit if name == "jointsup_consumer_lag"}
    assert lagged == {topics.COMPLAINTS, topics.CASES, topics.retry_topic("credit")}


async def test_a_garbage_record_shows_as_a_dead_letter(system):
    before = await settled(system, "credit")
    producer = make_producer(system.broker.bootstrap, client_id="jointsup-test")
    await producer.start()
    try:  # credit alone consumes its retry topic
        await producer.send_and_wait(topics.retry_topic("credit"), b"\x00not an event", key=b"metrics-test")
    finally:
        await producer.stop()

    async def lettered():  # counted once the dead letter is written: the two may be a scrape apart
        samples = await settled(system, "credit")
        if all(total(samples, name, **labels) == total(before, name, **labels) + 1 for name, labels in (
                ("jointsup_dead_letters", {"topic": topics.dlq_topic("credit")}),
                ("jointsup_consumer_records_total", {"group": "credit", "outcome": "dead_lettered"}))):
            return samples
    await eventually(lettered, what="the garbage in credit's dead-letter topic and counted")


async def test_a_webhook_that_gives_up_shows_as_failed_until_it_is_retried_by_hand(system):
    def failed(samples):
        return total(samples, "jointsup_deliveries", channel="webhook", status="failed")
    before = failed(await scrape(system, "notify"))
    async with Receiver() as receiver, system.client("notify") as client:
        headers = officer("440100-police")
        await subscribe(client, headers, receiver.url("police", status=503), ["case.referred"])
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-police"))
        await eventually(lambda: _equal(scrape(system, "notify"), failed, before + 1), what="the delivery given up")
        (letter,) = (await client.get("/v1/deliveries", params={"status": "failed"}, headers=headers)).json()
        receiver.endpoints["police"].status = 200
        assert (await client.post(f"/v1/deliveries/{letter['id']}/retry", headers=headers)).status_code == 200
        await eventually(lambda: _equal(scrape(system, "notify"), failed, before), what="the delivery sent by hand")
    samples = await scrape(system, "notify")
    assert {channel for (name, labels) in samples if name == "jointsup_delivery_oldest_pending_seconds"
            for key, channel in labels if key == "channel"} == {"webhook", "email", "sms"}  # none missing


async def _equal(scraping, reading, expected) -> bool:
    return reading(await scraping) == expected


async def test_a_frozen_broker_leaves_the_kafka_readings_out_and_the_scrape_answers(system, broker):
    broker.freeze()
    try:
        samples = await scrape(system, "notify")  # within the client's timeout: the readings are bounded
    finally:
        broker.resume()
    assert total(samples, "jointsup_consumer_lag") is None and total(samples, "jointsup_dead_letters") is None
    assert total(samples, "jointsup_outbox_unpublished") is not None  # the database still answers
    await settled(system, "notify")  # and the readings come back with the broker


async def test_every_series_the_shipped_alerts_watch_is_one_a_service_serves(system):
    rules = yaml.safe_load((Path(__file__).parents[2] / "deploy/k8s/base/alerts.yaml").read_text())
    watched = {name for group in rules["spec"]["groups"] for rule in group["rules"]
               for name in re.findall(r"\bjointsup_[a-z_]+", rule["expr"])}
    served = set()
    for name in topics.SERVICES:
        async with system.client(name) as client:
            exposition = (await client.get("/metrics")).text
        families = list(text_string_to_metric_families(exposition))  # a loop_ended, a refusal: no sample until
        served |= {family.name for family in families}                 # one happens
        served |= {f"{family.name}_total" for family in families if family.type == "counter"}
        served |= {sample for sample, _ in samples_of(exposition)}
    assert watched and watched <= served, watched - served
