"""Handling a complaint over real HTTP: each transition, each refusal, the fast channel, deadlines, the loop."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services.complaints.intake import submit_complaint
from services.complaints.repository import ComplaintsUnitOfWork
from services.complaints.schemas import ComplaintCreate
from services.complaints.sweeper import sweep_overdue
from services.complaints.tables import ComplaintAgency
from shared.events.payloads.cases import CaseClosed, CaseFiled
from shared.identity import Principal
from tests.support import INTAKE, auth, complaint_body, eventually, officer, outbox_types, publish, random_uscc

HAIZHU_AMR = officer("440105-amr")


async def submit(client, **overrides) -> dict:
    response = await client.post("/v1/complaints", json=complaint_body(**overrides), headers=auth(**INTAKE))
    assert response.status_code == 201, response.text
    return response.json()


async def act(client, complaint_id: str, action: str, body: dict | None = None, headers=HAIZHU_AMR, expect=200):
    response = await client.post(f"/v1/complaints/{complaint_id}/{action}", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def test_accept_then_mediation_success_closes_as_mediated(system):
    async with system.client("complaints") as client:
        created = await submit(client)
        accepted = await act(client, created["id"], "acceptance", {"decision": "accept"})
        assert accepted["status"] == "mediating" and accepted["allowed_actions"] == ["mediation", "escalate", "close"]
        assert accepted["due_at"] > created["due_at"]  # 45 working days from acceptance
        closed = await act(client, created["id"], "mediation", {"outcome": "success", "note": "退款 58.5 元"})
    assert (closed["status"], closed["outcome"], closed["allowed_actions"]) == ("closed", "mediated", [])
    assert closed["due_at"] is None and closed["closed_at"]
    types = await outbox_types(system["complaints"].runtime, created["id"])
    assert types == ["complaint.received", "complaint.routed", "complaint.accepted",
                     "complaint.mediation_concluded", "complaint.closed"]


async def test_rejection_needs_a_statutory_ground_and_is_final(system):
    async with system.client("complaints") as client:
        created = await submit(client)
        no_ground = await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "reject"},
                                      headers=HAIZHU_AMR)
        unknown = await client.post(f"/v1/complaints/{created['id']}/acceptance",
                                    json={"decision": "reject", "grounds": {"code": "dislike"}}, headers=HAIZHU_AMR)
        rejected = await act(client, created["id"], "acceptance",
                             {"decision": "reject", "grounds": {"code": "time_barred", "note": "2019 年的订单"}})
        again = await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                                  headers=HAIZHU_AMR)
        grounds = (await client.get("/v1/rejection-grounds")).json()
    assert no_ground.status_code == 422 and unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "grounds.code"
    assert (rejected["status"], rejected["outcome"]) == ("rejected", "time_barred")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["allowed_actions"] == [] and again.json()["status_now"] == "rejected"
    assert "time_barred" in {g["code"] for g in grounds}
    assert (await outbox_types(system["complaints"].runtime, created["id"]))[-1] == "complaint.rejected"


async def test_an_action_out_of_turn_is_409_naming_the_allowed_actions(system):
    async with system.client("complaints") as client:
        created = await submit(client)
        response = await client.post(f"/v1/complaints/{created['id']}/mediation", json={"outcome": "success"},
                                     headers=HAIZHU_AMR)
    assert response.status_code == 409
    assert response.json()["allowed_actions"] == ["accept", "reject", "reclassify", "identify_subject", "forward"]


async def test_only_the_lead_agency_acts_others_get_403_or_404(system):
    async with system.client("complaints") as client:
        created = await submit(client, category="counterfeit")  # 440105-amr leads, 440100-psb co-handles
        co_agency = await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                                      headers=officer("440100-psb"))
        stranger = await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                                     headers=officer("330100-amr"))
        intake = await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                                   headers=auth(**INTAKE))
    assert (co_agency.status_code, stranger.status_code, intake.status_code) == (403, 404, 403)


async def test_reports_are_verified_extended_once_and_closed_with_reasons(system):
    async with system.client("complaints") as client:
        report = await submit(client, kind="report", complainant=None, category="false_advertising")
        verifying = await act(client, report["id"], "acceptance", {"decision": "accept"})
        extended = await act(client, report["id"], "extension", {"reason": "需检验检测"})
        twice = await client.post(f"/v1/complaints/{report['id']}/extension", json={"reason": "再延"},
                                  headers=HAIZHU_AMR)
        no_reason = await client.post(f"/v1/complaints/{report['id']}/close", headers=HAIZHU_AMR)
        forward = await client.post(f"/v1/complaints/{report['id']}/forward", json={"platform": "taobao"},
                                    headers=HAIZHU_AMR)
        closed = await act(client, report["id"], "close", {"reason": "经核查未发现违法行为"})
    assert verifying["status"] == "verifying" and extended["due_at"] > verifying["due_at"]
    assert twice.status_code == 409 and "extend" not in twice.json()["allowed_actions"]
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert forward.status_code == 409  # the fast channel is for consumer disputes, not reports
    assert (closed["status"], closed["outcome"]) == ("closed", "not_substantiated")


async def test_escalation_then_case_filed_and_closed_close_the_loop(system):
    async with system.client("complaints") as client:
        created = await submit(client)
        await act(client, created["id"], "acceptance", {"decision": "accept"})
        await act(client, created["id"], "mediation", {"outcome": "failure"})
        escalated = await act(client, created["id"], "escalate", {"reason": "调解中发现销售过期食品"})
    assert escalated["status"] == "escalated"
    runtime = system["complaints"].runtime
    assert (await outbox_types(runtime, created["id"]))[-1] == "complaint.escalated"

    subject = {"uscc": created["subject"]["uscc"], "region": "440105"}
    filed = CaseFiled(case_id="case-1", agency="440105-amr", subject=subject, category="food_safety",
                      complaint_ids=[created["id"]], due_at=datetime.now(timezone.utc) + timedelta(days=90),
                      clue_source="complaint", clue_source_ref=created["id"])  # the clue of its escalation
    await publish(system.broker.bootstrap, "case.filed", subject="case-1", payload=filed)

    async def status_is(expected):
        async with system.client("complaints") as client:
            body = (await client.get(f"/v1/complaints/{created['id']}", headers=HAIZHU_AMR)).json()
        return body if body["status"] == expected else None

    assert (await eventually(lambda: status_is("case_filed"), what="case.filed recorded"))["case_id"] == "case-1"
    closed = CaseClosed(case_id="case-1", agency="440105-amr", complaint_ids=[created["id"]], outcome="penalty")
    await publish(system.broker.bootstrap, "case.closed", subject="case-1", payload=closed)
    done = await eventually(lambda: status_is("closed"), what="case.closed recorded")
    assert done["outcome"] == "case_closed"
    async with system.client("complaints") as client:
        steps = (await client.get(f"/v1/complaints/{created['id']}/timeline", headers=HAIZHU_AMR)).json()["steps"]
    actions = [s["action"] for s in steps]
    assert actions[-3:] == ["case_filed", "case_closed", "closed"]
    assert steps[-1]["events"][0]["type"] == "jointsup.complaint.closed"


async def test_forwarded_complaint_is_seen_and_answered_only_by_its_platform(system):
    async with system.client("complaints") as client:
        created = await submit(client, subject={"uscc": random_uscc(), "region": "440105", "platform": "meituan",
                                                 "shop_id": "mt-shop-1"})
        assert created["status"] == "forwarded" and created["forwarded_platform"] == "meituan"  # fast channel
        path = f"/v1/complaints/{created['id']}"
        meituan, taobao = auth(roles=["platform"], platform="meituan"), auth(roles=["platform"], platform="taobao")
        seen = await client.get(path, headers=meituan)
        not_seen = await client.get(path, headers=taobao)
        listed_b = (await client.get("/v1/complaints", headers=taobao)).json()["items"]
        wrong_platform = await client.post(f"{path}/platform-response", json={"outcome": "resolved"}, headers=taobao)
        officer_answer = await client.post(f"{path}/platform-response", json={"outcome": "resolved"},
                                           headers=HAIZHU_AMR)
        resolved = await act(client, created["id"], "platform-response", {"outcome": "resolved", "note": "已退款"},
                             headers=meituan)
    assert seen.status_code == 200 and seen.json()["complainant"]["phone"].count("*") == 4  # masked
    assert not_seen.status_code == 404 and created["id"] not in {c["id"] for c in listed_b}
    assert (wrong_platform.status_code, officer_answer.status_code) == (404, 403)
    assert (resolved["status"], resolved["outcome"]) == ("closed", "resolved_by_platform")


async def test_unresolved_by_the_platform_returns_to_the_agency(system):
    async with system.client("complaints") as client:
        created = await submit(client)
        forwarded = await act(client, created["id"], "forward", {"platform": "jd"})
        unknown = await client.post(f"/v1/complaints/{created['id']}/forward", json={"platform": "nowhere"},
                                    headers=HAIZHU_AMR)
        back = await act(client, created["id"], "platform-response", {"outcome": "unresolved"},
                         headers=auth(roles=["platform"], platform="jd"))
    assert forwarded["status"] == "forwarded" and unknown.status_code == 422
    assert back["status"] == "received" and "accept" in back["allowed_actions"]


async def test_overdue_is_emitted_once_per_step_and_a_silent_platform_returns_it(system):
    runtime = system["complaints"].runtime
    async with system.client("complaints") as client:
        waiting = await submit(client)
        forwarded = await submit(client, subject={"region": "440105", "platform": "pinduoduo", "shop_id": "p-1"})
    later = datetime.now(timezone.utc) + timedelta(days=40)
    await sweep_overdue(runtime, now=later)
    await sweep_overdue(runtime, now=later)
    assert (await outbox_types(runtime, waiting["id"])).count("complaint.overdue") == 1
    types = await outbox_types(runtime, forwarded["id"])
    assert types.count("complaint.overdue") == 1
    async with system.client("complaints") as client:
        back = (await client.get(f"/v1/complaints/{forwarded['id']}", headers=HAIZHU_AMR)).json()
        steps = (await client.get(f"/v1/complaints/{forwarded['id']}/timeline", headers=HAIZHU_AMR)).json()["steps"]
    assert back["status"] == "received" and back["due_at"] > later.isoformat()
    overdue = next(s for s in steps if s["action"] == "overdue")
    assert overdue["detail"]["step"] == "platform_response"
    assert overdue["events"][0]["type"] == "jointsup.complaint.overdue"
    assert steps[-1]["action"] == "returned_from_platform"


async def test_mediation_without_agreement_ends_by_itself_after_45_working_days(system):
    runtime = system["complaints"].runtime
    async with system.client("complaints") as client:
        created = await submit(client)
        accepted = await act(client, created["id"], "acceptance", {"decision": "accept"})
    await sweep_overdue(runtime, now=datetime.fromisoformat(accepted["due_at"]) - timedelta(minutes=1))
    assert (await outbox_types(runtime, created["id"]))[-1] == "complaint.accepted"
    await sweep_overdue(runtime, now=datetime.fromisoformat(accepted["due_at"]) + timedelta(minutes=1))
    async with system.client("complaints") as client:
        ended = (await client.get(f"/v1/complaints/{created['id']}", headers=HAIZHU_AMR)).json()
    assert ended["status"] == "mediation_failed" and ended["allowed_actions"] == ["escalate", "close"]
    assert (await outbox_types(runtime, created["id"]))[-1] == "complaint.mediation_concluded"


async def test_acceptance_deadline_counts_working_days_across_national_day(system):
    runtime = system["complaints"].runtime
    data = ComplaintCreate.model_validate(complaint_body())
    received = datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Beijing
    async with ComplaintsUnitOfWork.begin(runtime, now=received) as uow:
        complaint, _ = await submit_complaint(uow=uow, data=data, by=Principal(sub="test", agency="440100-12345",
                                                                              roles=frozenset({"intake"})))
    assert complaint.due_at == datetime(2026, 10, 14, 15, 59, 59, 999999, tzinfo=timezone.utc)


async def test_reclassification_routes_again(system):
    runtime = system["complaints"].runtime
    async with system.client("complaints") as client:
        created = await submit(client, category="food_safety")
        moved = await act(client, created["id"], "reclassification",
                          {"category": "personal_information", "reason": "实为泄露个人信息"})
        old_lead = await client.get(f"/v1/complaints/{created['id']}", headers=HAIZHU_AMR)
        new_lead = await client.get(f"/v1/complaints/{created['id']}", headers=officer("440100-cac"))
    assert (moved["category"], moved["category_source"]) == ("personal_information", "officer")
    assert (moved["lead_agency"], moved["co_agencies"]) == ("440100-cac", ["440100-psb"])
    assert old_lead.status_code == 404 and new_lead.json()["complainant"]["phone"].count("*") == 0
    async with runtime.sessionmaker() as session:
        agencies = set((await (await session.connection()).scalars(select(ComplaintAgency.agency).where(
            ComplaintAgency.complaint_id == created["id"]))).all())
    assert agencies == {"440100-cac", "440100-psb"}
    assert (await outbox_types(runtime, created["id"])).count("complaint.routed") == 2


async def test_cross_region_subject_is_handed_over_to_its_city(system):
    async with system.client("complaints") as client:
        created = await submit(client, category="consumer_dispute",
                               subject={"uscc": random_uscc("330106"), "name": "杭州某网店", "platform": "taobao",
                                        "shop_id": "tb-9", "region": "330106"})
        steps = (await client.get(f"/v1/complaints/{created['id']}/timeline",
                                  headers=auth(**INTAKE))).json()["steps"]
        outside = await client.post("/v1/complaints", json=complaint_body(subject={"region": "110105"}),
                                    headers=auth(**INTAKE))
    assert created["lead_agency"].startswith("3301") and created["handed_over_from"] == "440100-amr"
    handover = next(s for s in steps if s["action"] == "handed_over")
    assert handover["detail"] == {"from_agency": "440100-amr", "to_agency": created["lead_agency"]}
    routed = next(s for s in steps if s["action"] == "routed")
    assert routed["detail"]["reason"] == "cross_region"
    assert outside.status_code == 422 and outside.json()["errors"][0]["field"] == "subject.region"


@pytest.mark.parametrize(("path", "body"), [("acceptance", {"decision": "accept"}),
                                            ("mediation", {"outcome": "success"}), ("escalate", {"reason": "x"})])
async def test_unknown_complaint_actions_are_404(system, path, body):
    async with system.client("complaints") as client:
        response = await client.post(f"/v1/complaints/no-such-id/{path}", json=body, headers=HAIZHU_AMR)
    assert response.status_code == 404


async def test_no_event_of_a_complaint_carries_the_complainant_in_clear(system):
    runtime = system["complaints"].runtime
    body = complaint_body(subject={"uscc": random_uscc(), "region": "440105", "platform": "jd", "shop_id": "jd-7"})
    async with system.client("complaints") as client:
        created = (await client.post("/v1/complaints", json=body, headers=auth(**INTAKE))).json()
        await client.post(f"/v1/complaints/{created['id']}/platform-response", json={"outcome": "unresolved"},
                          headers=auth(roles=["platform"], platform="jd"))
        await act(client, created["id"], "acceptance", {"decision": "accept"})
        await act(client, created["id"], "escalate", {"reason": "疑似销售假冒商品"})
    outbox = runtime.tables.outbox
    async with runtime.sessionmaker() as session:
        values = [json.dumps(json.loads(v), ensure_ascii=False) for (v,) in (await (await session.connection()).execute(
            select(outbox.c.value).where(outbox.c.key == created["id"]).order_by(outbox.c.seq))).all()]
    assert len(values) == 6 and "疑似销售假冒商品" in values[-1]  # decoded: Chinese text would show
    person = body["complainant"]
    for value in values:
        for secret in (person["name"], person["phone"], person["id_number"], person["email"]):
            assert secret not in value
