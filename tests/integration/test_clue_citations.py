"""A clue cites only complaints its agency may act on, and complaints applies a clue's or case's outcome only to
the complaints it handed over as that clue's source (issue 28, finding 1): the attack of one agency on another's
complaint, through real HTTP and the real broker, changes nothing and tells nobody."""
from datetime import datetime, timedelta, timezone

from services.cases.tables import ComplaintRef
from shared.events.payloads.cases import CaseClosed, CaseFiled, ClueVerified
from tests.support import (INTAKE, auth, complaint_body, eventually, officer, outbox_types, publish, random_uscc,
                           samples_of, total, unique)

HAIZHU, XIHU = officer("440105-amr"), officer("330106-amr")
PLATFORM = auth(roles=["platform"], platform="taobao")


async def haizhu_complaint(system) -> dict:
    """A Haizhu complaint, once cases knows it from complaints' events."""
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=complaint_body(), headers=auth(**INTAKE))
    assert response.status_code == 201, response.text
    complaint = response.json()

    async def known():
        async with system["cases"].runtime.sessionmaker() as session:
            ref = await session.get(ComplaintRef, complaint["id"])
            return ref is not None and ref.lead_agency is not None
    await eventually(known, what="cases learning of the complaint")
    return complaint


async def refused(system, **labels: str) -> float:
    """Events complaints has refused to apply so far."""
    async with system.client("complaints") as client:
        samples = samples_of((await client.get("/metrics")).text)
    return total(samples, "jointsup_events_refused_total", **labels) or 0


def clue(complaint_ids: list[str], **overrides) -> dict:
    return {"source": "agency", "source_ref": unique("own"), "category": "food_safety",
            "subject": {"uscc": random_uscc(), "region": "440105"}, "summary": "线索", "complaint_ids": complaint_ids,
            **overrides}


async def test_an_agency_cites_only_complaints_it_may_act_on(system):
    complaint = await haizhu_complaint(system)
    cid = complaint["id"]
    async with system.client("cases") as cases:
        foreign = await cases.post("/v1/clues", json=clue([cid], agency="330106-amr"), headers=XIHU)
        unknown = await cases.post("/v1/clues", json=clue([unique("nope")]), headers=HAIZHU)
        as_platform = await cases.post("/v1/clues", json=clue([cid], source="platform_report"), headers=PLATFORM)
        own = await cases.post("/v1/clues", json=clue([cid], agency="440105-amr"), headers=HAIZHU)
        lead_office = await cases.post("/v1/clues", json=clue([cid], agency="440105-amr"),
                                       headers=officer("440100-amr", "lead"))
        other_lead = await cases.post("/v1/clues", json=clue([cid], agency="330106-amr"),
                                      headers=officer("330100-amr", "lead"))
        listed = (await cases.get("/v1/clues", params={"complaint": cid}, headers=HAIZHU)).json()
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "complaint_ids.0"
    assert cid in foreign.json()["detail"] and unknown.status_code == 422
    assert as_platform.status_code == 403 and other_lead.status_code == 422
    assert own.status_code == lead_office.status_code == 201
    assert {c["id"] for c in listed} == {own.json()["id"], lead_office.json()["id"]}


async def test_an_escalation_lets_the_agency_it_went_to_cite_the_complaint(system):
    complaint = await haizhu_complaint(system)
    cid = complaint["id"]
    async with system.client("complaints") as client:
        await client.post(f"/v1/complaints/{cid}/acceptance", json={"decision": "accept"}, headers=HAIZHU)
        assert (await client.post(f"/v1/complaints/{cid}/escalate", json={"reason": "涉嫌违法"},
                                  headers=HAIZHU)).status_code == 200

    async def escalated():
        async with system["cases"].runtime.sessionmaker() as session:
            return (await session.get(ComplaintRef, cid)).escalated_to
    assert await eventually(escalated, what="the escalation projected") == ["440105-amr"]


async def test_platforms_report_clues_and_the_registry_chooses_the_agency(system):
    body = clue([], source="platform_report", category="counterfeit")
    async with system.client("cases") as cases:
        to_police = await cases.post("/v1/clues", json={**body, "agency": "440100-psb"}, headers=PLATFORM)
        as_monitoring = await cases.post("/v1/clues", json={**body, "source": "monitoring"}, headers=PLATFORM)
        routed = await cases.post("/v1/clues", json=body, headers=PLATFORM)
        officer_as_platform = await cases.post("/v1/clues", json={**body, "source_ref": unique("p")},
                                               headers=HAIZHU)
        assigns_other = await cases.post("/v1/clues", json=clue([], agency="440106-amr"), headers=HAIZHU)
    assert to_police.status_code == as_monitoring.status_code == 403
    assert to_police.headers["content-type"] == "application/problem+json"
    assert routed.status_code == 201 and routed.json()["agency"] == "440105-amr"  # counterfeit: amr leads
    assert officer_as_platform.status_code == 403 and assigns_other.status_code == 403


