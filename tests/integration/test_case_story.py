"""One whole story through the real broker: complaints escalate → clue → case → criminal referral to the police
→ joint action with cyberspace and tax → decision with a fine → case.decided on Kafka → the complaint closes."""
from datetime import date

from shared.events import topics
from tests.support import INTAKE, auth, complaint_body, eventually, officer, random_uscc, read_event

HAIZHU_AMR, POLICE, CAC, TAX = (officer(a) for a in ("440105-amr", "440100-psb", "440100-cac", "440100-tax"))
CRIMINAL_FILE = ["transfer_letter", "investigation_report", "seized_items_list", "test_or_appraisal_reports"]


async def ok(response, status=200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def test_complaint_to_decision_and_back(system):
    uscc = random_uscc()
    async with system.client("complaints") as complaints:
        complaint = await ok(await complaints.post("/v1/complaints", json=complaint_body(
            category="counterfeit", subject={"uscc": uscc, "name": "海珠某数码店", "region": "440105"}),
            headers=auth(**INTAKE)), 201)
        cid = complaint["id"]
        await ok(await complaints.post(f"/v1/complaints/{cid}/acceptance", json={"decision": "accept"},
                                       headers=HAIZHU_AMR))
        await ok(await complaints.post(f"/v1/complaints/{cid}/escalate", json={"reason": "疑似销售假冒手机"},
                                       headers=HAIZHU_AMR))

    async with system.client("cases") as cases:
        async def clue_for_complaint():
            found = await ok(await cases.get("/v1/clues", params={"complaint": cid}, headers=HAIZHU_AMR))
            return found[0] if found else None

        clue = await eventually(clue_for_complaint, what="clue from complaint.escalated")
        assert (clue["source"], clue["agency"], clue["complaint_ids"]) == ("complaint", "440105-amr", [cid])
        clue = await ok(await cases.post(f"/v1/clues/{clue['id']}/verification", json={"decision": "file"},
                                         headers=HAIZHU_AMR))
        case_id = clue["case_id"]
        case = await ok(await cases.get(f"/v1/cases/{case_id}", headers=HAIZHU_AMR))
        assert (case["status"], case["agency"], case["complaint_ids"]) == ("filed", "440105-amr", [cid])

        referral = await ok(await cases.post(f"/v1/cases/{case_id}/referrals", json={
            "to_agency": "440100-psb", "kind": "criminal", "reason": "涉嫌销售假冒注册商标的商品罪",
            "documents": CRIMINAL_FILE}, headers=HAIZHU_AMR), 201)
        assert referral["status"] == "awaiting_approval"
        assert (await cases.get(f"/v1/cases/{case_id}", headers=POLICE)).status_code == 404  # not transferred yet
        rid = referral["id"]
        await ok(await cases.post(f"/v1/referrals/{rid}/approve", headers=HAIZHU_AMR))
        police_inbox = await ok(await cases.get("/v1/inbox", headers=POLICE))
        assert any(i["id"] == rid and i["action"] == "accept_or_reject" for i in police_inbox)
        await ok(await cases.post(f"/v1/referrals/{rid}/accept", json={"note": "已立案侦查"}, headers=POLICE))
        done = await ok(await cases.post(f"/v1/referrals/{rid}/outcome", json={"summary": "已刑事立案，嫌疑人到案"},
                                         headers=POLICE))
        assert done["status"] == "completed"

        action = await ok(await cases.post(f"/v1/cases/{case_id}/joint-actions", json={
            "participants": ["440100-cac", "440100-tax"],
            "tasks": [{"agency": "440100-cac", "title": "清理网店违法信息"},
                      {"agency": "440100-tax", "title": "核查涉税情况"}]}, headers=HAIZHU_AMR), 201)
        await ok(await cases.post(f"/v1/joint-actions/{action['id']}/consultations", json={
            "held_on": date.today().isoformat(), "attendees": ["440105-amr", "440100-cac", "440100-tax"],
            "conclusions": "分工协作，十日内完成"}, headers=CAC), 201)
        for task, headers in zip(action["tasks"], (CAC, TAX)):
            action = await ok(await cases.post(f"/v1/joint-actions/{action['id']}/tasks/{task['id']}/complete",
                                               json={"result": "完成"}, headers=headers))
        assert action["status"] == "completed"
        assert (await ok(await cases.get(f"/v1/cases/{case_id}", headers=TAX)))["status"] == "investigating"

        decided = await ok(await cases.post(f"/v1/cases/{case_id}/decision", json={
            "outcome": "penalty", "measures": ["fine", "confiscation"], "fine_amount": "200000.00",
            "legal_basis": "《商标法》第六十条"}, headers=HAIZHU_AMR))
        assert (decided["status"], decided["severity"]) == ("decided", "general")
        await ok(await cases.post(f"/v1/cases/{case_id}/close", headers=HAIZHU_AMR))
        timeline = await ok(await cases.get(f"/v1/cases/{case_id}/timeline", headers=HAIZHU_AMR))

    event = await read_event(system.broker.bootstrap, topics.CASES, "case.decided", case_id)
    assert event.data["severity"] == "general" and event.data["fine_amount"] == "200000.00"
    assert event.data["subject"]["uscc"] == uscc and event.data["measures"] == ["fine", "confiscation"]
    actions = [s["action"] for s in timeline]
    assert actions[:3] == ["filed", "referral_reported", "referral_approved"]
    assert {"referred", "referral_accept", "referral_outcome", "joint_action_started", "consultation",
            "joint_task_completed", "joint_action_completed", "decided", "closed"} <= set(actions)

    async def complaint_closed():
        async with system.client("complaints") as complaints:
            body = await ok(await complaints.get(f"/v1/complaints/{cid}", headers=HAIZHU_AMR))
        return body if body["status"] == "closed" else None

    closed = await eventually(complaint_closed, what="case.closed back on the complaint")
    assert (closed["outcome"], closed["case_id"]) == ("case_closed", case_id)
