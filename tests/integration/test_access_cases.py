"""The cases service's access matrix: every route against every kind of caller (issue 8, drill 7).

Everything is owned by Haizhu market regulation (`owner`, 440105-amr) in region 440105, which Guangzhou's lead
office (`lead`) oversees. Where a second agency must be a party (receiving a referral or an assist, holding a
joint task) it is Tianhe's (`other`, 440106-amr); Hangzhou's lead office (`lead_other`) is then the stranger.
"""
from functools import partial

import pytest

from tests.access import CALLERS, Row, Scene, anyone, assert_every_route_listed, expect, signed_in, statuses
from tests.support import random_uscc, unique

SERVICE = "cases"
OWNER, OTHER = CALLERS["owner"], CALLERS["other"]
TIANHE = "440106-amr"
CRIMINAL_FILE = ["transfer_letter", "investigation_report", "seized_items_list", "test_or_appraisal_reports"]


async def new_clue(s: Scene) -> str:
    return (await s.post("/v1/clues", {
        "source": "agency", "source_ref": unique("acl"), "agency": "440105-amr", "category": "false_advertising",
        "subject": {"uscc": random_uscc("440105"), "region": "440105"}, "summary": "日常巡查发现"},
        headers=OWNER, status=201))["id"]


async def new_case(s: Scene) -> str:
    return (await s.post(f"/v1/clues/{await new_clue(s)}/verification", {"decision": "file"},
                         headers=OWNER))["case_id"]


async def pending_clue(s: Scene) -> dict:
    return {"clue_id": await new_clue(s)}


async def filed_case(s: Scene) -> dict:
    return {"case_id": await new_case(s)}


async def decided_case(s: Scene) -> dict:
    case_id = await new_case(s)
    await s.post(f"/v1/cases/{case_id}/decision", {"outcome": "soft_measure", "measures": ["guidance"]},
                 headers=OWNER)
    return {"case_id": case_id}


async def referral(s: Scene, kind: str = "jurisdiction", to: str = "440106-amr", then: tuple = ()) -> dict:
    """A referral of a fresh case, moved on by the (step, headers, body) steps in `then`."""
    referral_id = (await s.post(f"/v1/cases/{await new_case(s)}/referrals", {
        "to_agency": to, "kind": kind, "reason": "被查对象实际经营地在天河",
        "documents": CRIMINAL_FILE if kind == "criminal" else []}, headers=OWNER, status=201))["id"]
    for step, headers, body in then:
        await s.post(f"/v1/referrals/{referral_id}/{step}", body, headers=headers)
    return {"referral_id": referral_id}


async def assist(s: Scene) -> dict:
    return {"assist_id": (await s.post(f"/v1/cases/{await new_case(s)}/assists", {
        "to_agency": "440106-amr", "request": "调取网店近三月交易记录"}, headers=OWNER, status=201))["id"]}


async def joint_action(s: Scene) -> dict:
    """A joint action with one task for the owner and one for Tianhe; `task_id` is Tianhe's."""
    action = await s.post(f"/v1/cases/{await new_case(s)}/joint-actions", {
        "participants": ["440106-amr"], "tasks": [{"agency": "440105-amr", "title": "固定网店证据"},
                                                  {"agency": "440106-amr", "title": "检查仓库"}]},
        headers=OWNER, status=201)
    return {"action_id": action["id"], "task_id": next(t["id"] for t in action["tasks"] if t["agency"] == TIANHE)}


@pytest.fixture(scope="module")
async def scene(system):
    async with system.client(SERVICE) as client:
        s = Scene(system, client)
        s.shared.update({"clue_id": await new_clue(s), "case_id": await new_case(s), **await joint_action(s)})
        yield s


# Participants, the lead office over the region, admins and services read; a stranger gets 404, so nothing leaks.
READS = expect(401, 403, 200, 404, 200, 404, 403, 200, 200)
LISTS = signed_in(200, intake=403, platform=403)


def owner_acts(status: int) -> dict[str, int]:
    """Only the owner's officers act on the case; the lead office reads it, so it is refused (403), not kept in
    the dark (404); admins and services read but do not act."""
    return expect(401, 403, status, 404, 403, 404, 403, 403, 403)


def tianhe_acts(status: int) -> dict[str, int]:
    """Only Tianhe, the receiver (of a referral or an assist) or the task's agency, acts; the owner is a party."""
    return expect(401, 403, 403, status, 403, 404, 403, 403, 403)


