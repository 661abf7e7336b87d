"""What callers have stored is bounded (issue 28 C): free-form objects and lists refused with 422 on their field
before anything is written; and a draw's conflicts of interest are kept out of its public view. The bodies stay
small (tens of kilobytes) so that it is these bounds that refuse them, not a limit on the size of a request."""
from sqlalchemy import func
from sqlmodel import select

from services.credit.tables import InspectionDraw
from tests.integration.test_credit_story import decided, ok, profile_when
from tests.support import INTAKE, auth, officer, publish, random_uscc, unique

TIANHE_AMR = officer("440106-amr")


def assert_422_on(response, field: str) -> None:
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field], response.text


async def test_a_subscription_filter_with_a_thousand_keys_is_422_and_not_stored(system):
    headers = officer("440100-bounds")
    filters = {f"field_{i}": f"value_{i}" for i in range(1000)}
    async with system.client("notify") as client:
        answers = [await client.post("/v1/subscriptions", json={"url": "http://127.0.0.1:9/hook",
                                                                 "event_types": ["case.referred"], **extra},
                                     headers=headers)
                   for extra in ({"filters": filters}, {"filters": {"agency": ["440100-bounds"] * 51}},
                                 {"filters": {"agency": "x" * 201}}, {"event_types": ["case.referred" * 50]})]
        listed = (await client.get("/v1/subscriptions", headers=headers)).json()
    for answer, field in zip(answers, ("filters", "filters", "filters", "event_types")):
        assert_422_on(answer, field)
    assert "more than 20 keys" in answers[0].json()["detail"] and listed == []


async def _draws_stored(system) -> int:
    async with system["credit"].runtime.sessionmaker() as session:
        return (await session.exec(select(func.count()).select_from(InspectionDraw))).one()


async def test_oversized_draw_inputs_are_422_and_not_stored(system):
    body = {"seed": unique("seed"), "region": "440106", "inspectors": ["insp-1", "insp-2"],
            "inspectors_per_subject": 1}
    before = await _draws_stored(system)
    async with system.client("credit") as client:
        answers = {field: await client.post("/v1/inspection-draws", json={**body, field: value}, headers=TIANHE_AMR)
                   for field, value in (
                       ("conflicts", {random_uscc("440106"): ["insp-1"] for _ in range(2001)}),
                       ("conflicts", {random_uscc("440106"): ["i" * 65]}),
                       ("inspectors", ["insp-1", "i" * 5000]),
                       ("inspectors", [f"insp-{i}" for i in range(2001)]))}
    for field, answer in answers.items():
        assert_422_on(answer, field)
    assert await _draws_stored(system) == before


async def test_lists_in_case_bodies_are_bounded_item_by_item(system):
    subject = {"uscc": random_uscc(), "name": "海珠某店"}
    async with system.client("cases") as client:
        answer = await client.post("/v1/clues", json={
            "source": "agency", "source_ref": unique("src"), "subject": subject, "category": "food_safety",
            "summary": "抽检不合格", "complaint_ids": ["c" * 10_000]}, headers=officer("440105-amr"))
    assert_422_on(answer, "complaint_ids")


async def test_a_public_draw_leaves_out_the_conflicts_which_the_region_s_agencies_still_read(system):
    async with system.client("credit") as client:
        usccs = [random_uscc("440106") for _ in range(2)]
        for uscc in usccs:
            await publish(system.broker.bootstrap, "case.decided", subject="case",
                          payload=decided(uscc, severity="general", intent=False, region="440106"))
            await profile_when(client, uscc, lambda p: p["records"])
        conflicts = {usccs[0]: ["insp-1"]}
        body = {"seed": unique("seed"), "region": "440106", "shares": {"A": 1.0, "B": 1.0, "C": 1.0, "D": 1.0},
                "inspectors": ["insp-1", "insp-2", "insp-3"], "inspectors_per_subject": 1, "conflicts": conflicts}
        made = await ok(await client.post("/v1/inspection-draws", json=body, headers=TIANHE_AMR), 201)
        public = await client.get(f"/v1/public/inspection-draws/{made['id']}")
        full = await client.get(f"/v1/inspection-draws/{made['id']}", headers=TIANHE_AMR)
        lead = await client.get(f"/v1/inspection-draws/{made['id']}", headers=officer("440100-amr", "officer", "lead"))
        elsewhere = await client.get(f"/v1/inspection-draws/{made['id']}", headers=officer("440105-amr"))
        intake = await client.get(f"/v1/inspection-draws/{made['id']}", headers=auth(**INTAKE))
    shown = public.json()
    assert public.status_code == 200 and "conflicts" not in shown["inputs"] and "insp-1" not in str(
        [d for d in shown["drawn"] if d["uscc"] == usccs[0]])
    assert (shown["seed"], shown["drawn"], shown["method"]) == (made["seed"], made["drawn"], made["method"])
    assert {k: shown["inputs"][k] for k in ("region", "shares", "inspectors", "per_subject")} == {
        "region": "440106", "shares": body["shares"], "inspectors": body["inspectors"], "per_subject": 1}
    assert full.status_code == lead.status_code == 200 and full.json()["inputs"]["conflicts"] == conflicts
    assert (elsewhere.status_code, intake.status_code) == (403, 403)
