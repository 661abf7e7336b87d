"""Bad input gets a 4xx problem+json naming what is wrong, and nothing is stored."""
import pytest
from sqlalchemy import func, select

from services.complaints.tables import Complaint
from tests.support import auth, complaint_body, officer

INTAKE = {"agency": "440100-12345", "roles": ["intake"]}


async def stored_count(system) -> int:
    async with system["complaints"].runtime.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Complaint))


def with_subject(**subject):
    body = complaint_body()
    body["subject"] = {**body["subject"], **subject}
    return body


def without(key):
    body = complaint_body()
    body.pop(key)
    return body


CASES = {
    "wrong type": (complaint_body(amount="lots"), 422, "amount"),
    "wrong enum": (complaint_body(kind="gossip"), 422, "kind"),
    "missing field": (without("description"), 422, "description"),
    "missing channel": (without("channel"), 422, "channel"),
    "invalid USCC check": (with_subject(uscc="91350100M000100Y44"), 422, "subject.uscc"),
    "USCC with letter O": (with_subject(uscc="91350100MO00100Y43"), 422, "subject.uscc"),
    "unknown category": (complaint_body(category="astrology"), 422, "category"),
    "region the registry does not serve": (with_subject(uscc=None, region="110101"), 422, "subject.region"),
    "complaint without complainant": (complaint_body(complainant=None), 422, "body"),
    "oversized description": (complaint_body(description="x" * 5001), 422, "description"),
    "unknown field": (complaint_body(colour="red"), 422, "colour"),
    "NUL in text (PostgreSQL cannot store it)": (complaint_body(description="坏\x00了"), 422, "description"),
    "NUL in nested text": (with_subject(name="店\x00"), 422, "subject.name"),
}


@pytest.mark.parametrize("body,status,field", CASES.values(), ids=CASES.keys())
async def test_bad_body_is_refused_and_nothing_stored(system, body, status, field):
    before = await stored_count(system)
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=body, headers=auth(**INTAKE))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= problem.keys() and problem["status"] == status
    assert field in [e["field"] for e in problem["errors"]], problem
    assert await stored_count(system) == before


async def test_malformed_json_is_400(system):
    before = await stored_count(system)
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", content=b'{"kind": "complaint",',
                                     headers={**auth(**INTAKE), "content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("malformed-json")
    assert await stored_count(system) == before


async def test_roles_that_may_not_submit_get_403(system):
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=complaint_body(),
                                     headers=auth(agency="440100-amr", roles=["service"]))
    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"


async def test_unknown_complaint_is_404_problem(system):
    async with system.client("complaints") as client:
        response = await client.get("/v1/complaints/nope", headers=auth(agency="440105-amr", roles=["officer"]))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_out_of_range_numbers_found_by_fuzzing_are_422_not_500(system):
    """Schemathesis found these: an offset or id beyond the database's integer range was a 500."""
    from tests.support import officer
    async with system.client("complaints") as complaints, system.client("notify") as notify:
        page = await complaints.get("/v1/complaints", params={"page": 10**20}, headers=officer("440105-amr"))
        reads = [await notify.post(f"/v1/inbox/{item}/read", headers=officer("440105-amr"))
                 for item in (10**20, 2**63 - 2)]  # 2**63 - 2 passed a 64-bit bound but not PostgreSQL's INTEGER
    assert (page.status_code, *(r.status_code for r in reads)) == (422, 422, 422)
    assert page.json()["errors"][0]["field"] == "page"
    assert all(r.json()["errors"][0]["field"] == "item_id" for r in reads)


async def test_nul_in_a_query_or_a_form_is_422_not_500(system):
    """Schemathesis found a NUL in a query parameter reaching PostgreSQL as a 500."""
    async with system.client("cases") as cases, system.client("complaints") as complaints:
        query = await cases.get("/v1/cases", params={"agency": "440105\x00amr"}, headers=officer("440105-amr"))
        form = await complaints.post("/open311/v2/requests.json", data={"service_code": "food_safety",
                                                                       "description": "变质\x00"})
    assert [(r.status_code, r.json()["errors"][0]["field"]) for r in (query, form)] == [
        (422, "agency"), (422, "description")]


async def test_a_masked_complainant_matches_the_documented_response_found_by_fuzzing(system):
    """Schemathesis found this once it fuzzed as a caller who sees the complainant masked: the response schema
    named the input model, whose phone pattern "137****0007" does not match."""
    from jsonschema import Draft202012Validator
    async with system.client("complaints") as client:
        created = (await client.post("/v1/complaints", json=complaint_body(), headers=auth(**INTAKE))).json()
        shown = await client.get(f"/v1/complaints/{created['id']}", headers=auth(roles=["admin"]))
        openapi = (await client.get("/openapi.json")).json()
    assert shown.status_code == 200 and "*" in shown.json()["complainant"]["phone"]
    schema = {"$ref": "#/components/schemas/ComplaintPublic", "components": openapi["components"]}
    assert list(Draft202012Validator(schema).iter_errors(shown.json())) == []


async def test_a_reason_as_long_as_the_api_accepts_is_stored_whole_found_by_fuzzing(system):
    """Schemathesis found a flag cleared with a 2,000-character reason (what every reason may be) a 500 on
    PostgreSQL: the column held 500. A listing joins the proposal's reasons and the decision's into one basis,
    which held 1,000; each of a proposal's reasons is now at most 500 characters."""
    from datetime import timedelta

    from tests.integration.test_credit_story import clock_moved, decided, profile_when
    from tests.support import publish, random_uscc
    reason, haizhu = "理" * 2000, officer("440105-amr")
    async with system.client("complaints") as client:
        created = (await client.post("/v1/complaints", json=complaint_body(), headers=auth(**INTAKE))).json()
        flag = (await client.post(f"/v1/complaints/{created['id']}/complainant-flag", json={"reason": "恶意投诉"},
                                  headers=haizhu)).json()
        cleared = await client.post(f"/v1/complainant-flags/{flag['id']}/clear", json={"reason": reason},
                                    headers=haizhu)
    assert cleared.status_code == 200 and cleared.json()["clear_reason"] == reason

    uscc = random_uscc()
    await publish(system.broker.bootstrap, "case.decided", subject="case", payload=decided(uscc))
    async with system.client("credit") as client:
        profile = await profile_when(client, uscc, lambda p: p["proposals"])
        too_long = await client.post(f"/v1/subjects/{uscc}/listing-proposals", json={
            "record_id": profile["records"][0]["id"], "reasons": ["情" * 501]}, headers=haizhu)
        with clock_moved(system["credit"].runtime, timedelta(days=10)):
            listed = await client.post(f"/v1/listing-proposals/{profile['proposals'][0]['id']}/decision",
                                       json={"decision": "list", "reason": reason}, headers=haizhu)
        listing = (await client.get(f"/v1/subjects/{uscc}", headers=haizhu)).json()["listings"][0]
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"].startswith("reasons")
    assert listed.status_code == 200 and listing["basis"].endswith("; " + reason)
