"""The walking skeleton end to end: complaints → Kafka → notify / cases / credit, on the real broker."""
import asyncio
import random

from sqlalchemy import func, select

from services.cases.tables import ComplaintRef
from services.complaints.tables import Complaint
from services.credit.tables import SubjectComplaint
from tests.support import auth, complainant, complaint_body, eventually

OFFICER = ["officer"]


async def inbox_items(system, agency: str, complaint_id: str) -> list[dict]:
    async with system.client("notify") as client:
        response = await client.get("/v1/inbox", headers=auth(agency=agency, roles=OFFICER))
        assert response.status_code == 200, response.text
        return [i for i in response.json()["items"] if i["aggregate_id"] == complaint_id]


async def test_complaint_reaches_lead_and_co_agency_inboxes(system):
    body = complaint_body(category="personal_information")
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=body, headers=auth(agency="440100-12345", roles=["intake"]))
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["lead_agency"], created["co_agencies"]) == ("440100-cac", ["440100-psb"])
    assert created["status"] == "received"
    assert created["due_at"] > created["received_at"]

    lead_items = await eventually(lambda: inbox_items(system, "440100-cac", created["id"]), what="lead inbox item")
    co_items = await eventually(lambda: inbox_items(system, "440100-psb", created["id"]), what="co-agency inbox item")
    assert len(lead_items) == 1 and len(co_items) == 1
    assert lead_items[0]["event_type"] == "jointsup.complaint.routed"
    assert "13800138000" not in lead_items[0]["body"] and "张三" not in lead_items[0]["body"]
    assert await inbox_items(system, "440105-amr", created["id"]) == []


async def test_food_safety_in_haizhu_goes_to_the_district(system):
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=complaint_body(),
                                     headers=auth(agency="440100-12345", roles=["intake"]))
    assert response.status_code == 201
    assert response.json()["lead_agency"] == "440105-amr"
    assert await eventually(lambda: inbox_items(system, "440105-amr", response.json()["id"]))


async def test_cases_and_credit_record_what_they_saw(system):
    body = complaint_body()
    async with system.client("complaints") as client:
        created = (await client.post("/v1/complaints", json=body,
                                     headers=auth(agency="440100-12345", roles=["intake"]))).json()

    async def seen_by_cases():
        async with system["cases"].runtime.sessionmaker() as session:
            ref = await session.get(ComplaintRef, created["id"])
            return ref if ref is not None and ref.lead_agency else None

    async def seen_by_credit():
        async with system["credit"].runtime.sessionmaker() as session:
            return await session.get(SubjectComplaint, created["id"])

    ref = await eventually(seen_by_cases, what="cases projection")
    assert (ref.subject_uscc, ref.lead_agency, ref.category) == (body["subject"]["uscc"], "440105-amr", "food_safety")
    assert (await eventually(seen_by_credit, what="credit projection")).uscc == body["subject"]["uscc"]


async def test_repeat_of_channel_and_external_ref_is_idempotent(system):
    body = complaint_body()
    headers = auth(agency="440100-12345", roles=["intake"])
    async with system.client("complaints") as client:
        first = await client.post("/v1/complaints", json=body, headers=headers)
        again = await client.post("/v1/complaints", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    runtime = system["complaints"].runtime
    async with runtime.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.external_ref == body["external_ref"]))
        events = await session.scalar(select(func.count()).select_from(runtime.tables.outbox).where(
            runtime.tables.outbox.c.key == first.json()["id"]))
    assert (stored, events) == (1, 2)  # received + routed, once


async def test_the_same_complaint_posted_at_once_is_stored_once(system):
    """Channels retry: five posts of one channel + external_ref at the same moment make one complaint."""
    body = complaint_body()
    headers = auth(agency="440100-12345", roles=["intake"])
    async with system.client("complaints") as client:
        answers = await asyncio.gather(*(client.post("/v1/complaints", json=body, headers=headers)
                                         for _ in range(5)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    runtime = system["complaints"].runtime
    async with runtime.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.external_ref == body["external_ref"]))
    assert stored == 1


async def test_reads_are_scoped_and_personal_data_masked(system):
    async with system.client("complaints") as client:
        person = complainant(phone="13800138000", id_number=f"4401051990{random.randrange(10**8):08d}")
        created = (await client.post("/v1/complaints", json=complaint_body(complainant=person),
                                     headers=auth(agency="440100-12345", roles=["intake"]))).json()
        path = f"/v1/complaints/{created['id']}"
        handler = await client.get(path, headers=auth(agency="440105-amr", roles=OFFICER))
        lead_office = await client.get(path, headers=auth(agency="440100-amr", roles=["officer", "lead"]))
        other_agency = await client.get(path, headers=auth(agency="330100-amr", roles=OFFICER))
        other_lead = await client.get(path, headers=auth(agency="330100-amr", roles=["lead"]))
        no_token = await client.get(path)
        bad_token = await client.get(path, headers={"Authorization": "Bearer not-a-jwt"})
        wrong_secret = await client.get(path, headers={"Authorization": "Bearer " + __import__(
            "tests.support", fromlist=["token"]).token(agency="440105-amr", roles=OFFICER, secret="x" * 40)})
    assert handler.status_code == 200
    assert handler.json()["complainant"]["phone"] == "13800138000"
    assert lead_office.status_code == 200
    assert lead_office.json()["complainant"] == {"name": "张*", "phone": "138****8000",
                                                 "email": "z****@example.com",
                                                 "id_number": person["id_number"][:6] + "*" * 8 + person["id_number"][-4:]}
    assert (other_agency.status_code, other_lead.status_code) == (404, 404)
    for response in (no_token, bad_token, wrong_secret):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


async def test_category_is_classified_from_the_text_when_absent(system):
    body = complaint_body(category=None, description="商家要求好评返现，组织刷单")
    async with system.client("complaints") as client:
        response = await client.post("/v1/complaints", json=body, headers=auth(agency="440100-12345", roles=["intake"]))
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["category"], created["category_source"]) == ("fake_reviews", "classified")
    assert set(created["category_terms"]) == {"刷单", "好评返现"}
    assert (created["lead_agency"], created["co_agencies"]) == ("440105-amr", ["440100-cac"])
