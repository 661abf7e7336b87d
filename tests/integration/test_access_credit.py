"""The access matrix of the credit service (issue 8, drill 7): every route against every kind of caller.

Profiles and checks are for officers, leads, services and admins; complainant records for leads and admins; the
public routes for anyone. What decides on a record (a listing, a repair, a revocation) is for the agency that
decided the penalty, an execution report for the agency executing the sanction, and an act over a region (an
observation period, an inspection draw) for the agencies serving it. Everything the credit service knows comes
from events, so the subjects here come from `case.decided` and the complainant from `complainant.flagged`.
"""
from datetime import date, timedelta

import pytest

from shared.events.payloads.complaints import ComplainantFlagged
from tests.access import CALLERS, OWNER, Row, Scene, anyone, assert_every_route_listed, expect, signed_in, statuses
from tests.integration.test_credit_story import clock_moved, decided, ok, profile_when
from tests.support import eventually, publish, random_uscc, unique

async def penalised(s: Scene, severity: str) -> dict:
    """The profile of a new Haizhu subject once it holds one penalty decided by Haizhu market regulation (a
    serious one comes with its listing proposal, raised in the same transaction)."""
    uscc = random_uscc()
    await publish(s.system.broker.bootstrap, "case.decided", subject="case",
                  payload=decided(uscc, severity=severity, fine=None if severity == "minor" else "50000.00"))
    return await profile_when(s.client, uscc, lambda p: p["records"])


async def general_penalty(s: Scene) -> dict:
    profile = await penalised(s, "general")
    return {"uscc": profile["uscc"], "record_id": profile["records"][0]["id"]}


async def noticed_proposal(s: Scene) -> dict:
    return {"proposal_id": (await penalised(s, "serious"))["proposals"][0]["id"]}


async def imposed_sanction(s: Scene) -> dict:
    """A sanction Haizhu market regulation executes, on a subject listed once the hearing period is over."""
    profile = await penalised(s, "serious")
    with clock_moved(s.system["credit"].runtime, timedelta(days=10)):
        await s.post(f"/v1/listing-proposals/{profile['proposals'][0]['id']}/decision",
                     {"decision": "list", "reason": "陈述申辩不成立"}, headers=CALLERS["owner"])
    profile = await ok(await s.client.get(f"/v1/subjects/{profile['uscc']}", headers=CALLERS["owner"]))
    return {"sanction_id": next(sanction["id"] for sanction in profile["sanctions"] if sanction["agency"] == OWNER)}


def repair_body(resources: dict) -> dict:
    return {"record_id": resources["record_id"], "reason": "已缴清罚款并整改", "evidence": ["缴款凭证"],
            "obligations_met": True, "commitment": True}


async def requested_repair(s: Scene) -> dict:
    """A repair requested (by Haizhu itself) of the shared subject's penalty."""
    repair = await s.post(f"/v1/subjects/{s.shared['uscc']}/repairs", repair_body(s.shared),
                          headers=CALLERS["owner"], status=201)
    return {"repair_id": repair["id"]}


async def flagged_complainant(s: Scene) -> str:
    key = unique("complainant")
    await publish(s.system.broker.bootstrap, "complainant.flagged", subject=key, payload=ComplainantFlagged(
        complainant_key=key, reasons=["30 天内投诉 25 次"], flagged_by="440100-12345"))

    async def recorded():
        response = await s.client.get(f"/v1/complainants/{key}", headers=CALLERS["admin"])
        return response.status_code == 200 and response.json()

    await eventually(recorded, what=f"the complainant record of {key}")
    return key


def observation_body(resources: dict) -> dict:
    return {"uscc": resources["uscc"], "starts_on": date.today().isoformat(),
            "ends_on": (date.today() + timedelta(days=90)).isoformat(), "reason": "新业态包容审慎"}


def draw_body(resources: dict) -> dict:
    return {"seed": unique("seed"), "region": "440105", "inspectors": ["insp-1", "insp-2"],
            "inspectors_per_subject": 1}


@pytest.fixture(scope="module")
async def scene(system):
    """A Haizhu subject with a minor penalty, an inspection draw over Haizhu, a flagged complainant."""
    async with system.client("credit") as client:
        s = Scene(system, client)
        profile = await penalised(s, "minor")
        draw = await s.post("/v1/inspection-draws", draw_body({}), headers=CALLERS["owner"], status=201)
        s.shared.update(uscc=profile["uscc"], record_id=profile["records"][0]["id"], draw_id=draw["id"],
                        complainant_key=await flagged_complainant(s))
        yield s


# Profiles and checks: officers and leads anywhere (credit is shared across agencies), services and admins.
READERS = signed_in(200, intake=403, platform=403)


def owner_only(status: int) -> dict[str, int]:
    """Only Haizhu market regulation, which decided the penalty (or executes the sanction), acts on it. The
    others see it in the profile, so they get 403, not 404; the Guangzhou lead office oversees Haizhu but does
    not decide for it."""
    return expect(401, 403, status, 403, 403, 403, 403, 403, 403)


# An act over Haizhu (an observation period, an inspection draw): its own agency and the lead office overseeing it.
IN_REGION = {**owner_only(201), "lead": 201}

ROWS = [
    Row("GET", "/healthz", anyone(200)),
    Row("GET", "/readyz", anyone(200)),
    Row("GET", "/metrics", anyone(200)),
    Row("GET", "/v1/subjects/{uscc}", READERS),
    Row("GET", "/v1/subjects/{uscc}/sanctions/check", READERS, query={"measure": "financing"}),
    Row("POST", "/v1/subjects/{uscc}/listing-proposals", owner_only(201), fresh=general_penalty,
        body=lambda r: {"record_id": r["record_id"], "reasons": ["情节严重，主观故意明显"]}),
    Row("POST", "/v1/listing-proposals/{proposal_id}/decision", owner_only(200), fresh=noticed_proposal,
        body={"decision": "drop", "reason": "陈述申辩成立"}),
    Row("POST", "/v1/sanctions/{sanction_id}/execution", owner_only(200), fresh=imposed_sanction,
        body={"note": "已列为重点监管对象"}),
    # The subject may lodge its request through any agency (the decision stays with the deciding one); a service
    # token is for read-only look-ups between services, so it lodges none.
    Row("POST", "/v1/subjects/{uscc}/repairs", signed_in(201, intake=403, platform=403, service=403),
        body=repair_body),
    Row("POST", "/v1/repairs/{repair_id}/decision", owner_only(200), fresh=requested_repair,
        body={"decision": "deny", "reason": "整改材料不全"}),
    Row("POST", "/v1/records/{record_id}/revocation", owner_only(200), fresh=general_penalty,
        body={"reason": "行政复议决定撤销"}),
    Row("POST", "/v1/observations", IN_REGION, body=observation_body),
    Row("POST", "/v1/inspection-draws", IN_REGION, body=draw_body),
    # The draw with its conflicts: the agencies serving Haizhu (an admin's province among them).
    Row("GET", "/v1/inspection-draws/{draw_id}", {**owner_only(200), "lead": 200, "admin": 200}),
    # Complainant credit is known by a keyed hash only, with no region: any lead office reads it.
    Row("GET", "/v1/complainants/{complainant_key}", expect(401, 403, 403, 403, 200, 200, 403, 403, 200)),
    Row("GET", "/v1/public/inspection-draws/{draw_id}", anyone(200)),
    Row("GET", "/v1/public/subjects/{uscc}", anyone(200)),
]



def test_every_route_has_a_row(system):
    assert_every_route_listed(system["credit"].app.openapi(), ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_access(scene, row):
    assert await statuses(scene, row) == row.expected
