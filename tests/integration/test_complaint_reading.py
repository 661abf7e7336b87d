"""Reading complaints: scoped, filtered, paginated lists; the timeline; public statistics without personal data."""
from sqlalchemy import func, or_, select

from services.complaints.tables import Complaint, ComplaintAgency
from tests.support import INTAKE, auth, complaint_body, officer, random_uscc, unique

HAIZHU_AMR = officer("440105-amr")


async def post(client, **overrides) -> dict:
    response = await client.post("/v1/complaints", json=complaint_body(**overrides), headers=auth(**INTAKE))
    assert response.status_code == 201, response.text
    return response.json()


async def listing(client, headers, **params) -> dict:
    response = await client.get("/v1/complaints", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_list_is_scoped_filtered_and_paginated(system):
    uscc = random_uscc()
    subject = {"uscc": uscc, "region": "440105"}
    async with system.client("complaints") as client:
        food = [await post(client, subject=subject, category="food_safety") for _ in range(3)]
        fakes = await post(client, subject=subject, category="counterfeit")  # 440100-psb co-handles
        await client.post(f"/v1/complaints/{food[0]['id']}/acceptance", json={"decision": "accept"},
                          headers=HAIZHU_AMR)
        lead = await listing(client, HAIZHU_AMR, subject=uscc)
        page = await listing(client, HAIZHU_AMR, subject=uscc, size=2, page=2)
        mediating = await listing(client, HAIZHU_AMR, subject=uscc, status="mediating")
        by_category = await listing(client, HAIZHU_AMR, subject=uscc, category="counterfeit")
        co_agency = await listing(client, officer("440100-psb"), subject=uscc)
        psb_agency_filter = await listing(client, HAIZHU_AMR, subject=uscc, agency="440100-psb")
        lead_office = await listing(client, officer("440100-amr", "lead"), subject=uscc)
        other_city = await listing(client, officer("330100-amr", "officer", "lead"), subject=uscc)
        future = await listing(client, HAIZHU_AMR, subject=uscc, received_from="2099-01-01T00:00:00Z")
        bad = await client.get("/v1/complaints", params={"status": "lost", "size": 9999}, headers=HAIZHU_AMR)
    assert lead["total"] == 4 and [c["id"] for c in lead["items"]] == [fakes["id"], *(c["id"] for c in food[::-1])]
    assert lead["items"][0]["complainant"]["phone"].count("*") == 0  # the handling agency sees it in full
    assert (page["total"], len(page["items"]), page["page"]) == (4, 2, 2)
    assert [c["id"] for c in mediating["items"]] == [food[0]["id"]]
    assert [c["id"] for c in by_category["items"]] == [fakes["id"]]
    assert [c["id"] for c in co_agency["items"]] == [fakes["id"]]
    assert [c["id"] for c in psb_agency_filter["items"]] == [fakes["id"]]
    assert lead_office["total"] == 4 and lead_office["items"][0]["complainant"]["phone"].count("*") == 4
    assert other_city["total"] == 0 and future["total"] == 0
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"status", "size"}


async def test_timeline_shows_who_when_what_was_due_and_the_events(system):
    async with system.client("complaints") as client:
        created = await post(client)
        await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                          headers=HAIZHU_AMR)
        timeline = (await client.get(f"/v1/complaints/{created['id']}/timeline", headers=HAIZHU_AMR)).json()
        stranger = await client.get(f"/v1/complaints/{created['id']}/timeline", headers=officer("330100-amr"))
    steps = timeline["steps"]
    assert [s["action"] for s in steps] == ["received", "routed", "accepted"]
    assert steps[0]["actor"] == "test:440100-12345" and steps[2]["actor"] == "test:440105-amr"
    assert [e["type"] for e in steps[0]["events"]] == ["jointsup.complaint.received"]
    assert [e["type"] for e in steps[2]["events"]] == ["jointsup.complaint.accepted"]
    assert steps[1]["due_at"] == created["due_at"] and steps[2]["due_at"] > created["due_at"]
    assert timeline["status"] == "mediating" and timeline["allowed_actions"] == ["mediation", "escalate", "close"]
    assert stranger.status_code == 404


