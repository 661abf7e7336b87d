"""Every role against the main routes of the four services: 2xx, 401, 403 or 404 as the contract says
(issue 8, drill 7). Public routes answer anyone; a valid token without the role is 403; a resource the
caller may not see is 404, so its existence does not leak."""
import pytest

from tests.support import INTAKE, auth, complaint_body, officer, random_uscc, unique

ROLES = {
    "public": {},
    "intake": auth(**INTAKE),
    "owner": officer("440105-amr"),
    "other": officer("440106-amr"),
    "lead": officer("440100-amr", "officer", "lead"),
    "lead_other": officer("330100-amr", "officer", "lead"),
    "platform": auth(roles=["platform"], platform="jd"),
}

# (service, method, path template, body, {role: expected status})
MATRIX = [
    ("complaints", "GET", "/v1/complaints/{complaint}", None,
     dict(public=401, intake=200, owner=200, other=404, lead=200, lead_other=404, platform=404)),
    ("complaints", "GET", "/v1/complaints/{complaint}/timeline", None,
     dict(public=401, intake=200, owner=200, other=404, lead=200, lead_other=404, platform=404)),
    ("complaints", "GET", "/v1/complaints", None,
     dict(public=401, intake=200, owner=200, other=200, lead=200, lead_other=200, platform=200)),
    ("complaints", "POST", "/v1/complaints/{complaint}/mediation", {"outcome": "success"},
     dict(public=401, intake=403, owner=409, other=404, lead=403, lead_other=404, platform=403)),
    ("complaints", "POST", "/v1/complaints/{complaint}/platform-response", {"outcome": "resolved"},
     dict(public=401, intake=403, owner=403, other=403, lead=403, lead_other=403, platform=404)),
    ("complaints", "GET", "/v1/public/stats", None,
     dict(public=200, intake=200, owner=200, other=200, lead=200, lead_other=200, platform=200)),
    ("complaints", "GET", "/internal/complaints/{complaint}/contact", None,
     dict(public=401, intake=403, owner=403, other=403, lead=403, lead_other=403, platform=403)),
    ("cases", "GET", "/v1/cases/{case}", None,
     dict(public=401, intake=403, owner=200, other=404, lead=200, lead_other=404, platform=403)),
    ("cases", "GET", "/v1/cases/{case}/timeline", None,
     dict(public=401, intake=403, owner=200, other=404, lead=200, lead_other=404, platform=403)),
    ("cases", "POST", "/v1/cases/{case}/close", None,
     dict(public=401, intake=403, owner=409, other=404, lead=403, lead_other=404, platform=403)),
    ("cases", "GET", "/v1/inbox", None,
     dict(public=401, intake=403, owner=200, other=200, lead=200, lead_other=200, platform=403)),
    ("cases", "GET", "/v1/overdue", None,
     dict(public=401, intake=403, owner=403, other=403, lead=200, lead_other=200, platform=403)),
    ("credit", "GET", "/metrics", None,
     dict(public=200, intake=200, owner=200, other=200, lead=200, lead_other=200, platform=200)),
    ("credit", "GET", "/v1/subjects/{uscc}", None,
     dict(public=401, intake=403, owner=404, other=404, lead=404, lead_other=404, platform=403)),
    ("credit", "GET", "/v1/subjects/{uscc}/sanctions/check?measure=financing", None,
     dict(public=401, intake=403, owner=200, other=200, lead=200, lead_other=200, platform=403)),
    ("credit", "GET", "/v1/public/subjects/{uscc}", None,
     dict(public=200, intake=200, owner=200, other=200, lead=200, lead_other=200, platform=200)),
    ("notify", "GET", "/v1/inbox", None,
     dict(public=401, intake=200, owner=200, other=200, lead=200, lead_other=200, platform=200)),
    ("notify", "GET", "/v1/digest?date=2026-11-23", None,
     dict(public=401, intake=403, owner=403, other=403, lead=200, lead_other=200, platform=403)),
]


@pytest.fixture(scope="module")
async def resources(system) -> dict:
    async with system.client("complaints") as client:
        complaint = (await client.post("/v1/complaints", json=complaint_body(), headers=ROLES["intake"])).json()
    async with system.client("cases") as client:
        clue = (await client.post("/v1/clues", json={
            "source": "agency", "source_ref": unique("acl"), "agency": "440105-amr", "category": "food_safety",
            "subject": {"uscc": random_uscc(), "region": "440105"}, "summary": "巡查发现"},
            headers=ROLES["owner"])).json()
        clue = (await client.post(f"/v1/clues/{clue['id']}/verification", json={"decision": "file"},
                                  headers=ROLES["owner"])).json()
    return {"complaint": complaint["id"], "case": clue["case_id"], "uscc": random_uscc()}


@pytest.mark.parametrize(("service", "method", "path", "body", "expected"), MATRIX,
                         ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
async def test_access_matrix(system, resources, service, method, path, body, expected):
    url = path.format(**resources)
    got = {}
    async with system.client(service) as client:
        for role, headers in ROLES.items():
            response = await client.request(method, url, json=body, headers=headers)
            got[role] = response.status_code
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json", (role, response.text)
    assert got == expected
