"""The days off the law fixes, checked against the State Council's published arrangements chinese-calendar has."""
from datetime import date, timedelta

import chinese_calendar
import pytest

from shared.holidays import days_off_by_law, statutory_holidays

PUBLISHED_UNDER_THE_2025_LAW = (2025, 2026)


def days_of(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]


@pytest.mark.parametrize("year", PUBLISHED_UNDER_THE_2025_LAW)
def test_every_statutory_holiday_is_off_in_the_published_arrangement(year):
    holidays = statutory_holidays(year)
    assert len(holidays) == 13
    assert [day for day in sorted(holidays) if chinese_calendar.is_workday(day)] == []


@pytest.mark.parametrize("year", PUBLISHED_UNDER_THE_2025_LAW)
def test_the_law_alone_gives_the_year_as_many_working_days_as_the_arrangement(year):
    """The State Council's swaps move working days, they do not add or remove any."""
    off = days_off_by_law(year)
    by_law = sum(day.weekday() < 5 and day not in off for day in days_of(year))
    published = sum(chinese_calendar.is_workday(day) for day in days_of(year))
    assert by_law == published == 248
    assert sum(day.weekday() < 5 for day in days_of(year)) == 261  # Monday to Friday alone


def test_2027_lunar_and_solar_term_holidays():
    assert sorted(statutory_holidays(2027) - {date(2027, 1, 1), date(2027, 5, 1), date(2027, 5, 2),
                                              date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)}) == [
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),  # New Year's Eve (Fri) to day 3
        date(2027, 4, 5),  # Qingming
        date(2027, 6, 9),  # Dragon Boat
        date(2027, 9, 15),  # Mid-Autumn
    ]


def test_a_holiday_on_a_weekend_is_made_up_on_the_next_weekday_off_duty():
    off = days_off_by_law(2027)
    # The Spring Festival's Saturday and Sunday (6 and 7 Feb) are made up after Monday the 8th: 9 and 10 Feb.
    assert {date(2027, 2, 9), date(2027, 2, 10)} <= off and date(2027, 2, 11) not in off
    # Labour Day on Saturday and Sunday: Monday 3 and Tuesday 4 May; National Day's weekend: 4 and 5 October.
    assert {date(2027, 5, 3), date(2027, 5, 4), date(2027, 10, 4), date(2027, 10, 5)} <= off
    assert len(off) == 13 + 6