async def test_public_stats_count_resolve_and_time_without_personal_data(system):
    uscc, shop = random_uscc(), unique("shop")
    subject = {"uscc": uscc, "name": "统计样本店", "region": "440105", "platform": "vipshop", "shop_id": shop}
    async with system.client("complaints") as client:
        before = (await client.get("/v1/public/stats", params={"platform": "vipshop"})).json()
        forwarded = [await post(client, subject=subject, category="false_advertising") for _ in range(3)]
        vip = auth(roles=["platform"], platform="vipshop")
        for complaint, outcome in zip(forwarded[:2], ["resolved", "unresolved"]):
            await client.post(f"/v1/complaints/{complaint['id']}/platform-response", json={"outcome": outcome},
                              headers=vip)
        report = await post(client, subject={"uscc": uscc, "region": "440105"}, kind="report", complainant=None,
                            category="false_advertising")
        await client.post(f"/v1/complaints/{report['id']}/acceptance",
                          json={"decision": "reject", "grounds": "not_this_office"}, headers=HAIZHU_AMR)
        by_subject = await client.get("/v1/public/stats", params={"subject": uscc})
        by_platform = (await client.get("/v1/public/stats", params={"platform": "vipshop"})).json()
        overall = (await client.get("/v1/public/stats")).json()
    assert by_subject.status_code == 200
    stats = by_subject.json()
    assert stats["total"] == 4
    assert stats["by_category"] == {"false_advertising": {"closed": 1, "received": 1, "forwarded": 1, "rejected": 1}}
    assert (stats["closed"], stats["resolved"], stats["resolution_rate"]) == (1, 1, 1.0)
    assert stats["median_hours_to_close"] == 0
    assert by_platform["total"] == before.get("total", 0) + 3
    assert overall["platforms"]["vipshop"] == by_platform["total"]
    assert set(stats) == {"scope", "total", "by_status", "by_category", "closed", "resolved", "resolution_rate",
                          "median_hours_to_close"}
    assert "张" not in by_subject.text and "example.com" not in by_subject.text


async def test_counters_kept_in_each_transaction_match_a_rebuild_from_the_complaints(system):
    from services.complaints.stats import public_stats, rebuild_counters

    runtime = system["complaints"].runtime
    async with system.client("complaints") as client:  # a few more transitions of every kind first
        created = await post(client)
        await client.post(f"/v1/complaints/{created['id']}/acceptance", json={"decision": "accept"},
                          headers=HAIZHU_AMR)
        await client.post(f"/v1/complaints/{created['id']}/mediation", json={"outcome": "success"},
                          headers=HAIZHU_AMR)
    scopes = [{"platform": None, "subject": None}, {"platform": "vipshop", "subject": None},
              {"platform": None, "subject": created["subject"]["uscc"]}]
    async with runtime.sessionmaker() as session:
        incremental = [await public_stats(session, **scope) for scope in scopes]
    async with runtime.sessionmaker() as session, session.begin():
        await rebuild_counters(session)
    async with runtime.sessionmaker() as session:
        rebuilt = [await public_stats(session, **scope) for scope in scopes]
    assert rebuilt == incremental
    assert incremental[0]["closed"] >= 1 and incremental[2]["by_status"] == {"closed": 1}


async def test_agency_rows_follow_their_complaint_so_counts_match_the_pages(system):
    """Each agency row carries its complaint's status, category and received_at, through acceptance and
    reclassification; the list's total, counted from those rows, is what the pages hold."""
    uscc = random_uscc()
    subject = {"uscc": uscc, "region": "440105"}
    async with system.client("complaints") as client:
        created = [await post(client, subject=subject, category="food_safety") for _ in range(5)]
        for complaint in created[:2]:
            await client.post(f"/v1/complaints/{complaint['id']}/acceptance", json={"decision": "accept"},
                              headers=HAIZHU_AMR)
        moved = await client.post(f"/v1/complaints/{created[4]['id']}/reclassification", headers=HAIZHU_AMR,
                                  json={"category": "personal_information", "reason": "实为泄露个人信息"})
        pages = {status: [await listing(client, HAIZHU_AMR, subject=uscc, status=status, category="food_safety",
                                        size=1, page=n) for n in (1, 2, 3, 4)] for status in ("received", "mediating")}
        cac = await listing(client, officer("440100-cac"), status="received", category="personal_information",
                            subject=uscc)
    assert moved.status_code == 200, moved.text
    for status, expected in (("received", 2), ("mediating", 2)):
        assert {p["total"] for p in pages[status]} == {expected}
        assert sum(len(p["items"]) for p in pages[status]) == expected
    assert cac["total"] == 1 and cac["items"][0]["id"] == created[4]["id"]
    async with system["complaints"].runtime.sessionmaker() as session:
        drifted = await session.scalar(select(func.count()).select_from(ComplaintAgency).join(Complaint).where(
            Complaint.subject_uscc == uscc,
            or_(ComplaintAgency.status != Complaint.status, ComplaintAgency.category != Complaint.category,
                ComplaintAgency.received_at != Complaint.received_at)))
        rows = await session.scalar(select(func.count()).select_from(ComplaintAgency).join(Complaint).where(
            Complaint.subject_uscc == uscc))
    assert drifted == 0 and rows >= 5
