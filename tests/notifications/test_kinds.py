"""Visit write-up nudges, action items, TTA triage and the coordinators' portfolio digest:
each fires once, to the right people, and stops when it no longer applies."""

import datetime

import pytest
import time_machine

from liaisons.choices import VisitStatus
from psp.accounts.roles import Role
from psp.businessdays import add_business_days
from psp.notifications.choices import Delivery, NotificationStatus
from psp.notifications.models import Notification
from psp.notifications.registry import all_kinds
from tests import factories
from tests.notifications.conftest import DUE, at_seven, send_on
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
THURSDAY = datetime.date(2026, 4, 23)
MONDAY = datetime.date(2026, 4, 27)


@pytest.fixture(autouse=True)
def milestone_far_away(world):
    """The world's milestone is due long after these tests, so its ladder stays quiet."""
    type(world.milestone).objects.filter(pk=world.milestone.pk).update(
        due_date=datetime.date(2027, 6, 30)
    )


def subjects(emails) -> list[tuple[str, str]]:
    return [(m.to[0], m.subject) for m in emails]


def test_a_planned_visit_whose_date_passed_nudges_its_liaison_once(world):
    visit = factories.SiteVisitFactory(
        engagement=world.milestone.engagement,
        liaison=world.liaison.liaison,
        status=VisitStatus.PLANNED,
        summary="",
        start_date=THURSDAY - DAY,
    )
    assert send_on(THURSDAY - DAY) == []  # the visit is today
    assert subjects(send_on(THURSDAY)) == [
        (world.liaison.email, "Tulsa, OK: write up your visit of 22 April 2026")
    ]
    assert send_on(THURSDAY + DAY) == []
    visit.status = VisitStatus.DRAFT
    visit.save()
    assert Notification.objects.filter(kind="visit.writeup_due").count() == 1


def test_a_draft_left_three_days_nudges_its_liaison_and_again_after_each_new_edit(world):
    with time_machine.travel(at_seven(THURSDAY), tick=False):
        visit = factories.SiteVisitFactory(
            engagement=world.milestone.engagement,
            liaison=world.liaison.liaison,
            status=VisitStatus.DRAFT,
            summary="",
            start_date=THURSDAY - 2 * DAY,
        )
    assert send_on(THURSDAY + 2 * DAY) == []
    [nudge] = send_on(THURSDAY + 3 * DAY)
    assert "is still a draft" in nudge.subject
    assert "It has not changed since 23 April 2026" in nudge.body
    assert send_on(THURSDAY + 4 * DAY) == []
    with time_machine.travel(at_seven(THURSDAY + 5 * DAY), tick=False):
        visit.save()  # edited, then left again
    assert send_on(THURSDAY + 7 * DAY) == []
    assert len(send_on(THURSDAY + 8 * DAY)) == 1


def test_action_items_remind_their_owner_the_day_before_and_the_day_after(world):
    item = factories.ActionItemFactory(
        visit__engagement=world.milestone.engagement,
        visit__liaison=world.liaison.liaison,
        owner=world.liaison,
        due_date=THURSDAY,
        text="Send the data-sharing agreement",
    )
    sent = {day: subjects(send_on(day)) for day in [THURSDAY - 2 * DAY, THURSDAY - DAY, THURSDAY]}
    sent[THURSDAY + DAY] = subjects(send_on(THURSDAY + DAY)) + subjects(send_on(THURSDAY + DAY))
    sent[THURSDAY + 2 * DAY] = subjects(send_on(THURSDAY + 2 * DAY))
    prefix = "Tulsa, OK: action item “Send the data-sharing agreement” "
    assert sent == {
        THURSDAY - 2 * DAY: [],
        THURSDAY - DAY: [(world.liaison.email, prefix + "is due 23 April 2026")],
        THURSDAY: [],
        THURSDAY + DAY: [(world.liaison.email, prefix + "was due 23 April 2026 and is not done")],
        THURSDAY + 2 * DAY: [],
    }
    item.done_on = THURSDAY + 2 * DAY
    item.save()
    assert Notification.objects.filter(object_id=item.pk).count() == 2


def test_an_action_item_done_in_time_gets_no_overdue_reminder(world):
    factories.ActionItemFactory(
        visit__engagement=world.milestone.engagement,
        visit__liaison=world.liaison.liaison,
        owner=world.liaison,
        due_date=THURSDAY,
        done_on=THURSDAY,
    )
    assert send_on(THURSDAY + DAY) == []


def test_business_days_skip_weekends():
    assert add_business_days(datetime.date(2026, 4, 23), 1) == datetime.date(2026, 4, 24)
    assert add_business_days(datetime.date(2026, 4, 24), 1) == datetime.date(2026, 4, 27)
    assert add_business_days(datetime.date(2026, 4, 23), 10) == datetime.date(2026, 5, 7)


def test_a_tta_request_past_its_triage_target_alerts_coordinators_once(world):
    with time_machine.travel(at_seven(THURSDAY), tick=False):
        request = factories.TTARequestFactory(site=world.milestone.engagement.site)
    target = datetime.date(2026, 5, 7)  # ten business days later
    assert send_on(target) == []
    [alert] = send_on(target + DAY)
    assert alert.to == [world.coordinator.email]
    assert "is past its triage target (7 May 2026)" in alert.subject
    assert send_on(target + 2 * DAY) == []

    request.status = RequestStatus.UNDER_REVIEW
    request.save()
    assert Notification.objects.filter(kind="tta.triage_overdue").count() == 1


def test_a_reviewed_request_raises_no_triage_alert(world):
    with time_machine.travel(at_seven(THURSDAY), tick=False):
        factories.TTARequestFactory(
            site=world.milestone.engagement.site, status=RequestStatus.UNDER_REVIEW
        )
    assert send_on(THURSDAY + 30 * DAY) == []


def test_coordinators_get_the_portfolio_digest_on_monday_morning_once(world):
    world.coordinator.notification_preferences.update(delivery=Delivery.IMMEDIATELY)
    second = factories.UserFactory(roles=[Role.COORDINATOR])
    factories.SiteVisitFactory(
        engagement=world.milestone.engagement,
        liaison=world.liaison.liaison,
        status=VisitStatus.PLANNED,
        summary="",
        start_date=MONDAY - 20 * DAY,
    )

    assert [m for m in send_on(MONDAY - DAY) if "portfolio" in m.subject] == []  # Sunday
    digests = [m for m in send_on(MONDAY) if "portfolio" in m.subject]
    assert sorted(m.to[0] for m in digests) == sorted([world.coordinator.email, second.email])
    body = digests[0].body
    assert "Overdue milestones: 0" in body
    assert "Visit write-ups waiting: 1" in body
    assert "TTA requests past the triage target: 0" in body
    assert [m for m in send_on(MONDAY, hour=15) if "portfolio" in m.subject] == []


def test_every_kind_has_both_email_templates_and_a_default_it_allows():
    from django.template.loader import get_template

    for kind in all_kinds():
        get_template(f"notifications/email/{kind.template}.txt")
        get_template(f"notifications/email/{kind.template}.html")
        assert kind.default_delivery in kind.deliveries


def test_a_notice_the_recipient_can_no_longer_see_is_cancelled_not_sent(world):
    from psp.notifications import services

    type(world.milestone).objects.filter(pk=world.milestone.pk).update(due_date=DUE)
    services.notifications_record_due(today=THURSDAY)  # the 7-day rung, to the liaison
    assignment = world.liaison.liaison.assignments.get()
    assignment.delete()  # the liaison never had this site after all
    assert send_on(THURSDAY) == []
    assert Notification.objects.get().status == NotificationStatus.CANCELLED
