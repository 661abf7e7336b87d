"""Deadlines in Chinese working days (package chinese-calendar), calendar days and hours."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

_END_OF_DAY = time(23, 59, 59, 999999)


def parse_dates(text: str) -> frozenset[date]:
    """Comma-separated ISO dates from a setting; ValueError names the bad item."""
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


class WorkingCalendar:
    """Statutory periods: the starting day is not counted; a period ends at the end of its last day."""

    def __init__(self, *, tz: str = "Asia/Shanghai", fallback_holidays: frozenset[date] = frozenset(),
                 fallback_workdays: frozenset[date] = frozenset()):
        self.tz = ZoneInfo(tz)
        self.holidays = fallback_holidays
        self.workdays = fallback_workdays

    def is_working_day(self, day: date) -> bool:
        """Configured days win; then chinese-calendar; past its years, Monday-Friday."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year the installed release does not know
            return day.weekday() < 5

    def _local_day(self, moment: datetime) -> date:
        if moment.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware one")
        return moment.astimezone(self.tz).date()

    def _end_of(self, day: date) -> datetime:
        return datetime.combine(day, _END_OF_DAY, tzinfo=self.tz).astimezone(timezone.utc)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End of the n-th working day after the day of `start` (UTC)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        day = self._local_day(start)
        remaining = n
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return self._end_of(day)

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        """End of the n-th calendar day after the day of `start` (UTC)."""
        return self._end_of(self._local_day(start) + timedelta(days=n))

    def add_hours(self, start: datetime, hours: float) -> datetime:
        if start.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware one")
        return (start + timedelta(hours=hours)).astimezone(timezone.utc)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after the day of `start`, up to and including the day of `end`."""
        day, last = self._local_day(start), self._local_day(end)
        count = 0
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count
