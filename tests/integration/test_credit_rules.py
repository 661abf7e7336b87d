"""Credit rule by rule on the real database and broker: intent, 3-year removal, revocation, disclosure, draws,
observations, access, redelivery, bad input."""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from services.credit.sweeper import sweep
from services.credit.tables import CreditRecord, Observation
from shared.events.payloads.cases import CaseClosed, CaseFiled
from shared.events.payloads.complaints import ComplaintReceived
from tests.integration.test_credit_story import clock_moved, decided, ok, profile_when
from tests.support import auth, eventually, officer, outbox_types, publish, random_uscc, unique

HAIZHU_AMR = officer("440105-amr")
TIANHE_AMR = officer("440106-amr")


async def listed_subject(system, client) -> tuple[str, dict]:
    """A subject listed after a serious decision (clock moved past the hearing period)."""
    uscc = random_uscc()
    await publish(system.broker.bootstrap, "case.decided", subject="case", payload=decided(uscc))
    profile = await profile_when(client, uscc, lambda p: p["proposals"])
    with clock_moved(system["credit"].runtime, timedelta(days=10)):
        await ok(await client.post(f"/v1/listing-proposals/{profile['proposals'][0]['id']}/decision",
                                   json={"decision": "list", "reason": "依法列入"}, headers=HAIZHU_AMR))
    return uscc, await ok(await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR))


async def test_no_listing_without_subjective_intent(system):
    uscc = random_uscc()
    await publish(system.broker.bootstrap, "case.decided", subject="case", payload=decided(uscc, intent=False))
    async with system.client("credit") as client:
        profile = await profile_when(client, uscc, lambda p: p["records"])
        officer_tries = await client.post(f"/v1/subjects/{uscc}/listing-proposals", json={
            "record_id": profile["records"][0]["id"], "reasons": ["情节严重"]}, headers=HAIZHU_AMR)
    assert profile["proposals"] == []
    assert officer_tries.status_code == 422 and "subjective intent" in officer_tries.json()["detail"]


async def test_listing_ends_by_itself_after_three_years(system):
    runtime = system["credit"].runtime
    async with system.client("credit") as client:
        uscc, profile = await listed_subject(system, client)
        listed_on = date.fromisoformat(profile["listings"][0]["listed_on"])  # after the 10 days' hearing
        assert profile["listings"][0]["remove_by"] == (listed_on + timedelta(days=1095)).isoformat()
        with clock_moved(runtime, timedelta(days=1104)):
            await sweep(runtime)
        still = await ok(await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR))
        with clock_moved(runtime, timedelta(days=1106)):
            await sweep(runtime)
            await sweep(runtime)
        after = await ok(await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR))
    assert still["listings"][0]["status"] == "active"
    assert after["listings"][0]["status"] == "removed" and after["sanctions"] == []
    assert (await outbox_types(runtime, uscc)).count("credit.delisted") == 1


async def test_revoked_penalty_ends_listing_and_publicity_at_once(system):
    async with system.client("credit") as client:
        uscc, profile = await listed_subject(system, client)
        record = next(r for r in profile["records"] if r["kind"] == "penalty")
        before = await ok(await client.get(f"/v1/public/subjects/{uscc}"))
        stranger = await client.post(f"/v1/records/{record['id']}/revocation", json={"reason": "x"},
                                     headers=officer("440106-amr"))
        revoked = await ok(await client.post(f"/v1/records/{record['id']}/revocation",
                                             json={"reason": "行政复议决定撤销"}, headers=HAIZHU_AMR))
        after = await ok(await client.get(f"/v1/public/subjects/{uscc}"))
        profile = await ok(await client.get(f"/v1/subjects/{uscc}", headers=HAIZHU_AMR))
    assert len(before["penalties"]) == 1 and before["serious_dishonesty_list"]["basis"]
    assert stranger.status_code == 403 and revoked["revoked_at"]
    assert after == {"uscc": uscc, "name": "海珠某电商", "penalties": [], "serious_dishonesty_list": None}
    listing = profile["listings"][0]
    assert listing["status"] == "removed" and listing["removal_reason"].startswith("penalty revoked")
    assert listing["removed_at"][:10] == revoked["revoked_at"][:10]  # the same day, well within 3 working days
    assert profile["tier"] == "A"


async def test_public_disclosure_drops_expired_records_and_shows_no_score(system):
    runtime, uscc = system["credit"].runtime, random_uscc()
    await publish(system.broker.bootstrap, "case.decided", subject="case",
                  payload=decided(uscc, severity="general", fine="50000.00"))
    async with system.client("credit") as client:
        await profile_when(client, uscc, lambda p: p["records"])
        now_public = await ok(await client.get(f"/v1/public/subjects/{uscc}"))
        with clock_moved(runtime, timedelta(days=400)):
            expired = await ok(await client.get(f"/v1/public/subjects/{uscc}"))
    (penalty,) = now_public["penalties"]
    assert penalty["public_until"] == (date.today().replace(year=date.today().year + 1)).isoformat()
    assert "score" not in now_public and "tier" not in now_public
    assert expired["penalties"] == []


