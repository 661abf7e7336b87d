"""Cases rule by rule over real HTTP: duplicate cases, referral kinds, review, deadlines, scoping, refusals."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from services.cases.sweeper import sweep_overdue
from services.cases.tables import Clue, Referral
from shared.events.payloads.credit import CreditObservation
from tests.support import auth, eventually, officer, outbox_types, publish, random_uscc, unique

HAIZHU_AMR = officer("440105-amr")


async def ok(response, status=200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def new_clue(client, *, agency="440105-amr", uscc=None, category="false_advertising", headers=None) -> dict:
    body = {"source": "agency", "source_ref": unique("own"), "agency": agency, "category": category,
            "subject": {"uscc": uscc or random_uscc(), "region": "440105"}, "summary": "日常巡查发现"}
    return await ok(await client.post("/v1/clues", json=body, headers=headers or officer(agency)), 201)


async def new_case(client, **kwargs) -> dict:
    clue = await new_clue(client, **kwargs)
    agency = kwargs.get("agency", "440105-amr")
    clue = await ok(await client.post(f"/v1/clues/{clue['id']}/verification", json={"decision": "file"},
                                      headers=officer(agency)))
    return await ok(await client.get(f"/v1/cases/{clue['case_id']}", headers=officer(agency)))


async def test_a_second_clue_on_the_same_subject_joins_the_open_case(system):
    uscc = random_uscc()
    async with system.client("cases") as client:
        case = await new_case(client, uscc=uscc)
        other = await new_clue(client, agency="440106-amr", uscc=uscc)
        joined = await ok(await client.post(f"/v1/clues/{other['id']}/verification", json={"decision": "file"},
                                            headers=officer("440106-amr")))
        after = await ok(await client.get(f"/v1/cases/{case['id']}", headers=officer("440106-amr")))
        different_category = await new_case(client, uscc=uscc, category="price_violation")
        repeat = await client.post("/v1/clues", json={"source": "agency", "source_ref": other["source_ref"],
                                                      "agency": "440106-amr", "category": "false_advertising",
                                                      "subject": {"uscc": uscc}, "summary": "again"},
                                   headers=officer("440106-amr"))
    assert (joined["status"], joined["case_id"], joined["joined_existing_case"]) == ("joined", case["id"], True)
    assert after["participants"] == {"440105-amr": "owner", "440106-amr": "joined"}
    assert after["clue_ids"] == [case["clue_ids"][0], other["id"]] and after["agency"] == "440105-amr"
    assert different_category["id"] != case["id"]
    assert repeat.status_code == 200 and repeat.json()["id"] == other["id"]
    assert "case.filed" not in await outbox_types(system["cases"].runtime, other["id"])


async def test_a_repeated_source_reference_shows_the_clue_only_to_who_may_see_it(system):
    uscc = random_uscc()
    body = {"source": "monitoring", "source_ref": unique("mon"), "agency": "440105-amr",
            "category": "false_advertising", "subject": {"uscc": uscc, "region": "440105"}, "summary": "网络监测发现"}
    async with system.client("cases") as client:
        clue = await ok(await client.post("/v1/clues", json=body, headers=HAIZHU_AMR), 201)
        routed = {k: v for k, v in body.items() if k != "agency"}  # a stranger may pass a clue on, not assign it
        stranger = await client.post("/v1/clues", json=routed, headers=officer("440106-amr"))
        stranger_reads = await client.get(f"/v1/clues/{clue['id']}", headers=officer("440106-amr"))
        lead_office = await ok(await client.post("/v1/clues", json=body, headers=officer("440100-amr", "lead")))
        owner = await ok(await client.post("/v1/clues", json=body, headers=HAIZHU_AMR))
    assert stranger.status_code == 409 and stranger.headers["content-type"] == "application/problem+json"
    assert "already registered" in stranger.json()["detail"] and stranger_reads.status_code == 404
    assert clue["id"] not in stranger.text and uscc not in stranger.text and "subject" not in stranger.json()
    assert lead_office["id"] == owner["id"] == clue["id"]


async def test_a_platform_retrying_its_report_gets_its_clue_back(system):
    """A platform never reads clues, but a retry after a lost answer still learns the id it registered."""
    platform = auth(roles=["platform"], platform="taobao")
    body = {"source": "platform_report", "source_ref": unique("tb"), "category": "counterfeit",
            "subject": {"uscc": random_uscc(), "region": "440105"}, "summary": "平台巡查发现售假"}
    async with system.client("cases") as client:
        first = await ok(await client.post("/v1/clues", json=body, headers=platform), 201)
        retry = await ok(await client.post("/v1/clues", json=body, headers=platform))
        other_platform = await client.post("/v1/clues", json=body, headers=auth(roles=["platform"], platform="jd"))
    assert retry["id"] == first["id"] and other_platform.status_code == 409


async def test_a_criminal_referral_is_unknown_to_the_police_until_approved(system):
    police = officer("440100-psb")
    async with system.client("cases") as client:
        case = await new_case(client)
        referral = await ok(await client.post(f"/v1/cases/{case['id']}/referrals", json={
            "to_agency": "440100-psb", "kind": "criminal", "reason": "涉嫌销售假冒注册商标的商品罪",
            "documents": ["transfer_letter", "investigation_report", "seized_items_list",
                          "test_or_appraisal_reports"]}, headers=HAIZHU_AMR), 201)
        path = f"/v1/referrals/{referral['id']}"
        before = [await client.post(f"{path}/approve", headers=police),
                  await client.post(f"{path}/accept", headers=police),
                  await client.get(f"/v1/cases/{case['id']}", headers=police)]
        await ok(await client.post(f"{path}/approve", headers=HAIZHU_AMR))
        approves_after = await client.post(f"{path}/approve", headers=police)
        accepted = await ok(await client.post(f"{path}/accept", headers=police))
    assert [r.status_code for r in before] == [404, 404, 404]
    assert approves_after.status_code == 403 and accepted["status"] == "accepted"


@pytest.mark.parametrize(("kind", "to_agency", "status"), [
    ("function", "440100-tax", "pending"), ("takedown", "440000-ca", "pending"),
    ("cross_region", "330106-amr", "pending"), ("upward", "440100-amr", "pending"),
    ("jurisdiction", "440106-amr", "pending"), ("criminal", "440100-psb", "awaiting_approval"),
])
async def test_each_referral_kind_reaches_its_receiver(system, kind, to_agency, status):
    documents = ["transfer_letter", "investigation_report", "seized_items_list", "test_or_appraisal_reports"]
    async with system.client("cases") as client:
        case = await new_case(client)
        referral = await ok(await client.post(f"/v1/cases/{case['id']}/referrals", json={
            "to_agency": to_agency, "kind": kind, "reason": "依职责移送", "documents": documents},
            headers=HAIZHU_AMR), 201)
        receiver_sees = await client.get(f"/v1/cases/{case['id']}", headers=officer(to_agency))
    assert referral["status"] == status and referral["due_at"]
    assert receiver_sees.status_code == (404 if kind == "criminal" else 200)  # criminal: after approval


@pytest.mark.parametrize(("body", "field"), [
    ({"to_agency": "440106-amr", "kind": "function", "reason": "x"}, "to_agency"),
    ({"to_agency": "330100-psb", "kind": "criminal", "reason": "x", "documents": ["transfer_letter"]}, "to_agency"),
    ({"to_agency": "440100-psb", "kind": "criminal", "reason": "x", "documents": ["transfer_letter"]}, "documents"),
    ({"to_agency": "440100-psb", "kind": "arrest", "reason": "x"}, "kind"),
])
async def test_a_referral_to_the_wrong_agency_is_422_and_not_stored(system, body, field):
    async with system.client("cases") as client:
        case = await new_case(client)
        response = await client.post(f"/v1/cases/{case['id']}/referrals", json=body, headers=HAIZHU_AMR)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}
    async with system["cases"].runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Referral).where(
            Referral.case_id == case["id"])) == 0


async def test_jurisdiction_moves_the_case_and_the_sender_keeps_reading(system):
    async with system.client("cases") as client:
        case = await new_case(client)
        referral = await ok(await client.post(f"/v1/cases/{case['id']}/referrals", json={
            "to_agency": "440106-amr", "kind": "jurisdiction", "reason": "被查对象实际经营地在天河"},
            headers=HAIZHU_AMR), 201)
        await ok(await client.post(f"/v1/referrals/{referral['id']}/accept", headers=officer("440106-amr")))
        moved = await ok(await client.get(f"/v1/cases/{case['id']}", headers=HAIZHU_AMR))
        old_owner_decides = await client.post(f"/v1/cases/{case['id']}/decision", json={
            "outcome": "soft_measure", "measures": ["guidance"]}, headers=HAIZHU_AMR)
        new_owner_decides = await client.post(f"/v1/cases/{case['id']}/decision", json={
            "outcome": "soft_measure", "measures": ["guidance"]}, headers=officer("440106-amr"))
    assert moved["agency"] == "440106-amr"
    assert moved["participants"] == {"440105-amr": "sender", "440106-amr": "owner"}
    assert (old_owner_decides.status_code, new_owner_decides.status_code) == (403, 200)


async def test_forward_when_not_competent(system):
    async with system.client("cases") as client:
        case = await new_case(client)
        referral = await ok(await client.post(f"/v1/cases/{case['id']}/referrals", json={
            "to_agency": "440100-tax", "kind": "function", "reason": "x"}, headers=HAIZHU_AMR), 201)
        forwarded = await ok(await client.post(f"/v1/referrals/{referral['id']}/forward", json={
            "to_agency": "440100-comm", "reason": "属商务部门职责"}, headers=officer("440100-tax")))
        inbox = await ok(await client.get("/v1/inbox", headers=officer("440100-comm")))
    assert (forwarded["to_agency"], forwarded["forwarded_from"], forwarded["status"]) == (
        "440100-comm", ["440100-tax"], "pending")
    assert any(i["id"] == referral["id"] for i in inbox)


async def test_overdue_steps_are_reported_once_and_listed_for_the_lead_office(system):
    runtime = system["cases"].runtime
    async with system.client("cases") as client:
        clue = await new_clue(client)
        case = await new_case(client)
        referral = await ok(await client.post(f"/v1/cases/{case['id']}/referrals", json={
            "to_agency": "440100-tax", "kind": "function", "reason": "x"}, headers=HAIZHU_AMR), 201)
        assist = await ok(await client.post(f"/v1/cases/{case['id']}/assists", json={
            "to_agency": "440100-cac", "request": "调取网店交易记录"}, headers=HAIZHU_AMR), 201)
    later = datetime.now(timezone.utc) + timedelta(days=200)
    await sweep_overdue(runtime, now=later)
    await sweep_overdue(runtime, now=later)
    assert (await outbox_types(runtime, clue["id"])).count("clue.overdue") == 1
    types = await outbox_types(runtime, case["id"])
    assert [types.count(t) for t in ("referral.overdue", "assist.overdue", "case.overdue")] == [1, 1, 1]

    async with runtime.sessionmaker() as session, session.begin():  # make the referral late in real time
        await session.exec(update(Referral).where(Referral.id == referral["id"]).values(
            due_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    async with system.client("cases") as client:
        lead_office = await ok(await client.get("/v1/overdue", headers=officer("440100-amr", "lead")))
        first = await client.get("/v1/overdue", params={"size": 1}, headers=officer("440100-amr", "lead"))
        other_city = await ok(await client.get("/v1/overdue", headers=officer("330100-amr", "lead")))
        not_lead = await client.get("/v1/overdue", headers=HAIZHU_AMR)
    assert any(i["id"] == referral["id"] and i["overdue"] for i in lead_office)
    assert first.json() == lead_office[:1] and int(first.headers["X-Total-Count"]) == len(lead_office)
    assert all(i["id"] != referral["id"] for i in other_city) and not_lead.status_code == 403
    assert assist["status"] == "requested"


async def test_the_inbox_pages_in_due_order_and_counts_every_page(system):
    agency = officer("440106-amr")
    async with system.client("cases") as client:
        for _ in range(3):
            await new_clue(client, agency="440106-amr")
        whole = await client.get("/v1/inbox", headers=agency)
        total = int(whole.headers["X-Total-Count"])
        pages = [await client.get("/v1/inbox", params={"page": n, "size": 2}, headers=agency)
                 for n in range(1, total // 2 + 3)]
        refused = [await client.get("/v1/inbox", params=p, headers=agency) for p in ({"size": 0}, {"page": 0})]
    items = whole.json()
    assert total == len(items) >= 3
    due = [i["due_at"] for i in items]
    assert due == sorted(d for d in due if d) + [None] * due.count(None)
    assert [i for page in pages for i in page.json()] == items and pages[-1].json() == []
    assert {int(page.headers["X-Total-Count"]) for page in pages} == {total}
    assert [r.status_code for r in refused] == [422, 422]
    assert all(r.headers["content-type"] == "application/problem+json" for r in refused)


async def test_reads_are_scoped_for_every_role(system):
    async with system.client("cases") as client:
        case = await new_case(client)
        path = f"/v1/cases/{case['id']}"
        statuses = {name: (await client.get(path, headers=headers)).status_code for name, headers in {
            "owner": HAIZHU_AMR, "lead office": officer("440100-amr", "lead"),
            "lead office elsewhere": officer("330100-amr", "lead"), "other agency": officer("440100-tax"),
            "admin": auth(roles=["admin"]), "platform": auth(roles=["platform"], platform="taobao"),
            "intake": auth(agency="440100-12345", roles=["intake"])}.items()}
        listed = await ok(await client.get("/v1/cases", params={"subject": case["subject"]["uscc"]},
                                           headers=officer("440100-tax")))
    assert statuses == {"owner": 200, "lead office": 200, "lead office elsewhere": 404, "other agency": 404,
                        "admin": 200, "platform": 403, "intake": 403}
    assert listed == []


async def test_forbidden_transitions_are_409_naming_what_is_allowed(system):
    async with system.client("cases") as client:
        case = await new_case(client)
        close_early = await client.post(f"/v1/cases/{case['id']}/close", headers=HAIZHU_AMR)
        await ok(await client.post(f"/v1/cases/{case['id']}/decision", json={
            "outcome": "no_penalty", "ground": "first_violation_minor"}, headers=HAIZHU_AMR))
        decide_again = await client.post(f"/v1/cases/{case['id']}/decision", json={
            "outcome": "no_penalty", "ground": "no_fault"}, headers=HAIZHU_AMR)
        refer_late = await client.post(f"/v1/cases/{case['id']}/referrals", json={
            "to_agency": "440100-tax", "kind": "function", "reason": "x"}, headers=HAIZHU_AMR)
        clue = await new_clue(client)
        await ok(await client.post(f"/v1/clues/{clue['id']}/verification",
                                   json={"decision": "dismiss", "reason": "轻微并已改正"}, headers=HAIZHU_AMR))
        verify_again = await client.post(f"/v1/clues/{clue['id']}/verification", json={"decision": "file"},
                                         headers=HAIZHU_AMR)
    assert close_early.status_code == 409 and "decide" in close_early.json()["allowed_actions"]
    assert decide_again.status_code == 409 and decide_again.json()["allowed_actions"] == ["close"]
    assert refer_late.status_code == 409
    assert verify_again.status_code == 409 and verify_again.json()["status_now"] == "dismissed"


async def test_bad_input_is_4xx_and_nothing_is_stored(system):
    ref = unique("bad")
    async with system.client("cases") as client:
        bad_uscc = await client.post("/v1/clues", json={
            "source": "agency", "source_ref": ref, "category": "false_advertising",
            "subject": {"uscc": "91350100M000100Y44"}, "summary": "x"}, headers=HAIZHU_AMR)
        bad_source = await client.post("/v1/clues", json={
            "source": "rumour", "source_ref": ref, "category": "false_advertising",
            "subject": {"region": "440105"}, "summary": "x"}, headers=HAIZHU_AMR)
        case = await new_case(client)
        no_basis = await client.post(f"/v1/cases/{case['id']}/decision", json={
            "outcome": "penalty", "measures": ["fine"], "fine_amount": "100"}, headers=HAIZHU_AMR)
        dismiss_silently = await client.post(f"/v1/clues/{case['clue_ids'][0]}/verification",
                                             json={"decision": "dismiss"}, headers=HAIZHU_AMR)
    assert (bad_uscc.status_code, bad_source.status_code) == (422, 422)
    assert bad_uscc.json()["errors"][0]["field"] == "subject.uscc"
    assert no_basis.status_code == 422 and no_basis.json()["errors"][0]["field"] == "legal_basis"
    assert dismiss_silently.status_code == 422
    async with system["cases"].runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Clue).where(Clue.source_ref == ref)) == 0


async def test_advice_flags_first_violation_and_observation_period(system):
    uscc = random_uscc()
    async with system.client("cases") as client:
        first = await new_case(client, uscc=uscc)
        assert "首违不罚" in first["advice"][0] and len(first["advice"]) == 1
        await publish(system.broker.bootstrap, "credit.observation_started", subject=uscc, payload=CreditObservation(
            observation_id=unique("obs"), uscc=uscc, starts_on="2026-11-01", ends_on="2027-04-30",
            reason="新业态观察期"))

        async def advised():
            case = await ok(await client.get(f"/v1/cases/{first['id']}", headers=HAIZHU_AMR))
            return case if len(case["advice"]) == 2 else None

        assert "观察期" in (await eventually(advised, what="observation projected"))["advice"][1]
        await ok(await client.post(f"/v1/cases/{first['id']}/decision", json={
            "outcome": "penalty", "measures": ["warning"], "legal_basis": "《广告法》"}, headers=HAIZHU_AMR))
        second = await new_case(client, uscc=uscc, category="price_violation")
    assert all("首违不罚" not in note for note in second["advice"])


async def test_a_complaint_cluster_becomes_one_clue_that_grows(system):
    from tests.support import INTAKE, complaint_body
    uscc = random_uscc()
    subject = {"uscc": uscc, "name": "海珠某网红店", "region": "440105"}
    async with system.client("complaints") as complaints:
        ids = [(await ok(await complaints.post("/v1/complaints", json=complaint_body(subject=subject),
                                                headers=auth(**INTAKE)), 201))["id"] for _ in range(10)]

    async def cluster_clue(size):
        async with system.client("cases") as client:
            found = await ok(await client.get("/v1/clues", params={"subject": uscc}, headers=HAIZHU_AMR))
        return found if found and len(found[0]["complaint_ids"]) == size else None

    clues = await eventually(lambda: cluster_clue(10), what="the cluster's clue with all ten complaints")
    assert len(clues) == 1 and clues[0]["source"] == "cluster" and set(clues[0]["complaint_ids"]) == set(ids)
    assert clues[0]["agency"] == "440105-amr" and clues[0]["category"] == "food_safety"


async def test_assist_extension_and_their_limits(system):
    async with system.client("cases") as client:
        case = await new_case(client)
        clue = await new_clue(client)
        assist = await ok(await client.post(f"/v1/cases/{case['id']}/assists", json={
            "to_agency": "440100-cac", "request": "调取网店近三月交易记录"}, headers=HAIZHU_AMR), 201)
        cac_inbox = await ok(await client.get("/v1/inbox", headers=officer("440100-cac")))
        wrong = await client.post(f"/v1/assists/{assist['id']}/response", json={"findings": "x"}, headers=HAIZHU_AMR)
        answered = await ok(await client.post(f"/v1/assists/{assist['id']}/response",
                                              json={"findings": "交易记录 1,204 笔，已附"}, headers=officer("440100-cac")))
        twice = await client.post(f"/v1/assists/{assist['id']}/response", json={"findings": "y"},
                                  headers=officer("440100-cac"))
        extended = await ok(await client.post(f"/v1/cases/{case['id']}/extension", json={"reason": "案情复杂"},
                                              headers=HAIZHU_AMR))
        extended_again = await client.post(f"/v1/cases/{case['id']}/extension", json={"reason": "再延"},
                                           headers=HAIZHU_AMR)
        clue_extended = await ok(await client.post(f"/v1/clues/{clue['id']}/extension", json={"reason": "待检测"},
                                                   headers=HAIZHU_AMR))
        clue_again = await client.post(f"/v1/clues/{clue['id']}/extension", json={"reason": "再延"},
                                       headers=HAIZHU_AMR)
    assert any(i["id"] == assist["id"] and i["action"] == "respond" for i in cac_inbox)
    assert wrong.status_code == 403 and answered["status"] == "responded" and twice.status_code == 409
    assert extended["due_at"] > case["due_at"] and extended_again.status_code == 409
    assert clue_extended["due_at"] > clue["due_at"] and clue_again.status_code == 409


async def test_the_complaint_projection_takes_routing_and_receipt_in_either_order(system):
    """Receipt and routing come in that order on one partition, but a replay may swap them: each keeps what it
    knows (receipt the kind, subject and time; routing the category and lead agency)."""
    from services.cases.tables import ComplaintRef
    from shared.events.payloads.common import SubjectRef
    from shared.events.payloads.complaints import ComplaintReceived, ComplaintRouted
    complaint_id, uscc = unique("c"), random_uscc()
    received_at = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    runtime = system["cases"].runtime

    async def ref():
        async with runtime.sessionmaker() as session:
            return await session.get(ComplaintRef, complaint_id)

    await publish(system.broker.bootstrap, "complaint.routed", subject=complaint_id, payload=ComplaintRouted(
        complaint_id=complaint_id, category="counterfeit", region="440105", lead_agency="440105-amr",
        co_agencies=["440100-psb"], due_at=received_at + timedelta(days=9), reason="reclassified"))
    await eventually(ref, what="the routed complaint projected")
    await publish(system.broker.bootstrap, "complaint.received", subject=complaint_id, payload=ComplaintReceived(
        complaint_id=complaint_id, kind="report", channel="web", category="false_advertising",
        subject=SubjectRef(uscc=uscc, region="440105"), received_at=received_at, anonymous=True))

    async def received():
        row = await ref()
        return row if row.subject_uscc else None

    row = await eventually(received, what="the receipt projected")
    assert (row.kind, row.subject_uscc, row.received_at) == ("report", uscc, received_at)
    assert (row.category, row.lead_agency) == ("counterfeit", "440105-amr")  # routing's, not receipt's
