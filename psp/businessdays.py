"""Business-day arithmetic for service targets (TTA triage, reminders, dashboards).

A business day is a weekday that is not a U.S. federal holiday (observed dates included), as
the `holidays` library lists them. Everything that counts "N business days" goes through here so
a page, a reminder and a dashboard never disagree about a deadline.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

ONE_DAY = datetime.timedelta(days=1)


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("US", years=year))


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def add_business_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` business days after `start` (before it, for a negative count).

    `start` itself is never counted: 10 business days after a Friday request is the Friday
    two weeks later (with no holiday between).
    """
    step = ONE_DAY if days >= 0 else -ONE_DAY
    day, remaining = start, abs(days)
    while remaining:
        day += step
        if is_business_day(day):
            remaining -= 1
    return day


def business_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many business days after `start` up to and including `end` (0 if end <= start).

    Whole weeks are counted at once and the holidays of the years in between subtracted, so
    the cost does not grow with the span (the dashboard asks this for every site)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    first = start.weekday()
    weekdays = 5 * weeks + sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)
    holidays_on_weekdays = sum(
        1
        for year in range(start.year, end.year + 1)
        for holiday in _federal_holidays(year)
        if start < holiday <= end and holiday.weekday() < 5
    )
    return weekdays - holidays_on_weekdays


def past_business_day_target(*, since: datetime.date, days: int, today: datetime.date) -> bool:
    """Whether something that started on `since` has passed a target of `days` business days."""
    return business_days_between(since, today) > days


def earliest_start_within_target(*, days: int, today: datetime.date) -> datetime.date:
    """The earliest start date still within a `days`-business-day target on `today`.

    Exactly the starts before this date are past the target (`past_business_day_target`), so a
    query can filter with `started < this` and agree with the pages and reminders.
    """
    candidate = today
    while business_days_between(candidate - ONE_DAY, today) <= days:
        candidate -= ONE_DAY
    return candidate
