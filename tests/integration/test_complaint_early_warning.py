"""打早打小 clusters, 恶意投诉举报 holds, and overdue sweeps racing each other, on the real database and broker."""
import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from services.complaints.sweeper import sweep_overdue
from tests.support import (INTAKE, auth, complainant, complaint_body, officer, outbox_types, random_uscc,
                           unique)


async def post(client, body: dict) -> dict:
    response = await client.post("/v1/complaints", json=body, headers=auth(**INTAKE))
    assert response.status_code == 201, response.text
    return response.json()


async def alerts_for(runtime, uscc: str) -> list[dict]:
    from shared.events import decode
    outbox = runtime.tables.outbox
    async with runtime.sessionmaker() as session:
        rows = (await session.exec(select(outbox.c.value).where(
            outbox.c.event_type == "jointsup.complaint.cluster_alert").order_by(outbox.c.seq))).all()
    alerts = [decode(value).data for (value,) in rows]
    return [a for a in alerts if a["subject"]["uscc"] == uscc]


async def test_cluster_alert_at_five_and_again_at_ten_not_between(system):
    runtime, uscc = system["complaints"].runtime, random_uscc()
    subject = {"uscc": uscc, "name": "某连锁餐饮", "region": "440105"}
    ids = []
    async with system.client("complaints") as client:
        for n in range(1, 11):
            ids.append((await post(client, complaint_body(subject=subject, category="food_safety")))["id"])
            if n == 4:
                assert await alerts_for(runtime, uscc) == []
            if n == 9:
                assert len(await alerts_for(runtime, uscc)) == 1
        other_category = await post(client, complaint_body(subject=subject, category="false_advertising"))
    alerts = await alerts_for(runtime, uscc)
    assert [a["count"] for a in alerts] == [5, 10]
    assert alerts[0]["complaint_ids"] == ids[:5] and alerts[1]["complaint_ids"] == ids
    assert alerts[0]["cluster_id"] == alerts[1]["cluster_id"] and alerts[0]["lead_agency"] == "440105-amr"
    assert "complaint.cluster_alert" not in await outbox_types(runtime, other_category["id"])


async def test_a_complainant_over_the_threshold_is_held_and_flagged_once(system):
    runtime = system["complaints"].runtime
    person, subject = complainant(), {"uscc": random_uscc(), "region": "440105"}  # one subject: only the count
    async with system.client("complaints") as client:
        first_twenty = [await post(client, complaint_body(complainant=person, subject=subject, category=category))
                        for category in ["consumer_dispute", "false_advertising", "price_violation", "food_safety"] * 5]
        twenty_first = await post(client, complaint_body(complainant=person, subject=subject))
        twenty_second = await post(client, complaint_body(complainant=person, subject=subject))
        flags = (await client.get("/v1/complainant-flags", headers=officer("440105-amr"))).json()
        released = await client.post(f"/v1/complaints/{twenty_first['id']}/release", json={"note": "核实为真实诉求"},
                                     headers=officer("440105-amr"))
    assert {c["status"] for c in first_twenty} == {"received"}
    assert (twenty_first["status"], twenty_second["status"]) == ("held", "held")
    assert "release" in twenty_first["allowed_actions"]
    assert released.status_code == 200 and released.json()["status"] == "received"
    flagged = [t for c in (twenty_first, twenty_second) for t in await outbox_types(runtime, c["id"])
               if t == "complainant.flagged"]
    assert flagged == ["complainant.flagged"]
    mine = [f for f in flags if f["complaints_in_window"] == 21 and f["source"] == "auto"]
    assert len(mine) == 1 and mine[0]["reasons"] == ["more than 20 complaints in 30 days"]
    event = await _flag_event(runtime, twenty_first["id"])
    assert person["phone"] not in event and person["id_number"] not in event and person["name"] not in event

    async with system.client("complaints") as client:
        cleared = await client.post(f"/v1/complainant-flags/{mine[0]['id']}/clear", json={"reason": "复核后解除"},
                                    headers=officer("440105-amr"))
        after = await post(client, complaint_body(complainant=person, subject=subject))
    assert cleared.json()["active"] is False and after["status"] == "received"


