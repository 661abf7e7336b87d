"""The access matrix of notify (issue 8, drill 7): every route against every kind of caller.

An inbox, its subscriptions and its deliveries belong to one agency or platform: to any other caller they are 404,
so their existence does not leak, and a token naming neither (the service role) has no inbox at all: 403. An
admin sees and retries every delivery (the operator replaying dead letters). The digest is the lead role's.
"""
from datetime import datetime, timedelta, timezone

import pytest

from shared.events.payloads.cases import CaseReferred
from tests.access import CALLERS, OWNER, Row, Scene, anyone, assert_every_route_listed, expect, signed_in, statuses
from tests.support import eventually, publish, unique

UNREACHABLE = "http://127.0.0.1:9/hooks"  # loopback targets are allowed in tests; nothing listens on port 9


async def subscribe(client, headers, url: str, **filters) -> dict:
    response = await client.post("/v1/subscriptions", json={
        "url": url, "event_types": ["case.referred"], "filters": filters}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def refer_to_owner(system, case: str) -> str:
    """A referral of `case` to the owning agency (from one no caller speaks for); the event id."""
    return await publish(system.broker.bootstrap, "case.referred", subject=case, payload=CaseReferred(
        referral_id=unique("ref"), case_id=case, kind="function", from_agency="440105-tax", to_agency=OWNER,
        reason="依职责移送", due_at=datetime.now(timezone.utc) + timedelta(days=7)))


@pytest.fixture(scope="module")
async def scene(system):
    """The owning agency's inbox item, subscription and failed deliveries (one per caller, for the retry row)."""
    owner, case = CALLERS["owner"], unique("case")
    async with system.client("notify") as client:
        # One subscription per delivery, so no endpoint's circuit opens; each hears only this case.
        subscriptions = [await subscribe(client, owner, f"{UNREACHABLE}/{case}/{n}", case_id=case)
                         for n in range(len(CALLERS))]
        event_id = await refer_to_owner(system, case)

        async def inbox_item():
            items = (await client.get("/v1/inbox", headers=owner)).json()["items"]
            return [i for i in items if i["aggregate_id"] == case]

        async def dead_lettered():
            failed = (await client.get("/v1/deliveries", params={"status": "failed"}, headers=owner)).json()
            ids = [d["id"] for d in failed if d["event_id"] == event_id]
            return ids if len(ids) == len(CALLERS) else None

        (item,) = await eventually(inbox_item, what="the referral in the owner's inbox")
        dead_letters = await eventually(dead_lettered, what="every webhook of the referral dead-lettered")
        yield Scene(system, client, {"item_id": item["id"], "subscription_id": subscriptions[0]["id"],
                                     "dead_letters": dead_letters})


async def a_dead_letter(s: Scene) -> dict:
    """One of the owner's failed deliveries, a new one for each caller."""
    return {"delivery_id": s.shared["dead_letters"].pop()}


NO_INBOX = dict(service=403)  # a token naming no agency or platform
ROWS = [
    Row("GET", "/healthz", anyone(200)),
    Row("GET", "/readyz", anyone(200)),
    Row("GET", "/metrics", anyone(200)),
    Row("GET", "/v1/inbox", signed_in(200, **NO_INBOX)),
    Row("POST", "/v1/inbox/{item_id}/read", signed_in(404, owner=200, **NO_INBOX)),
    Row("GET", "/v1/subscriptions", signed_in(200, **NO_INBOX)),
    # Each caller subscribes for its own agency or platform (to a case no event names, so nothing is sent).
    Row("POST", "/v1/subscriptions", signed_in(201, **NO_INBOX),
        body={"url": f"{UNREACHABLE}/never", "event_types": ["case.referred"], "filters": {"case_id": "none"}}),
    Row("POST", "/v1/subscriptions/{subscription_id}/rotate", signed_in(404, owner=200, **NO_INBOX)),
    Row("GET", "/v1/deliveries", signed_in(200, **NO_INBOX), query={"status": "failed"}),
    Row("POST", "/v1/deliveries/{delivery_id}/retry", signed_in(404, owner=200, admin=200, **NO_INBOX),
        fresh=a_dead_letter),
    Row("GET", "/v1/digest", expect(401, 403, 403, 403, 200, 200, 403, 403, 403), query={"date": "2026-11-23"}),
]


def test_every_route_has_a_row(system):
    assert_every_route_listed(system["notify"].app.openapi(), ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_access(scene, row):
    assert await statuses(scene, row) == row.expected