async def test_outcomes_of_a_clue_the_complaint_was_not_handed_over_in_change_nothing(system):
    """As cases would publish them, had it let a foreign agency's clue cite the complaint."""
    complaint = await haizhu_complaint(system)
    cid, bootstrap = complaint["id"], system.broker.bootstrap
    async with system.client("complaints") as client:
        await client.post(f"/v1/complaints/{cid}/acceptance", json={"decision": "accept"}, headers=HAIZHU)
        await client.post(f"/v1/complaints/{cid}/escalate", json={"reason": "涉嫌违法"}, headers=HAIZHU)
        before = (await client.get(f"/v1/complaints/{cid}", headers=HAIZHU)).json()
        steps_before = (await client.get(f"/v1/complaints/{cid}/timeline", headers=HAIZHU)).json()["steps"]
    foreign, subject = unique("clue"), {"uscc": complaint["subject"]["uscc"], "region": "440105"}
    due, refused_before = datetime.now(timezone.utc) + timedelta(days=90), await refused(system)
    forged = [
        ("clue.verified", foreign, ClueVerified(clue_id=foreign, decision="dismiss", reason="不予立案",
                                                complaint_ids=[cid], source="agency", source_ref=unique("x"))),
        ("case.filed", "case-x", CaseFiled(case_id="case-x", clue_id=foreign, agency="330106-amr", subject=subject,
                                           category="food_safety", complaint_ids=[cid], due_at=due,
                                           clue_source="monitoring", clue_source_ref=unique("m"))),
        ("clue.verified", foreign, ClueVerified(clue_id=foreign, decision="file", case_id="case-y",
                                                joined_existing_case=True, complaint_ids=[cid],
                                                source="cluster", source_ref=unique("cluster"))),
        ("case.closed", "case-x", CaseClosed(case_id="case-x", agency="330106-amr", complaint_ids=[cid],
                                             outcome="penalty")),
    ]
    for event_type, key, payload in forged:
        await publish(bootstrap, event_type, subject=key, payload=payload)

    async def all_refused():
        return await refused(system) - refused_before >= len(forged)
    await eventually(all_refused, what="the forged outcomes refused")
    async with system.client("complaints") as client:
        after = (await client.get(f"/v1/complaints/{cid}", headers=HAIZHU)).json()
        steps_after = (await client.get(f"/v1/complaints/{cid}/timeline", headers=HAIZHU)).json()["steps"]
    assert (after["status"], after["case_id"], after["outcome"]) == ("escalated", None, None) == \
        (before["status"], before["case_id"], before["outcome"])
    assert steps_after == steps_before
    assert "complaint.closed" not in await outbox_types(system["complaints"].runtime, cid)  # nobody is told


async def test_a_foreign_agencys_dismissal_through_http_leaves_the_complaint_open(system):
    """The attack end to end: the foreign officer's clue is refused, and a clue the lead agency registers itself
    (not the one the complaint was escalated into) does not close it either."""
    complaint = await haizhu_complaint(system)
    cid, refused_before = complaint["id"], await refused(system, type="jointsup.clue.verified")
    async with system.client("cases") as cases:
        attack = await cases.post("/v1/clues", json=clue([cid], agency="330106-amr"), headers=XIHU)
        own = (await cases.post("/v1/clues", json=clue([cid], agency="440105-amr"), headers=HAIZHU)).json()
        dismissed = await cases.post(f"/v1/clues/{own['id']}/verification",
                                     json={"decision": "dismiss", "reason": "不予立案"}, headers=HAIZHU)
    assert attack.status_code == 422 and dismissed.status_code == 200

    async def dismissal_refused():
        return await refused(system, type="jointsup.clue.verified") > refused_before
    await eventually(dismissal_refused, what="the dismissal refused")
    async with system.client("complaints") as client:
        after = (await client.get(f"/v1/complaints/{cid}", headers=HAIZHU)).json()
    assert after["status"] == complaint["status"] and after["outcome"] is None
    assert "complaint.closed" not in await outbox_types(system["complaints"].runtime, cid)


async def test_a_clusters_clue_closes_the_loop_on_its_complaints_even_those_added_after_filing(system):
    uscc = random_uscc()
    body = lambda: complaint_body(subject={"uscc": uscc, "name": "海珠某店", "region": "440105"})  # noqa: E731
    async with system.client("complaints") as client:
        first = [(await client.post("/v1/complaints", json=body(), headers=auth(**INTAKE))).json() for _ in range(5)]
    async with system.client("cases") as cases:
        async def cluster_clue():
            found = (await cases.get("/v1/clues", params={"subject": uscc}, headers=HAIZHU)).json()
            return found[0] if found and found[0]["source"] == "cluster" else None
        found = await eventually(cluster_clue, what="the cluster's clue")
        filed = (await cases.post(f"/v1/clues/{found['id']}/verification", json={"decision": "file"},
                                  headers=HAIZHU)).json()
    async with system.client("complaints") as client:
        async def on_the_case(complaint_id):
            got = (await client.get(f"/v1/complaints/{complaint_id}", headers=HAIZHU)).json()
            return got["case_id"] == filed["case_id"]
        for complaint in first:
            await eventually(lambda: on_the_case(complaint["id"]), what="case.filed on each clustered complaint")
        later = [(await client.post("/v1/complaints", json=body(), headers=auth(**INTAKE))).json() for _ in range(5)]
    async with system.client("cases") as cases:
        async def grown():
            case = (await cases.get(f"/v1/cases/{filed['case_id']}", headers=HAIZHU)).json()
            return len(case["complaint_ids"]) == 10
        await eventually(grown, what="the grown cluster added to the case")
        decided = await cases.post(f"/v1/cases/{filed['case_id']}/decision", json={
            "outcome": "no_penalty", "ground": "minor_corrected", "legal_basis": "《行政处罚法》第三十三条"},
            headers=HAIZHU)
        closed = await cases.post(f"/v1/cases/{filed['case_id']}/close", headers=HAIZHU)
    assert decided.status_code == closed.status_code == 200, (decided.text, closed.text)
    async with system.client("complaints") as client:
        async def told_of_the_closing(complaint_id):
            steps = (await client.get(f"/v1/complaints/{complaint_id}/timeline", headers=HAIZHU)).json()["steps"]
            return any(s["action"] == "case_closed" and s["detail"]["case_id"] == filed["case_id"] for s in steps)
        for complaint in first + later:
            await eventually(lambda: told_of_the_closing(complaint["id"]), what="case.closed on each complaint")
