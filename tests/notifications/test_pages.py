"""The in-app list, the unread count in the header and the preferences page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from psp.accounts.roles import Role
from psp.notifications.choices import Delivery, NotificationStatus
from psp.notifications.models import NotificationPreference
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def liaison():
    return factories.UserFactory(username="ssl", roles=[Role.LIAISON])


@pytest.mark.parametrize(
    "url", ["/notifications/", "/notifications/preferences/", "/notifications/1/"]
)
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_list_shows_my_notifications_and_not_anyone_elses(client, liaison):
    mine = factories.NotificationFactory(recipient=liaison, subject="Mine: due in 7 days")
    factories.NotificationFactory(subject="Someone else's")
    factories.NotificationFactory(
        recipient=liaison, subject="Cancelled one", status=NotificationStatus.CANCELLED
    )
    client.force_login(liaison)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Mine: due in 7 days" in html
    assert reverse("notifications:open", args=[mine.pk]) in html
    assert "Someone else" not in html
    assert "Cancelled one" not in html
    assert "You are the Strategic Site Liaison" in html


def test_the_header_shows_the_unread_count_and_opening_one_marks_it_read(client, liaison):
    first = factories.NotificationFactory(recipient=liaison, url="/sites/")
    factories.NotificationFactory(recipient=liaison)
    client.force_login(liaison)
    assert b'data-testid="unread-count">2</span>' in client.get(reverse("sites:list")).content

    response = client.get(reverse("notifications:open", args=[first.pk]))

    assert response.status_code == 302
    assert response.url == "/sites/"
    assert b'data-testid="unread-count">1</span>' in client.get(reverse("sites:list")).content


def test_opening_someone_elses_notification_is_a_404_and_marks_nothing(client, liaison):
    theirs = factories.NotificationFactory()
    client.force_login(liaison)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_clears_the_count(client, liaison):
    factories.NotificationFactory.create_batch(3, recipient=liaison)
    client.force_login(liaison)
    assert client.get(reverse("notifications:mark-all-read")).status_code == 405
    response = client.post(reverse("notifications:mark-all-read"), follow=True)
    assert b"Marked 3 notification(s) as read." in response.content
    assert b'data-testid="unread-count"' not in response.content


def test_the_list_runs_a_fixed_number_of_queries(client, liaison):
    client.force_login(liaison)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notifications:list")).status_code == 200
        return len(queries)

    factories.NotificationFactory.create_batch(2, recipient=liaison)
    few = count()
    factories.NotificationFactory.create_batch(20, recipient=liaison)
    # session, user, count of notifications (paginator), user's groups (navigation),
    # unread count (header), the page of notifications
    assert count() == few == 6


def test_preferences_show_the_kinds_of_my_role_with_labelled_radios(client, liaison):
    client.force_login(liaison)
    html = client.get(reverse("notifications:preferences")).content.decode()
    assert '<legend class="usa-legend">Milestone due in 7 days</legend>' in html
    assert '<label class="usa-radio__label" for="id_milestone.due_in_7_1">Daily digest' in html
    assert "Weekly portfolio digest" not in html  # coordinators only
    assert "Milestone 14 days overdue" not in html


def test_saving_preferences_changes_how_future_notices_are_delivered(client, liaison):
    client.force_login(liaison)
    form = client.get(reverse("notifications:preferences")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["milestone.due_in_7"] = Delivery.WEEKLY
    data["visit.draft_stale"] = Delivery.OFF

    response = client.post(reverse("notifications:preferences"), data, follow=True)

    assert b"Your notification preferences are saved." in response.content
    saved = dict(
        NotificationPreference.objects.filter(user=liaison).values_list("kind", "delivery")
    )
    assert saved["milestone.due_in_7"] == Delivery.WEEKLY
    assert saved["visit.draft_stale"] == Delivery.OFF
    assert 'value="weekly" aria-describedby="milestonedue_in_7-hint" checked' in (
        response.content.decode()
    )


def test_a_choice_a_kind_does_not_allow_is_refused(client):
    coordinator = factories.UserFactory(roles=[Role.COORDINATOR])
    client.force_login(coordinator)
    form = client.get(reverse("notifications:preferences")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["portfolio.weekly"] = Delivery.DAILY  # a digest of a digest
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 200
    assert not NotificationPreference.objects.filter(user=coordinator).exists()
