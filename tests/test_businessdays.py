"""Business-day arithmetic: weekdays that are not U.S. federal holidays."""

import datetime

import pytest

from psp.businessdays import (
    add_business_days,
    business_days_between,
    earliest_start_within_target,
    is_business_day,
    past_business_day_target,
)

D = datetime.date


def test_weekends_and_federal_holidays_are_not_business_days():
    assert is_business_day(D(2026, 11, 25))  # Wednesday
    assert not is_business_day(D(2026, 11, 26))  # Thanksgiving
    assert not is_business_day(D(2026, 11, 28))  # Saturday
    assert not is_business_day(D(2026, 7, 3))  # Independence Day, observed


def test_ten_business_days_after_a_friday_is_the_friday_two_weeks_later():
    assert add_business_days(D(2026, 3, 6), 10) == D(2026, 3, 20)


def test_holidays_push_the_date_out():
    # Thanksgiving Thursday: the Wednesday before + 2 business days is the Monday after.
    assert add_business_days(D(2026, 11, 25), 2) == D(2026, 11, 30)


def test_counting_back_and_between_agree():
    start = D(2026, 12, 18)
    assert add_business_days(add_business_days(start, 10), -10) == start
    assert business_days_between(start, add_business_days(start, 10)) == 10
    assert business_days_between(start, start) == 0
    assert business_days_between(start, start - datetime.timedelta(days=3)) == 0


@pytest.mark.parametrize("today", [D(2026, 11, 30) + datetime.timedelta(days=n) for n in range(14)])
def test_the_database_cutoff_agrees_with_the_target_for_every_start(today):
    """The cutoff the queue filters with gives the same answer as the rule, day by day."""
    cutoff = earliest_start_within_target(days=10, today=today)
    for back in range(40):
        start = today - datetime.timedelta(days=back)
        assert past_business_day_target(since=start, days=10, today=today) == (start < cutoff)


def test_business_days_between_agrees_with_counting_day_by_day():
    import datetime
    import random

    from psp.businessdays import business_days_between, is_business_day

    rng = random.Random(9)
    for _ in range(300):
        start = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(0, 2500))
        end = start + datetime.timedelta(days=rng.randint(-5, 900))
        expected = sum(
            is_business_day(start + datetime.timedelta(days=i))
            for i in range(1, (end - start).days + 1)
        )
        assert business_days_between(start, end) == expected, (start, end)