REJECTED = ("reject", OTHER, {"reason": "材料不足"})
ROWS: list[Row] = [
    Row("GET", "/healthz", anyone(200)),
    Row("GET", "/readyz", anyone(200)),
    Row("GET", "/metrics", anyone(200)),
    # Any agency or service may pass a monitoring clue on; it is routed to the competent agency (here Haizhu's). A
    # platform reports only as `platform_report` (tests/integration/test_clue_citations.py).
    Row("POST", "/v1/clues", signed_in(201, intake=403, admin=403, platform=403), body=lambda _: {
        "source": "monitoring", "source_ref": unique("mon"), "category": "food_safety",
        "subject": {"uscc": random_uscc("440105"), "region": "440105"}, "summary": "网络监测发现"}),
    Row("GET", "/v1/clues", LISTS),
    Row("GET", "/v1/clues/{clue_id}", READS),
    Row("POST", "/v1/clues/{clue_id}/verification", owner_acts(200), body={"decision": "file"}, fresh=pending_clue),
    Row("POST", "/v1/clues/{clue_id}/extension", owner_acts(200), body={"reason": "待检测"}, fresh=pending_clue),
    Row("GET", "/v1/cases", LISTS),
    Row("GET", "/v1/cases/{case_id}", READS),
    Row("GET", "/v1/cases/{case_id}/timeline", READS),
    Row("POST", "/v1/cases/{case_id}/investigation", owner_acts(200), fresh=filed_case),
    Row("POST", "/v1/cases/{case_id}/extension", owner_acts(200), body={"reason": "案情复杂"}, fresh=filed_case),
    Row("POST", "/v1/cases/{case_id}/decision", owner_acts(200),
        body={"outcome": "soft_measure", "measures": ["guidance"]}, fresh=filed_case),
    Row("POST", "/v1/cases/{case_id}/close", owner_acts(200), fresh=decided_case),
    Row("POST", "/v1/cases/{case_id}/referrals", owner_acts(201), fresh=filed_case,
        body={"to_agency": "440106-amr", "kind": "jurisdiction", "reason": "被查对象实际经营地在天河"}),
    # The sender approves a criminal transfer (the police are none of the callers).
    Row("POST", "/v1/referrals/{referral_id}/approve", owner_acts(200),
        fresh=partial(referral, kind="criminal", to="440100-psb")),
    Row("POST", "/v1/referrals/{referral_id}/accept", tianhe_acts(200), fresh=referral),
    Row("POST", "/v1/referrals/{referral_id}/reject", tianhe_acts(200), body=REJECTED[2], fresh=referral),
    Row("POST", "/v1/referrals/{referral_id}/forward", tianhe_acts(200), fresh=referral,
        body={"to_agency": "440100-amr", "reason": "涉及全市多区，由市局管辖"}),
    Row("POST", "/v1/referrals/{referral_id}/review", {**owner_acts(200), "other": 403},
        body={"reason": "已补充材料"}, fresh=partial(referral, then=(REJECTED,))),
    Row("POST", "/v1/referrals/{referral_id}/outcome", tianhe_acts(200), body={"summary": "已立案查处"},
        fresh=partial(referral, then=(("accept", OTHER, None),))),
    Row("POST", "/v1/cases/{case_id}/assists", owner_acts(201), fresh=filed_case,
        body={"to_agency": "440106-amr", "request": "调取网店近三月交易记录"}),
    Row("POST", "/v1/assists/{assist_id}/response", tianhe_acts(200), body={"findings": "交易记录已附"}, fresh=assist),
    Row("POST", "/v1/cases/{case_id}/joint-actions", owner_acts(201), fresh=filed_case, body={
        "participants": ["440106-amr"], "tasks": [{"agency": "440106-amr", "title": "检查仓库"}]}),
    Row("POST", "/v1/joint-actions/{action_id}/tasks/{task_id}/complete", tianhe_acts(200),
        body={"result": "已检查"}, fresh=joint_action),
    # Every party to the joint action minutes its consultations.
    Row("POST", "/v1/joint-actions/{action_id}/consultations", {**owner_acts(201), "other": 201},
        body={"held_on": "2026-11-20", "attendees": ["440105-amr", "440106-amr"], "conclusions": "联合检查仓库"}),
    Row("GET", "/v1/inbox", signed_in(200, intake=403, platform=403, service=403, admin=403)),
    Row("GET", "/v1/overdue", expect(401, 403, 403, 403, 200, 200, 403, 403, 403)),
]


def test_every_route_has_a_row(system):
    assert_every_route_listed(system[SERVICE].app.openapi(), ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_access(scene, row):
    assert await statuses(scene, row) == row.expected
