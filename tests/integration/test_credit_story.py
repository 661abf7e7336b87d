"""Credit through the real broker: a severe decision → record → tier → listing with notice → joint sanctions →
the check says no → execution → repair refused, then accepted a year later → delisted → the check says yes."""
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

from shared.events.payloads.cases import CaseDecided
from tests.support import eventually, officer, outbox_types, publish, random_uscc, unique

HAIZHU_AMR = officer("440105-amr")


@contextmanager
def clock_moved(runtime, delta: timedelta):
    """The credit service lives `delta` in the future for the block."""
    runtime.clock = lambda: datetime.now(timezone.utc) + delta
    try:
        yield
    finally:
        runtime.clock = lambda: datetime.now(timezone.utc)


def decided(uscc: str, *, severity="serious", fine="2000000.00", intent: bool | None = True, on=None,
            region="440105") -> CaseDecided:
    return CaseDecided(case_id=unique("case"), agency="440105-amr",
                       subject={"uscc": uscc, "name": "海珠某电商", "region": region}, category="counterfeit",
                       outcome="penalty", measures=["fine", "confiscation"], severity=severity,
                       fine_amount=fine, legal_basis="《商标法》第六十条", subjective_intent=intent,
                       decided_on=on or date.today())


async def ok(response, status=200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


async def profile_when(client, uscc: str, check) -> dict:
    async def fetch():
        response = await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR)
        return response.json() if response.status_code == 200 and check(response.json()) else None
    return await eventually(fetch, what=f"credit profile of {uscc}")


async def test_severe_decision_to_listing_sanctions_repair_and_delisting(system):
    runtime, uscc = system["credit"].runtime, random_uscc()
    await publish(system.broker.bootstrap, "case.decided", subject="case", payload=decided(uscc))
    async with system.client("credit") as client:
        profile = await profile_when(client, uscc, lambda p: p["proposals"])
        assert (profile["tier"], profile["score"]) == ("C", 70.0)
        assert sum(f["contribution"] for f in profile["explanation"]["factors"]) + 100 == profile["score"]
        (record,) = profile["records"]
        (proposal,) = profile["proposals"]
        assert (proposal["source"], proposal["status"], record["severity"]) == ("auto", "noticed", "serious")
        too_early = await client.post(f"/v1/listing-proposals/{proposal['id']}/decision",
                                      json={"decision": "list", "reason": "陈述申辩不成立"}, headers=HAIZHU_AMR)
        assert too_early.status_code == 409 and "heard until" in too_early.json()["detail"]
        with clock_moved(runtime, timedelta(days=10)):
            listed = await ok(await client.post(f"/v1/listing-proposals/{proposal['id']}/decision",
                                                json={"decision": "list", "reason": "陈述申辩不成立"},
                                                headers=HAIZHU_AMR))
        assert listed["status"] == "listed"
        profile = await ok(await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR))
        by_measure = {s["measure"]: s for s in profile["sanctions"]}
        assert by_measure["government_procurement"]["agency"] == "440100-finance"
        assert by_measure["financing"]["agency"] == "440100-fin"
        assert by_measure["customs_aeo"]["agency"] == "440100-customs"
        assert profile["tier"] == "D" and profile["listings"][0]["status"] == "active"

        check = await ok(await client.get(f"/v1/subjects/{uscc}/sanctions/check",
                                          params={"measure": "government_procurement"}, headers=officer("440100-finance")))
        assert check["allowed"] is False and "政府采购法" in check["basis"]
        wrong_agency = await client.post(f"/v1/sanctions/{by_measure['government_procurement']['id']}/execution",
                                         headers=officer("440100-fin"))
        executed = await ok(await client.post(f"/v1/sanctions/{by_measure['government_procurement']['id']}/execution",
                                              json={"note": "已限制参加 2026 年第 12 批采购"},
                                              headers=officer("440100-finance")))
        assert wrong_agency.status_code == 403 and executed["status"] == "executed"

        repair = await ok(await client.post(f"/v1/subjects/{uscc}/repairs", json={
            "record_id": record["id"], "reason": "已缴清罚没款并整改", "evidence": ["缴款凭证"],
            "obligations_met": True, "commitment": True}, headers=HAIZHU_AMR), 201)
        assert repair["eligible"] is False and repair["eligible_from"] > date.today().isoformat()
        refused = await client.post(f"/v1/repairs/{repair['id']}/decision",
                                    json={"decision": "approve", "reason": "整改到位"}, headers=HAIZHU_AMR)
        assert refused.status_code == 409 and refused.json()["eligible_from"] == repair["eligible_from"]
        with clock_moved(runtime, timedelta(days=370)):
            approved = await ok(await client.post(f"/v1/repairs/{repair['id']}/decision",
                                                  json={"decision": "approve", "reason": "整改到位"},
                                                  headers=HAIZHU_AMR))
        assert approved["status"] == "approved"
        check = await ok(await client.get(f"/v1/subjects/{uscc}/sanctions/check",
                                          params={"measure": "government_procurement"}, headers=HAIZHU_AMR))
        assert check == {"uscc": uscc, "measure": "government_procurement", "allowed": True, "basis": None}
        profile = await ok(await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR))
        public = await ok(await client.get(f"/v1/public/subjects/{uscc}"))
    assert profile["listings"][0]["status"] == "removed" and profile["sanctions"] == []
    assert sorted(r["kind"] for r in profile["records"]) == ["delisting", "listing", "penalty", "repair"]
    assert public["penalties"] == [] and public["serious_dishonesty_list"] is None
    types = await outbox_types(runtime, uscc)
    for expected in ("credit.record_added", "credit.tier_changed", "credit.listing_proposed", "credit.listed",
                     "credit.sanctions_imposed", "credit.sanction_executed", "credit.repair_requested",
                     "credit.repaired", "credit.delisted"):
        assert expected in types, expected
