"""The milestone ladder walked day by day with a frozen clock (DESIGN.md §6)."""

import datetime

import pytest

from psp.notifications.choices import Delivery, NotificationStatus
from psp.notifications.models import Notification
from sites.services import milestone_complete, milestone_reschedule
from tests import factories
from tests.notifications.conftest import DUE, send_on

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def walk(first: datetime.date, last: datetime.date, *, runs: int = 2) -> dict:
    """Every day from first to last, run the sweep `runs` times; {day: [(to, subject)]}."""
    sent = {}
    day = first
    while day <= last:
        emails = []
        for hour in [7, 8, 15][:runs]:
            emails += send_on(day, hour=hour)
        if emails:
            sent[day] = [(m.to[0], m.subject) for m in emails]
        day += DAY
    return sent


def test_the_ladder_sends_exactly_one_email_per_rung_even_when_every_sweep_runs_twice(world):
    sent = walk(DUE - 35 * DAY, DUE + 20 * DAY, runs=2)

    liaison, coordinator = world.liaison.email, world.coordinator.email
    subject = "Tulsa, OK: “Strategic plan adopted” "
    assert sent == {
        DUE - 30 * DAY: [(liaison, subject + "is due in 30 days (30 April 2026)")],
        DUE - 14 * DAY: [(liaison, subject + "is due in 14 days (30 April 2026)")],
        DUE - 7 * DAY: [(liaison, subject + "is due in 7 days (30 April 2026)")],
        DUE - 1 * DAY: [(liaison, subject + "is due tomorrow (30 April 2026)")],
        DUE + 1 * DAY: [
            (liaison, subject + "was due yesterday (30 April 2026) and is not marked complete"),
            (coordinator, subject + "was due yesterday (30 April 2026) and is not marked complete"),
        ],
        DUE + 14 * DAY: [(coordinator, subject + "is 14 days overdue (due 30 April 2026)")],
    }
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 7


def test_a_sweep_that_did_not_run_on_the_day_catches_up_with_the_latest_rung(world):
    # Nothing ran for the 30- and 14-day rungs; ten days before, the 14-day rung goes out late.
    assert [m.subject for m in send_on(DUE - 10 * DAY)] == [
        "Tulsa, OK: “Strategic plan adopted” is due in 10 days (30 April 2026)"
    ]
    assert send_on(DUE - 9 * DAY) == []


def test_moving_the_due_date_rearms_the_ladder_from_the_new_date(world):
    walk(DUE - 30 * DAY, DUE - 10 * DAY, runs=1)  # the 30- and 14-day rungs went out
    new_due = DUE + 20 * DAY
    milestone_reschedule(
        milestone=world.milestone, due_date=new_due, reason="Council vote postponed."
    )

    sent = walk(DUE - 10 * DAY, new_due + 1 * DAY, runs=2)

    assert {day: len(emails) for day, emails in sent.items()} == {
        DUE - 10 * DAY: 1,  # the 30-day rung of the new date (30 days away from 20 May)
        new_due - 14 * DAY: 1,
        new_due - 7 * DAY: 1,
        new_due - 1 * DAY: 1,
        new_due + 1 * DAY: 2,  # missed: liaison and coordinator
    }
    assert "is due in 30 days (20 May 2026)" in sent[DUE - 10 * DAY][0][1]
    world.milestone.refresh_from_db()
    assert "Council vote postponed." in world.milestone.notes


def test_moving_the_due_date_cancels_what_was_waiting_about_the_old_date(world):
    factories.NotificationPreferenceFactory(
        user=world.liaison, kind="milestone.due_in_7", delivery=Delivery.WEEKLY
    )
    send_on(DUE - 7 * DAY)  # a Thursday: held for Monday's weekly digest
    held = Notification.objects.get(kind="milestone.due_in_7")
    assert held.status == NotificationStatus.HELD

    milestone_reschedule(milestone=world.milestone, due_date=DUE + 60 * DAY, reason="Moved.")

    held.refresh_from_db()
    assert held.status == NotificationStatus.CANCELLED
    assert send_on(DUE - 3 * DAY) == []  # Monday 27 April: nothing left for the digest


def test_completing_a_milestone_cancels_its_pending_reminders_and_ends_the_ladder(world):
    from psp.notifications import services

    with_time = DUE - 7 * DAY
    # Recorded but not yet delivered (the worker has not got to it).
    services.notifications_record_due(today=with_time)
    pending = Notification.objects.get(kind="milestone.due_in_7")
    assert pending.status == NotificationStatus.PENDING

    milestone_complete(milestone=world.milestone, completed_on=with_time, today=with_time)

    pending.refresh_from_db()
    assert pending.status == NotificationStatus.CANCELLED
    assert walk(with_time, DUE + 20 * DAY, runs=1) == {}


def test_a_reminder_that_no_longer_applies_at_sending_time_is_not_sent(world):
    from psp.notifications import services

    services.notifications_record_due(today=DUE - 7 * DAY)
    # Completed behind the services' back (say, a data fix): the check before sending stops it.
    type(world.milestone).objects.filter(pk=world.milestone.pk).update(completed_on=DUE - 7 * DAY)

    assert send_on(DUE - 7 * DAY) == []
    assert Notification.objects.get().status == NotificationStatus.CANCELLED


def test_a_closed_engagement_gets_no_reminders(world):
    from sites.services import engagement_complete

    engagement_complete(engagement=world.milestone.engagement, end_date=DUE - 40 * DAY)
    assert walk(DUE - 35 * DAY, DUE + 20 * DAY, runs=1) == {}


def test_a_completed_milestone_cannot_be_rescheduled(world):
    from django.core.exceptions import ValidationError

    milestone_complete(milestone=world.milestone, completed_on=DUE - DAY, today=DUE)
    with pytest.raises(ValidationError, match="cannot be rescheduled"):
        milestone_reschedule(milestone=world.milestone, due_date=DUE + DAY, reason="Late.")


def test_rescheduling_needs_a_reason_and_a_new_date(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Say why"):
        milestone_reschedule(milestone=world.milestone, due_date=DUE + DAY, reason=" ")
    with pytest.raises(ValidationError, match="already due"):
        milestone_reschedule(milestone=world.milestone, due_date=DUE, reason="Same day.")
