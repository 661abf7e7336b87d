"""Open311 GeoReport v2 round trip: services, a form-encoded request, its status, and the spec's errors."""
from datetime import datetime

from tests.support import officer, random_uscc, unique

KEY = "dev-open311-key"


def form(**extra) -> dict:
    return {"api_key": KEY, "service_code": "price_violation", "description": "同一商品老用户价格更高（大数据杀熟）",
            "first_name": "三", "last_name": "张", "phone": "13912345678", "email": "z3@example.com",
            "attribute[uscc]": random_uscc("440106"), "attribute[subject_name]": "天河某平台商家",
            "attribute[region]": "440106", "attribute[external_ref]": unique("o311"), **extra}


async def test_services_list_the_categories(system):
    async with system.client("complaints") as client:
        services = (await client.get("/open311/v2/services.json")).json()
    codes = {s["service_code"] for s in services}
    assert {"consumer_dispute", "price_violation", "online_fraud"} <= codes
    assert all({"service_name", "description", "metadata", "type", "keywords", "group"} <= s.keys()
               for s in services)


async def test_request_round_trip(system):
    async with system.client("complaints") as client:
        created = await client.post("/open311/v2/requests.json", data=form())
        assert created.status_code == 201, created.text
        (receipt,) = created.json()
        request_id = receipt["service_request_id"]
        (public,) = (await client.get(f"/open311/v2/requests/{request_id}.json")).json()
        (detailed,) = (await client.get(f"/open311/v2/requests/{request_id}.json", params={"api_key": KEY})).json()
        complaint = (await client.get(f"/v1/complaints/{request_id}", headers=officer("440106-amr"))).json()
        await client.post(f"/v1/complaints/{request_id}/acceptance",
                          json={"decision": "reject", "grounds": "handled_elsewhere"}, headers=officer("440106-amr"))
        (closed,) = (await client.get(f"/open311/v2/requests/{request_id}.json")).json()
    assert receipt["service_notice"] == "routed to 440106-amr"
    assert (public["status"], public["service_code"], public["agency_responsible"]) == ("open", "price_violation",
                                                                                        "440106-amr")
    assert public["description"] is None and detailed["description"] == form()["description"]
    assert datetime.fromisoformat(public["expected_datetime"]) == datetime.fromisoformat(complaint["due_at"])
    assert (complaint["channel"], complaint["kind"]) == ("hotline_12345", "complaint")
    assert complaint["complainant"] == {"name": "张三", "phone": "13912345678", "email": "z3@example.com",
                                        "id_number": None}
    assert (closed["status"], closed["status_notes"]) == ("closed", "rejected: handled_elsewhere")


async def test_errors_follow_the_spec_format(system):
    async with system.client("complaints") as client:
        bad_key = await client.post("/open311/v2/requests.json", data=form(api_key="nope"))
        no_code = await client.post("/open311/v2/requests.json", data=form(service_code=""))
        unknown_code = await client.post("/open311/v2/requests.json", data=form(service_code="noise"))
        bad_uscc = await client.post("/open311/v2/requests.json", data=form(**{"attribute[uscc]": "91350100M000100Y44"}))
        missing = await client.get("/open311/v2/requests/no-such-id.json")
    assert bad_key.status_code == 403 and bad_key.json() == [{"code": 403, "description": "api_key missing or not valid"}]
    assert no_code.status_code == 400 and no_code.json()[0]["code"] == 400
    assert unknown_code.status_code == 400 and "noise" in unknown_code.json()[0]["description"]
    assert bad_uscc.status_code == 400 and "USCC" in bad_uscc.json()[0]["description"]
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


async def test_without_a_uscc_it_is_routed_by_region_then_the_subject_is_identified(system):
    anonymous = form(**{"attribute[uscc]": "", "first_name": "", "last_name": "", "phone": "", "email": ""})
    async with system.client("complaints") as client:
        (receipt,) = (await client.post("/open311/v2/requests.json", data=anonymous)).json()
        request_id = receipt["service_request_id"]
        uscc = random_uscc("440105")
        identified = await client.post(f"/v1/complaints/{request_id}/subject",
                                       json={"uscc": uscc, "name": "海珠某店"}, headers=officer("440106-amr"))
    body = identified.json()
    assert identified.status_code == 200, identified.text
    assert body["kind"] == "report" and body["complainant"] is None
    assert (body["subject"]["uscc"], body["subject"]["region"], body["lead_agency"]) == (uscc, "440105", "440105-amr")
