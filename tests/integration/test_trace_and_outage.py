"""A trace spans complaints → Kafka → notify; no event is lost while the broker is frozen; a background loop
that ends makes its service unready and unhealthy."""
import asyncio
import logging

import httpx
from sqlalchemy import func, select

from services.notify.tables import InboxItem
from shared.broker import free_port
from tests.conftest import service_settings, start_service, stop_service
from tests.support import auth, complaint_body, eventually, logged

INTAKE = {"agency": "440100-12345", "roles": ["intake"]}


async def test_one_trace_spans_http_kafka_and_the_consumer(system, spans):
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=complaint_body(), headers=auth(**INTAKE))
    assert response.status_code == 201
    complaint_id = response.json()["id"]

    def spans_of_trace():
        server = [s for s in spans.get_finished_spans()
                  if s.kind.name == "SERVER" and s.attributes.get("http.route") == "/v1/complaints"
                  and s.attributes.get("http.response.status_code", s.attributes.get("http.status_code")) == 201]
        for span in server:
            trace_id = span.context.trace_id
            same = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
            processed = [s for s in same if s.name == "process jointsup.complaints"
                         and s.attributes.get("messaging.consumer.group.name") == "notify"]
            if processed:
                return same
        return None

    async def notified():
        async with system.client("notify") as client:
            items = (await client.get("/v1/inbox", headers=auth(agency="440105-amr", roles=["officer"]))).json()
        return any(i["aggregate_id"] == complaint_id for i in items["items"])

    await eventually(notified, what="notification")
    trace_spans = await eventually(lambda: asyncio.sleep(0, spans_of_trace()), what="a trace reaching notify")
    kinds = {s.kind.name for s in trace_spans}
    assert {"SERVER", "PRODUCER", "CONSUMER"} <= kinds
    assert any(s.kind.name == "PRODUCER" and "jointsup.complaints" in s.name for s in trace_spans)


async def test_burst_while_broker_frozen_loses_nothing_and_duplicates_nothing(system, broker):
    ids: list[str] = []
    broker.freeze()
    try:
        async with system.client("complaints") as client:
            for _ in range(20):
                response = await client.post("/v1/complaints", json=complaint_body(), headers=auth(**INTAKE))
                assert response.status_code == 201, response.text  # the outbox takes them while Kafka is away
                ids.append(response.json()["id"])
            await asyncio.sleep(2.0)
            readiness = await client.get("/readyz")
    finally:
        broker.resume()
    assert readiness.status_code == 503 and "kafka" in readiness.json()["checks"]

    async def all_delivered():
        async with system["notify"].runtime.sessionmaker() as session:
            rows = (await session.exec(select(InboxItem.aggregate_id, func.count()).where(
                InboxItem.aggregate_id.in_(ids), InboxItem.recipient == "440105-amr")
                .group_by(InboxItem.aggregate_id))).all()
        return rows if len(rows) == len(ids) else None

    rows = await eventually(all_delivered, timeout=90, interval=0.5, what="every notification after the outage")
    assert all(count == 1 for _, count in rows)
    outbox = system["complaints"].runtime.tables.outbox
    async with system["complaints"].runtime.sessionmaker() as session:
        unpublished = await session.scalar(select(func.count()).select_from(outbox).where(
            outbox.c.key.in_(ids), outbox.c.published_at.is_(None)))
    assert unpublished == 0
    async with system.client("complaints") as client:
        ready = await eventually(lambda: _ready(client), timeout=30, what="/readyz back to 200")
    assert ready


async def _ready(client) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def test_a_background_loop_that_ends_makes_its_service_unready_and_unhealthy_and_says_why(broker, databases):
    settings = service_settings("credit", database_url=databases.url("credit_loops"), bootstrap=broker.bootstrap,
                                port=free_port())
    service = await start_service("credit", settings)
    try:
        await asyncio.wait_for(service.runtime.kafka_connected.wait(), 30)
        async with httpx.AsyncClient(base_url=service.url, timeout=10) as client:
            assert (await client.get("/readyz")).status_code == 200

            async def broken():
                raise RuntimeError("the loop broke")
            with logged("shared.runtime", logging.ERROR) as lines:
                service.runtime.spawn(broken(), "broken")
                await asyncio.sleep(0.05)
            readiness, health = await client.get("/readyz"), await client.get("/healthz")
        assert readiness.status_code == 503 and health.status_code == 503  # out of traffic, and restarted
        assert readiness.json()["checks"]["loops"] == health.json()["checks"]["loops"] == \
            "credit-broken ended: RuntimeError"
        assert any("credit-broken ended while the service runs" in line and "the loop broke" in line
                   for line in lines)
    finally:
        await stop_service(service)