async def test_draws_are_reproducible_and_public(system):
    async with system.client("credit") as client:
        for severity in ("serious", "general"):
            uscc = random_uscc("440106")
            await publish(system.broker.bootstrap, "case.decided", subject="case",
                          payload=decided(uscc, severity=severity, intent=False, region="440106"))
            await profile_when(client, uscc, lambda p: p["records"])
        body = {"seed": unique("seed"), "region": "440106", "shares": {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
                "inspectors": ["insp-1", "insp-2", "insp-3"], "inspectors_per_subject": 2}
        first = await ok(await client.post("/v1/inspection-draws", json=body, headers=TIANHE_AMR), 201)
        again = await ok(await client.post("/v1/inspection-draws", json=body, headers=TIANHE_AMR), 201)
        public = await ok(await client.get(f"/v1/public/inspection-draws/{first['id']}"))
        too_few = await client.post("/v1/inspection-draws", json={**body, "inspectors": ["insp-1"]},
                                    headers=TIANHE_AMR)
        not_its_region = await client.post("/v1/inspection-draws", json=body, headers=HAIZHU_AMR)
    assert first["drawn"] == again["drawn"] and first["population"] == again["population"] >= 2
    assert {d["tier"] for d in first["drawn"]} >= {"C"}
    assert public["seed"] == body["seed"] and public["drawn"] == first["drawn"] and "sha256" in public["method"]
    assert too_few.status_code == 422
    assert not_its_region.status_code == 403  # Haizhu's officers do not draw Tianhe's subjects


async def test_observation_period_reaches_the_cases_service(system):
    uscc = random_uscc()
    async with system.client("credit") as client:
        observation = await ok(await client.post("/v1/observations", json={
            "uscc": uscc, "starts_on": date.today().isoformat(),
            "ends_on": (date.today() + timedelta(days=180)).isoformat(), "reason": "新业态包容审慎"},
            headers=HAIZHU_AMR), 201)
    assert "credit.observation_started" in await outbox_types(system["credit"].runtime, uscc)

    async def projected():
        from services.cases.tables import ObservationRef
        async with system["cases"].runtime.sessionmaker() as session:
            row = await session.get(ObservationRef, uscc)
            return row if row is not None and row.active else None

    assert await eventually(projected, what="the cases projection of the observation")
    runtime = system["credit"].runtime
    with clock_moved(runtime, timedelta(days=200)):
        await sweep(runtime)
    assert "credit.observation_ended" in await outbox_types(runtime, uscc)
    async with runtime.sessionmaker() as session:
        assert (await session.get(Observation, observation["id"])).ended is True


async def test_redelivered_decision_is_recorded_once(system):
    uscc, event_id = random_uscc(), unique("evt")
    payload = decided(uscc, severity="minor", fine=None)
    payload = payload.model_copy(update={"measures": ["warning"]})
    for _ in range(2):
        await publish(system.broker.bootstrap, "case.decided", subject="case", payload=payload, event_id=event_id)
    async with system.client("credit") as client:
        await profile_when(client, uscc, lambda p: p["records"])
    marker = random_uscc()  # a later event on the same topic: once it is in, both copies were handled
    await publish(system.broker.bootstrap, "case.decided", subject="case", payload=decided(marker, severity="minor"))
    async with system.client("credit") as client:
        await profile_when(client, marker, lambda p: p["records"])
    async with system["credit"].runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(CreditRecord).where(
            CreditRecord.uscc == uscc)) == 1


async def test_access_is_scoped(system):
    uscc = random_uscc()
    await publish(system.broker.bootstrap, "case.decided", subject="case", payload=decided(uscc, severity="minor"))
    async with system.client("credit") as client:
        await profile_when(client, uscc, lambda p: p["records"])
        path = f"/v1/subjects/{uscc}"
        statuses = {name: (await client.get(path, headers=h)).status_code for name, h in {
            "officer": officer("440100-tax"), "service": auth(roles=["service"]), "admin": auth(roles=["admin"]),
            "platform": auth(roles=["platform"], platform="taobao"), "intake": auth(agency="440100-12345",
                                                                                    roles=["intake"])}.items()}
        anonymous = await client.get(path)
        public = await client.get(f"/v1/public/subjects/{uscc}")
        complainants_officer = await client.get("/v1/complainants/abc", headers=officer("440105-amr"))
    assert statuses == {"officer": 200, "service": 200, "admin": 200, "platform": 403, "intake": 403}
    assert anonymous.status_code == 401 and public.status_code == 200 and complainants_officer.status_code == 403


