"""The date and datetime types of every API input (body, query, path): inside the calendar the services compute
with, and a datetime with its UTC offset, held in UTC.

Python's datetimes end at years 1 and 9999, so an input at either edge failed later, as a 500: converted to UTC
for the database (0001-01-01T00:00:00+14:00 is in year 0), or a day turned into its start in Beijing time. A
datetime without an offset failed the same way (the database columns hold UTC and refuse naive values). A range
of 1900-2999 holds every real date a supervision record carries, with centuries to spare for the arithmetic.
"""
from datetime import date, datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
_EARLIEST_INSTANT = datetime(EARLIEST.year, 1, 1, tzinfo=timezone.utc)
_AFTER_LATEST_INSTANT = datetime(LATEST.year + 1, 1, 1, tzinfo=timezone.utc)

Instant = Annotated[
    AwareDatetime,
    Field(ge=_EARLIEST_INSTANT, lt=_AFTER_LATEST_INSTANT,
          json_schema_extra={"formatMinimum": f"{EARLIEST.isoformat()}T00:00:00Z",
                             "formatMaximum": f"{LATEST.isoformat()}T23:59:59.999999Z"}),
    AfterValidator(lambda value: value.astimezone(timezone.utc)),
]
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST, json_schema_extra={"formatMinimum": EARLIEST.isoformat(),
                                                                      "formatMaximum": LATEST.isoformat()})]
