"""Every route of the complaints service against every kind of caller (issue 8, drill 7). The complaints are
Haizhu food-safety complaints taken in by the Guangzhou 12345 centre: Haizhu market regulation leads them, the
Guangzhou lead office oversees them. Only officers of the lead agency act on one; the lead office may also route
it again; whoever may not see a complaint gets 404 for it, whatever they asked."""
from functools import partial

import pytest

from services.complaints.settings import DEV_OPEN311_KEYS
from tests.access import CALLERS, PLATFORM, Row, Scene, anyone, assert_every_route_listed, expect, signed_in, statuses
from tests.support import complaint_body, random_uscc

SERVICE = "complaints"
INTAKE, OWNER_OFFICER = CALLERS["intake"], CALLERS["owner"]
# Acting on a complaint: only the owner's officers; the lead office sees it (403), other agencies do not (404).
OWNER_ACTS = expect(public=401, intake=403, owner=200, other=404, lead=403, lead_other=404, platform=403,
                    service=403, admin=403)
# Routing it again: the lead office of its region may as well.
OWNER_OR_LEAD_ROUTES = {**OWNER_ACTS, "lead": 200}
SEES_THE_COMPLAINT = expect(public=401, intake=200, owner=200, other=404, lead=200, lead_other=404, platform=404,
                            service=200, admin=200)
REASON = {"reason": "门禁演练"}


async def complaint(s: Scene, **overrides) -> dict:
    return await s.post("/v1/complaints", complaint_body(**overrides), headers=INTAKE, status=201)


async def received(s: Scene) -> dict:
    return {"complaint_id": (await complaint(s))["id"]}


async def accepted(s: Scene, kind: str = "complaint") -> dict:
    taken = await complaint(s, kind=kind)
    await s.post(f"/v1/complaints/{taken['id']}/acceptance", {"decision": "accept"}, headers=OWNER_OFFICER)
    return {"complaint_id": taken["id"]}


async def forwarded(s: Scene) -> dict:
    taken = await complaint(s)
    await s.post(f"/v1/complaints/{taken['id']}/forward", {"platform": PLATFORM}, headers=OWNER_OFFICER)
    return {"complaint_id": taken["id"]}


async def flagged(s: Scene) -> dict:
    """A flag an officer of the owning agency raised on a Haizhu complainant."""
    taken = await complaint(s)
    flag = await s.post(f"/v1/complaints/{taken['id']}/complainant-flag", REASON, headers=OWNER_OFFICER, status=201)
    return {"flag_id": flag["id"]}


async def held(s: Scene) -> dict:
    """A complaint held because its complainant is flagged."""
    first = complaint_body()
    flagged_one = await s.post("/v1/complaints", first, headers=INTAKE, status=201)
    await s.post(f"/v1/complaints/{flagged_one['id']}/complainant-flag", REASON, headers=OWNER_OFFICER, status=201)
    taken = await complaint(s, complainant=first["complainant"])
    assert taken["status"] == "held", taken
    return {"complaint_id": taken["id"]}


OPEN311_REQUEST = {"api_key": DEV_OPEN311_KEYS.split("=")[0], "service_code": "food_safety",
                   "description": "外卖食品变质", "attribute[uscc]": random_uscc(), "attribute[region]": "440105"}
ROWS = [
    Row("GET", "/healthz", anyone(200)),
    Row("GET", "/readyz", anyone(200)),
    Row("GET", "/metrics", anyone(200)),
    Row("POST", "/v1/complaints", signed_in(201, service=403), body=lambda _: complaint_body()),
    Row("GET", "/v1/complaints", signed_in(200)),
    Row("GET", "/v1/complaints/{complaint_id}", SEES_THE_COMPLAINT),
    Row("GET", "/v1/complaints/{complaint_id}/timeline", SEES_THE_COMPLAINT),
    Row("POST", "/v1/complaints/{complaint_id}/acceptance", OWNER_ACTS, body={"decision": "accept"}, fresh=received),
    Row("POST", "/v1/complaints/{complaint_id}/forward", OWNER_ACTS, body={"platform": PLATFORM}, fresh=received),
    # Only the platform it was forwarded to answers it; every other caller lacks the platform role.
    Row("POST", "/v1/complaints/{complaint_id}/platform-response",
        {**signed_in(403), "platform": 200}, body={"outcome": "resolved"}, fresh=forwarded),
    Row("POST", "/v1/complaints/{complaint_id}/mediation", OWNER_ACTS, body={"outcome": "success"},
        fresh=accepted),
    Row("POST", "/v1/complaints/{complaint_id}/extension", OWNER_ACTS, body=REASON,
        fresh=partial(accepted, kind="report")),
    Row("POST", "/v1/complaints/{complaint_id}/escalate", OWNER_ACTS, body=REASON, fresh=accepted),
    Row("POST", "/v1/complaints/{complaint_id}/close", OWNER_ACTS, fresh=accepted),
    Row("POST", "/v1/complaints/{complaint_id}/release", OWNER_ACTS, fresh=held),
    Row("POST", "/v1/complaints/{complaint_id}/reclassification", OWNER_OR_LEAD_ROUTES,
        body={"category": "fake_reviews", **REASON}, fresh=received),
    Row("POST", "/v1/complaints/{complaint_id}/subject", OWNER_OR_LEAD_ROUTES,
        body=lambda _: {"uscc": random_uscc(), "name": "海珠某网店", "region": "440105"}, fresh=received),
    # Flagging takes a handling agency: the lead office sees the complaint but does not handle it.
    Row("POST", "/v1/complaints/{complaint_id}/complainant-flag", {**OWNER_ACTS, "owner": 201}, body=REASON,
        fresh=received),
    Row("GET", "/v1/complainant-flags", signed_in(200, intake=403, platform=403, service=403)),
    # A flag is reviewed where it was raised: by that agency, the lead office over it, or an administrator.
    Row("POST", "/v1/complainant-flags/{flag_id}/clear",
        expect(public=401, intake=403, owner=200, other=404, lead=200, lead_other=404, platform=403,
               service=403, admin=200), body=REASON, fresh=flagged),
    Row("GET", "/v1/rejection-grounds", anyone(200)),  # the law's grounds: reference data
    Row("GET", "/v1/public/stats", anyone(200)),
    Row("GET", "/open311/v2/services.json", anyone(200), problems=False),
    # Open311 callers are known by their api_key, not by a bearer token.
    Row("POST", "/open311/v2/requests.json", anyone(201), form=OPEN311_REQUEST, problems=False),
    Row("GET", "/open311/v2/requests/{request_id}.json", anyone(200), problems=False),
    Row("GET", "/internal/complaints/{complaint_id}/contact", {**signed_in(403), "service": 200}),
]


@pytest.fixture(scope="module")
async def scene(system):
    async with system.client(SERVICE) as client:
        s = Scene(system, client)
        complaint_id = (await received(s))["complaint_id"]
        s.shared.update(complaint_id=complaint_id, request_id=complaint_id)  # Open311 names it a request
        yield s


def test_every_route_has_a_row(system):
    assert_every_route_listed(system[SERVICE].app.openapi(), ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_access(scene, row):
    assert await statuses(scene, row) == row.expected
