"""Deadlines in Chinese working days (package chinese-calendar), calendar days and hours."""
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

from shared.holidays import days_off_by_law

_END_OF_DAY = time(23, 59, 59, 999999)


def parse_dates(text: str) -> frozenset[date]:
    """Comma-separated ISO dates from a setting, blanks ignored; ValueError names the bad item."""
    dates = set()
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            dates.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {item!r}") from None
    return frozenset(dates)


def _known_to_chinese_calendar(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: pass a timezone-aware one")
    return moment


class WorkingCalendar:
    """Statutory periods: the starting day is not counted; a period ends at the end of its last day."""

    def __init__(self, *, tz: str = "Asia/Shanghai", fallback_holidays: Iterable[date] = frozenset(),
                 fallback_workdays: Iterable[date] = frozenset()) -> None:
        self.tz = ZoneInfo(tz)
        self.holidays = frozenset(fallback_holidays)
        self.workdays = frozenset(fallback_workdays)
        if both := self.holidays & self.workdays:
            listed = ", ".join(map(str, sorted(both)))
            raise ValueError(f"dates configured as both holiday and working day: {listed}")
        self._known: dict[date, bool] = {}  # every deadline walks the same coming days

    def is_working_day(self, day: date) -> bool:
        """Configured days win; then chinese-calendar; for years it does not know, Monday to Friday without the
        days off the law fixes (shared.holidays)."""
        if (known := self._known.get(day)) is None:
            known = self._known[day] = self._look_up(day)
        return known

    def _look_up(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the installed release has no data for
            return day.weekday() < 5 and day not in days_off_by_law(day.year)

    def provisional_years(self, start: date, end: date) -> list[int]:
        """Years from `start` to `end` that chinese-calendar does not know and no configured day falls in: their
        deadlines count the law's days off, not the State Council's arrangement."""
        configured = {day.year for day in self.holidays | self.workdays}
        return [year for year in range(start.year, end.year + 1)
                if year not in configured and not _known_to_chinese_calendar(year)]

    def _local_day(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.tz).date()

    def _end_of(self, day: date) -> datetime:
        return datetime.combine(day, _END_OF_DAY, tzinfo=self.tz).astimezone(timezone.utc)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End of the n-th working day after the local day of `start`, in UTC."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = self._local_day(start)
        while n:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return self._end_of(day)

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        """End of the n-th calendar day after the local day of `start`, in UTC."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return self._end_of(self._local_day(start) + timedelta(days=n))

    def add_hours(self, start: datetime, n: float) -> datetime:
        """`start` plus n hours, in UTC."""
        # Add in UTC: Python adds to wall-clock time, which is wrong across a DST change.
        return _aware(start).astimezone(timezone.utc) + timedelta(hours=n)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after the local day of `start`, up to and including the local day of `end`."""
        day, last = self._local_day(start), self._local_day(end)
        count = 0
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