async def test_complaints_against_more_than_ten_subjects_are_held(system):
    person = complainant()
    async with system.client("complaints") as client:
        statuses = [(await post(client, complaint_body(complainant=person)))["status"] for _ in range(11)]
    assert statuses == ["received"] * 10 + ["held"]


async def test_an_officer_flag_holds_the_next_complaint_and_the_platform_waits(system):
    person = complainant()
    shop = {"region": "440105", "platform": "douyin", "shop_id": unique("dy")}
    async with system.client("complaints") as client:
        first = await post(client, complaint_body(complainant=person))
        flag = await client.post(f"/v1/complaints/{first['id']}/complainant-flag", json={"reason": "批量索赔"},
                                 headers=officer("440105-amr"))
        again = await client.post(f"/v1/complaints/{first['id']}/complainant-flag", json={"reason": "再次"},
                                  headers=officer("440105-amr"))
        stranger = await client.post(f"/v1/complaints/{first['id']}/complainant-flag", json={"reason": "x"},
                                     headers=auth(**INTAKE))
        held = await post(client, complaint_body(complainant=person, subject=shop))
    assert flag.status_code == 201 and flag.json()["source"] == "officer"
    assert (again.status_code, stranger.status_code) == (409, 403)
    assert held["status"] == "held" and held["forwarded_platform"] is None  # not fast-forwarded


async def test_a_flag_is_listed_where_it_was_raised_and_cleared_only_there(system):
    """The agency that handled the complaint, the lead office over its region and administrators review a flag;
    another district, or another city's lead office, neither lists it nor clears it."""
    async with system.client("complaints") as client:
        complaint = await post(client, complaint_body())
        flag = (await client.post(f"/v1/complaints/{complaint['id']}/complainant-flag", json={"reason": "批量索赔"},
                                  headers=officer("440105-amr"))).json()

        async def listed(headers) -> bool:
            response = await client.get("/v1/complainant-flags", headers=headers)
            assert response.status_code == 200, response.text
            return flag["id"] in {f["id"] for f in response.json()}

        reviewers = [officer("440105-amr"), officer("440100-amr", "officer", "lead"),
                     auth(agency="440000-amr", roles=["admin"])]
        outsiders = [officer("440106-amr"), officer("330100-amr", "officer", "lead")]
        assert [await listed(h) for h in reviewers] == [True, True, True]
        assert [await listed(h) for h in outsiders] == [False, False]
        refused = [(await client.post(f"/v1/complainant-flags/{flag['id']}/clear", json={"reason": "x"},
                                      headers=h)).status_code for h in outsiders]
        cleared = await client.post(f"/v1/complainant-flags/{flag['id']}/clear", json={"reason": "复核后解除"},
                                    headers=reviewers[1])
    assert (flag["complaint_id"], flag["agency"], flag["region"]) == (complaint["id"], "440105-amr", "440105")
    assert refused == [404, 404]
    assert cleared.status_code == 200 and cleared.json()["active"] is False


async def test_concurrent_sweeps_report_each_overdue_step_once(system):
    runtime = system["complaints"].runtime
    async with system.client("complaints") as client:
        created = [await post(client, complaint_body()) for _ in range(5)]
    later = datetime.now(timezone.utc) + timedelta(days=60)
    await asyncio.gather(*(sweep_overdue(runtime, now=later, batch=2) for _ in range(3)))
    for complaint in created:
        assert (await outbox_types(runtime, complaint["id"])).count("complaint.overdue") == 1


async def _flag_event(runtime, complaint_id: str) -> str:
    outbox = runtime.tables.outbox
    async with runtime.sessionmaker() as session:
        (value,) = (await session.exec(select(outbox.c.value).where(
            outbox.c.key == complaint_id, outbox.c.event_type == "jointsup.complainant.flagged"))).one()
    return value.decode()
