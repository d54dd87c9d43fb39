"""Business days of Peru's banks: Monday to Friday, except national holidays."""

from datetime import timedelta

import holidays


def peru_holidays(first, last):
    """Peru's national holidays between two dates, as a set of dates."""
    calendar = holidays.country_holidays("PE", years=range(first.year, last.year + 1))
    return {day for day in calendar if first <= day <= last}


def business_days_before(day, count, closed=frozenset()):
    """The day `count` business days before `day`; `closed` days do not count."""
    while count > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            count -= 1
    return day


def lookback(count):
    """How far back `count` business days can reach, a month of closures included."""
    return timedelta(days=7 * count + 31)