async def test_bad_input_is_4xx_and_nothing_is_stored(system):
    async with system.client("credit") as client:
        bad_uscc = await client.get("/v1/subjects/91350100M000100Y44", headers=HAIZHU_AMR)
        unknown_measure = await client.get(f"/v1/subjects/{random_uscc()}/sanctions/check",
                                           params={"measure": "jail"}, headers=HAIZHU_AMR)
        both_targets = await client.post("/v1/observations", json={
            "uscc": random_uscc(), "business_tag": "live_commerce", "starts_on": "2026-01-01",
            "ends_on": "2026-06-30", "reason": "x"}, headers=HAIZHU_AMR)
        backwards = await client.post("/v1/observations", json={
            "business_tag": "live_commerce", "starts_on": "2026-06-30", "ends_on": "2026-01-01", "reason": "x"},
            headers=HAIZHU_AMR)
        bad_share = await client.post("/v1/inspection-draws", json={"seed": "s", "shares": {"A": 2},
                                                                    "inspectors": ["i"]}, headers=HAIZHU_AMR)
        repair_of_nothing = await client.post(f"/v1/subjects/{random_uscc()}/repairs", json={
            "record_id": "nope", "reason": "x", "obligations_met": True, "commitment": True}, headers=HAIZHU_AMR)
    assert bad_uscc.status_code == 422 and bad_uscc.json()["errors"][0]["field"] == "subject.uscc"
    assert unknown_measure.status_code == 422 and "government_procurement" in unknown_measure.json()["detail"]
    assert (both_targets.status_code, backwards.status_code, bad_share.status_code) == (422, 422, 422)
    assert repair_of_nothing.status_code == 422
    assert repair_of_nothing.headers["content-type"] == "application/problem+json"
    async with system["credit"].runtime.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Observation).where(
            Observation.business_tag == "live_commerce")) == 0


async def test_unexecuted_sanctions_are_overdue_once(system):
    runtime = system["credit"].runtime
    async with system.client("credit") as client:
        uscc, profile = await listed_subject(system, client)
        executed = profile["sanctions"][0]
        await ok(await client.post(f"/v1/sanctions/{executed['id']}/execution",
                                   headers=officer(executed["agency"])))
    with clock_moved(runtime, timedelta(days=40)):
        await sweep(runtime)
        await sweep(runtime)
    overdue = (await outbox_types(runtime, uscc)).count("credit.sanction_overdue")
    assert overdue == len(profile["sanctions"]) - 1  # every sanction but the executed one, once each


async def test_only_complaints_of_the_last_90_days_count_however_many_older_ones_there_are(system):
    runtime, uscc = system["credit"].runtime, random_uscc()
    quarter_ago = datetime.now(runtime.calendar.tz).date() - timedelta(days=90)
    utc = timezone.utc
    received = {  # the score counts a complaint whose UTC date is later than 90 days before today
        "years_ago": datetime.now(utc) - timedelta(days=800),
        "on_the_horizon": datetime.combine(quarter_ago, time(23, 30), tzinfo=utc),
        "just_inside": datetime.combine(quarter_ago + timedelta(days=1), time(0, 30), tzinfo=utc),
        "today": datetime.now(utc),
    }
    ids = {name: unique("complaint") for name in received}
    for name, at in received.items():  # keyed by the subject: one partition, handled in this order
        await publish(system.broker.bootstrap, "complaint.received", subject=uscc, payload=ComplaintReceived(
            complaint_id=ids[name], kind="complaint", channel="web", category="consumer_dispute",
            subject={"uscc": uscc, "region": "440105"}, received_at=at, anonymous=True))
    async with system.client("credit") as client:
        profile = await profile_when(client, uscc, lambda p: ids["today"] in _records(p, "complaints_recent"))
    assert _records(profile, "complaints_recent") == sorted([ids["just_inside"], ids["today"]])


def _records(profile: dict, factor: str) -> list[str]:
    return next(f["records"] for f in profile["explanation"]["factors"] if f["key"] == factor)


async def test_a_case_told_closed_twice_closes_once_and_the_second_is_skipped_and_counted(system):
    runtime, uscc, case_id = system["credit"].runtime, random_uscc(), unique("case")
    refused = ("jointsup.case.closed", "the case closed already")
    before = runtime.refusals.counts[refused]
    await publish(system.broker.bootstrap, "case.filed", subject=uscc, payload=CaseFiled(
        case_id=case_id, agency="440105-amr", subject={"uscc": uscc, "region": "440105"}, category="counterfeit",
        due_at=datetime.now(timezone.utc) + timedelta(days=30)))
    async with system.client("credit") as client:
        await profile_when(client, uscc, lambda p: _records(p, "open_cases") == [case_id])
        for _ in range(2):  # two events, two ids: the second finds the case closed
            await publish(system.broker.bootstrap, "case.closed", subject=uscc, payload=CaseClosed(
                case_id=case_id, agency="440105-amr", outcome="penalty"))
        profile = await profile_when(client, uscc, lambda p: _records(p, "open_cases") == [])

    async def counted():
        return runtime.refusals.counts[refused] == before + 1 or None

    assert await eventually(counted, what="the second closing counted as refused")
    assert profile["tier"] == "A" and "credit.tier_changed" not in await outbox_types(runtime, uscc)
