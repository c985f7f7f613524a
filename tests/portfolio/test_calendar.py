import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from liaisons.choices import VisitStatus
from psp.accounts.roles import Role
from psp.portfolio.calendar import calendar_entries_for, calendar_feed_create
from psp.portfolio.models import CalendarFeed
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def liaison_world():
    liaison = factories.LiaisonFactory()
    engagement = factories.AssignmentFactory(liaison=liaison).engagement
    due = factories.MilestoneFactory(engagement=engagement, due_date=datetime.date(2026, 4, 1))
    factories.MilestoneFactory(
        engagement=engagement,
        due_date=datetime.date(2026, 1, 1),
        completed_on=datetime.date(2026, 1, 2),
    )
    trip = factories.SiteVisitFactory(
        engagement=engagement,
        liaison=liaison,
        status=VisitStatus.PLANNED,
        summary="",
        start_date=datetime.date(2026, 3, 20),
        end_date=datetime.date(2026, 3, 21),
    )
    others = factories.AssignmentFactory().engagement
    factories.MilestoneFactory(engagement=others, due_date=datetime.date(2026, 4, 2))
    return liaison.user, due, trip


def fetch_calendar(client, token):
    response = client.get(reverse("portfolio:calendar-feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_feed_parses_and_round_trips_every_event(client, liaison_world):
    user, due, trip = liaison_world
    token = calendar_feed_create(user=user)
    calendar = fetch_calendar(client, token)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    expected = calendar_entries_for(user=user, today=TODAY)
    assert set(events) == {entry.uid for entry in expected}
    assert set(events) == {f"milestone-{due.pk}@psp-tracker", f"visit-{trip.pk}@psp-tracker"}
    for entry in expected:
        event = events[entry.uid]
        assert str(event["SUMMARY"]) == entry.summary
        assert event.decoded("DTSTART") == entry.day
        assert event.decoded("DTEND") == entry.last_day + datetime.timedelta(days=1)
        assert str(event["URL"]).endswith(entry.url)
    assert calendar.to_ical() == Calendar.from_ical(calendar.to_ical()).to_ical()


def test_a_revoked_or_replaced_token_stops_working(client, liaison_world):
    user, *_ = liaison_world
    first = calendar_feed_create(user=user)
    second = calendar_feed_create(user=user)
    assert client.get(reverse("portfolio:calendar-feed", args=[first])).status_code == 404
    assert client.get(reverse("portfolio:calendar-feed", args=[second])).status_code == 200
    client.force_login(user)
    client.post(reverse("portfolio:calendar-revoke"))
    assert client.get(reverse("portfolio:calendar-feed", args=[second])).status_code == 404


def test_tokens_are_stored_only_as_digests(liaison_world):
    user, *_ = liaison_world
    token = calendar_feed_create(user=user)
    stored = CalendarFeed.objects.get(user=user).token_digest
    assert token not in stored
    assert len(stored) == 64


def test_nobody_reads_another_users_feed_without_its_token(client, liaison_world):
    user, *_ = liaison_world
    calendar_feed_create(user=user)
    assert client.get(reverse("portfolio:calendar-feed", args=["guess"])).status_code == 404


def test_a_deactivated_users_feed_stops(client, liaison_world):
    user, *_ = liaison_world
    token = calendar_feed_create(user=user)
    user.is_active = False
    user.save()
    assert client.get(reverse("portfolio:calendar-feed", args=[token])).status_code == 404


def test_creating_a_url_shows_it_once(client, liaison_world):
    user, *_ = liaison_world
    client.force_login(user)
    page = client.post(reverse("portfolio:calendar-create"), follow=True)
    url = page.context["new_url"]
    assert "/portfolio/calendar/" in url
    assert url.endswith(".ics")
    assert client.get(reverse("portfolio:calendar")).context["new_url"] is None


def test_provider_staff_see_their_organizations_deliveries(client):
    staff = factories.UserFactory(roles=[Role.TTA_PROVIDER])
    delivery = factories.TTADeliveryFactory(date=TODAY + datetime.timedelta(days=3))
    delivery.request.provider.staff.add(staff)
    factories.TTADeliveryFactory(date=TODAY + datetime.timedelta(days=3))
    entries = calendar_entries_for(user=staff, today=TODAY)
    assert [entry.uid for entry in entries] == [f"tta-delivery-{delivery.pk}@psp-tracker"]
