"""Working-day deadlines across the 2025 National Day holiday, fallbacks and overrides, the warning of a year
chinese-calendar does not know."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from shared.runtime import build_calendar
from shared.settings import ServiceSettings
from shared.workdays import WorkingCalendar, parse_dates
from tests.support import logged

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()


def local(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=SHANGHAI)


def end_of_local_day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def test_seven_working_days_across_national_day_2025():
    # From Tue 2025-09-30 (not counted); 10-01..10-08 off. 10-09 Thu (1), 10-10 Fri (2),
    # 10-11 Sat adjusted working day (3), 10-12 Sun off, 10-13 (4), 10-14 (5), 10-15 (6), 10-16 Thu (7).
    due = CAL.add_working_days(local(2025, 9, 30), 7)
    assert due == end_of_local_day(2025, 10, 16)
    assert due.tzinfo == timezone.utc
    assert due == datetime(2025, 10, 16, 15, 59, 59, 999999, tzinfo=timezone.utc)
    assert due.astimezone(SHANGHAI).time().isoformat() == "23:59:59.999999"


def test_the_local_day_of_start_counts_not_the_utc_day():
    # 2025-09-29 17:00 UTC is already 09-30 01:00 in Shanghai, so the count starts as above.
    assert CAL.add_working_days(datetime(2025, 9, 29, 17, tzinfo=timezone.utc), 7) == end_of_local_day(2025, 10, 16)
    # 15:00 UTC is 09-29 23:00 local: 09-30 is the 1st working day, then 10-09 ... 10-15 is the 7th.
    assert CAL.add_working_days(datetime(2025, 9, 29, 15, tzinfo=timezone.utc), 7) == end_of_local_day(2025, 10, 15)


def test_adjusted_working_weekends_count():
    assert CAL.is_working_day(date(2025, 9, 28)) and CAL.is_working_day(date(2025, 10, 11))
    # From Sat 2025-09-27: Sun 09-28 is an adjusted working day, so it is the 1st.
    assert CAL.add_working_days(local(2025, 9, 27), 1) == end_of_local_day(2025, 9, 28)
    # From Thu 10-09: Fri 10-10 (1), Sat 10-11 (2).
    assert CAL.add_working_days(local(2025, 10, 9), 2) == end_of_local_day(2025, 10, 11)


def test_plain_weekends_and_holidays_do_not_count():
    assert not CAL.is_working_day(date(2025, 10, 18))  # Saturday
    assert not CAL.is_working_day(date(2025, 10, 1))  # National Day
    # From Fri 2025-10-17: Sat and Sun are skipped, Mon 10-20 is the 1st.
    assert CAL.add_working_days(local(2025, 10, 17), 1) == end_of_local_day(2025, 10, 20)


def test_zero_working_days_is_the_end_of_the_start_day():
    assert CAL.add_working_days(local(2025, 10, 1), 0) == end_of_local_day(2025, 10, 1)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(local(2025, 10, 1), -1)
    with pytest.raises(ValueError):
        CAL.add_calendar_days(local(2025, 10, 1), -1)


def test_naive_datetimes_are_refused():
    naive = datetime(2025, 9, 30, 10)
    for call in (lambda: CAL.add_working_days(naive, 1), lambda: CAL.add_calendar_days(naive, 1),
                 lambda: CAL.add_hours(naive, 1), lambda: CAL.working_days_between(naive, local(2025, 10, 9))):
        with pytest.raises(ValueError, match="naive"):
            call()


def test_calendar_days_ignore_holidays():
    due = CAL.add_calendar_days(local(2025, 9, 30), 3)
    assert due == end_of_local_day(2025, 10, 3)
    assert due.tzinfo == timezone.utc


def test_hours_are_elapsed_time_in_utc():
    assert CAL.add_hours(local(2025, 9, 30, 22), 24) == datetime(2025, 10, 1, 14, tzinfo=timezone.utc)
    # 24 h across the New York spring-forward: 17:00 UTC to 17:00 UTC, not 12:00 EDT (16:00 UTC).
    new_york = datetime(2025, 3, 8, 12, tzinfo=ZoneInfo("America/New_York"))
    assert CAL.add_hours(new_york, 24) == datetime(2025, 3, 9, 17, tzinfo=timezone.utc)
    assert CAL.add_hours(new_york, 1.5).tzinfo == timezone.utc


def test_years_chinese_calendar_does_not_know_fall_back_to_the_law_and_configured_days():
    cal = WorkingCalendar(fallback_holidays=frozenset({date(2031, 1, 2)}),
                          fallback_workdays=frozenset({date(2031, 1, 4)}))
    assert not cal.is_working_day(date(2031, 1, 1))  # Wednesday, New Year's Day by law
    assert not cal.is_working_day(date(2031, 1, 2))  # Thursday, configured holiday
    assert cal.is_working_day(date(2031, 1, 3))  # Friday
    assert not cal.is_working_day(date(2031, 1, 5))  # plain Sunday
    assert cal.is_working_day(date(2031, 1, 4))  # Saturday, configured working day
    # From Tue 2030-12-31: 01-01 and 01-02 off, Fri 01-03 (1), Sat 01-04 (2), Mon 01-06 (3).
    assert cal.add_working_days(local(2030, 12, 31), 3) == end_of_local_day(2031, 1, 6)


def test_a_deadline_across_the_2027_spring_festival_skips_the_days_off_by_law():
    # From Thu 2027-02-04: 02-05 to 02-10 off (New Year's Eve to day 3, and two make-up days for the weekend),
    # Thu 02-11 (1), Fri 02-12 (2), Mon 02-15 (3). Monday to Friday alone would have said Tue 02-09.
    assert CAL.add_working_days(local(2027, 2, 4), 3) == end_of_local_day(2027, 2, 15)


def test_provisional_years_are_those_chinese_calendar_and_the_configuration_leave_out():
    assert CAL.provisional_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert CAL.provisional_years(date(2026, 12, 3), date(2028, 4, 1)) == [2027, 2028]
    configured = WorkingCalendar(fallback_holidays=frozenset({date(2027, 2, 11)}))
    assert configured.provisional_years(date(2026, 12, 3), date(2028, 4, 1)) == [2028]


def test_configured_days_override_chinese_calendar_for_a_covered_year():
    cal = WorkingCalendar(fallback_holidays=frozenset({date(2025, 10, 9)}),
                          fallback_workdays=frozenset({date(2025, 10, 4)}))
    assert not cal.is_working_day(date(2025, 10, 9))
    assert cal.is_working_day(date(2025, 10, 4))
    # From 10-08: 10-09 is a local holiday, so Fri 10-10 is the 1st.
    assert cal.add_working_days(local(2025, 10, 8), 1) == end_of_local_day(2025, 10, 10)


def test_a_day_configured_as_both_holiday_and_workday_is_refused():
    with pytest.raises(ValueError, match="2031-01-01"):
        WorkingCalendar(fallback_holidays={date(2031, 1, 1)}, fallback_workdays={date(2031, 1, 1)})


def test_working_days_between():
    assert CAL.working_days_between(local(2025, 9, 30), local(2025, 10, 16)) == 7
    assert CAL.working_days_between(local(2025, 9, 30), local(2025, 10, 8)) == 0  # all holiday
    assert CAL.working_days_between(local(2025, 9, 27), local(2025, 9, 30)) == 3  # Sun 28 (adjusted), 29, 30
    assert CAL.working_days_between(local(2025, 10, 16), local(2025, 10, 16, 23)) == 0  # same day
    assert CAL.working_days_between(local(2025, 10, 16), local(2025, 9, 30)) == 0  # end before start


def test_parse_dates_reads_a_setting():
    assert parse_dates("2027-01-01, 2027-02-08,, ") == frozenset({date(2027, 1, 1), date(2027, 2, 8)})
    assert parse_dates("") == frozenset()


@pytest.mark.parametrize("text, bad", [("2027-01-01,2027-13-01", "2027-13-01"), ("tomorrow", "tomorrow")])
def test_parse_dates_names_the_bad_item(text, bad):
    with pytest.raises(ValueError, match=f"'{bad}'"):
        parse_dates(text)


def test_a_service_warns_of_a_year_within_reach_that_counts_only_the_law(monkeypatch):
    monkeypatch.delenv("JOINTSUP_FALLBACK_HOLIDAYS", raising=False)
    settings = ServiceSettings(service_name="complaints")
    with logged("shared.runtime") as said:
        build_calendar(settings, today=date(2026, 6, 1))  # four months ahead is still 2026
    assert said == []
    with logged("shared.runtime") as said:
        build_calendar(settings, today=date(2026, 12, 3))
    (warning,) = said
    assert "has no holiday arrangement for 2027" in warning and "JOINTSUP_FALLBACK_HOLIDAYS" in warning
    monkeypatch.setenv("JOINTSUP_FALLBACK_HOLIDAYS", "2027-02-11")  # the operator has set the year
    with logged("shared.runtime") as said:
        build_calendar(ServiceSettings(service_name="complaints"), today=date(2026, 12, 3))
    assert said == []
