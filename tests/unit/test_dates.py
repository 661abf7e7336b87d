"""The date and datetime types of every API input: aware, inside the calendar every computation here reaches."""
import importlib
from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.dates import Day, Instant

INSTANT, DAY = TypeAdapter(Instant), TypeAdapter(Day)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                   "1899-12-31T23:59:59Z", "3000-01-01T00:00:00Z", "2026-05-01T10:00:00"])
def test_instants_outside_the_range_or_without_an_offset_are_refused(value):
    with pytest.raises(ValidationError):
        INSTANT.validate_python(value)


def test_an_instant_is_held_in_utc():
    held = INSTANT.validate_python("2026-05-01T10:00:00+08:00")
    assert held == datetime(2026, 5, 1, 2, tzinfo=timezone.utc) and held.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_days_outside_the_range_are_refused(value):
    with pytest.raises(ValidationError):
        DAY.validate_python(value)


def test_the_range_itself_is_taken():
    assert DAY.validate_python("1900-01-01") == date(1900, 1, 1)
    assert DAY.validate_python("2999-12-31") == date(2999, 12, 31)


def _request_schemas(openapi: dict):
    """Every schema a request may carry (parameters and bodies), with the path to it."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path} {parameter['name']}", parameter.get("schema", {})
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield f"{method.upper()} {path} body", content.get("schema", {})


def _dates_in(schema, where: str, openapi: dict, seen: set):
    """(where, schema) of every date or date-time inside `schema`, following references."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield from _dates_in(openapi["components"]["schemas"][name], f"{where} → {name}", openapi, seen)
            return
        if schema.get("format") in ("date", "date-time"):
            yield where, schema
        for key, value in schema.items():
            yield from _dates_in(value, f"{where}.{key}" if key not in ("properties", "anyOf", "items") else where,
                                 openapi, seen)
    elif isinstance(schema, list):
        for item in schema:
            yield from _dates_in(item, where, openapi, seen)


@pytest.mark.parametrize("name", ["complaints", "cases", "credit", "notify"])
def test_every_date_an_api_takes_is_bounded(name):
    """Every date or datetime in a request is one of shared.dates' types, which say their range in the OpenAPI
    (formatMinimum/formatMaximum) and hold it."""
    openapi = importlib.import_module(f"services.{name}.app").create_app().openapi()
    found = [(where, schema) for where, top in _request_schemas(openapi)
             for where, schema in _dates_in(top, where, openapi, set())]
    unbounded = [where for where, schema in found if not {"formatMinimum", "formatMaximum"} <= schema.keys()]
    assert found and unbounded == []
