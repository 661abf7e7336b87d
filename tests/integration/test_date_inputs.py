"""Dates and datetimes at the edges of the calendar are a 422 naming the field, on every input that takes one."""
import pytest

from tests.support import INTAKE, auth, complaint_body, officer, random_uscc

LEAD = auth(agency="440100-amr", roles=["lead"])
HAIZHU = officer("440105-amr")

CASES = {
    # converted to UTC on the way to the database: year 0 (Python has no such year)
    "occurred_at east of UTC in year 1": ("complaints", "POST", "/v1/complaints", INTAKE,
                                          {"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
    "occurred_at west of UTC in year 9999": ("complaints", "POST", "/v1/complaints", INTAKE,
                                             {"occurred_at": "9999-12-31T23:59:59-14:00"}, "occurred_at"),
    "occurred_at without an offset": ("complaints", "POST", "/v1/complaints", INTAKE,
                                      {"occurred_at": "2026-05-01T10:00:00"}, "occurred_at"),
    "received_from in year 1": ("complaints", "GET", "/v1/complaints", None,
                                {"received_from": "0001-01-01T00:00:00+14:00"}, "received_from"),
    "received_to without an offset": ("complaints", "GET", "/v1/complaints", None,
                                      {"received_to": "2026-05-01T10:00:00"}, "received_to"),
    # the day's start in Beijing time, converted to UTC: year 0
    "digest of 0001-01-01": ("notify", "GET", "/v1/digest", LEAD, {"date": "0001-01-01"}, "date"),
    "observation from year 1 to 9999": ("credit", "POST", "/v1/observations", HAIZHU,
                                        {"starts_on": "0001-01-01", "ends_on": "9999-12-31"}, "starts_on"),
}


def _request(service: str, path: str, values: dict) -> tuple[dict | None, dict | None]:
    if path == "/v1/complaints" and service == "complaints":
        return (None, values) if "received_from" in values or "received_to" in values else (
            complaint_body(**values), None)
    if path == "/v1/observations":
        return {"uscc": random_uscc(), "reason": "新业态包容审慎", **values}, None
    return None, values


@pytest.mark.parametrize("service,method,path,caller,values,field", CASES.values(), ids=CASES.keys())
async def test_dates_outside_the_calendar_are_422_naming_the_field(system, service, method, path, caller, values,
                                                                   field):
    body, query = _request(service, path, values)
    headers = auth(**caller) if caller is INTAKE else caller or HAIZHU
    async with system.client(service) as client:
        response = await client.request(method, path, json=body, params=query, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.json()
