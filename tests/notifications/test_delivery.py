"""The outbox: emails' content, preferences and digests, claims and leases, mail-server errors
and a broker that is down."""

import datetime
import time

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from psp.notifications import services
from psp.notifications.choices import Delivery, NotificationStatus
from psp.notifications.models import Notification
from tests import factories
from tests.notifications.conftest import DUE, at_seven, send_on
from tests.notifications.smtp import free_port, mail_server

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
SEVEN_DAYS_BEFORE = DUE - 7 * DAY  # Thursday 23 April 2026


def test_an_email_has_text_and_html_says_why_and_links_to_the_object_and_preferences(world):
    [message] = send_on(SEVEN_DAYS_BEFORE)

    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    for body in (message.body, html):
        assert "You are the Strategic Site Liaison for Tulsa, OK." in body
        assert f"http://127.0.0.1:8000/sites/tulsa-ok/#milestone-{world.milestone.pk}" in body
        assert "http://127.0.0.1:8000/notifications/preferences/" in body
    assert "“Strategic plan adopted” is due in 7 days" in html
    assert message.to == [world.liaison.email]
    notification = Notification.objects.get()
    assert message.extra_headers["Message-ID"] == f"<psp-notification-{notification.pk}@127.0.0.1>"


@override_settings(PSP_BASE_URL="https://psp.example.gov")
def test_links_use_the_configured_base_url(world):
    [message] = send_on(SEVEN_DAYS_BEFORE)
    assert "https://psp.example.gov/notifications/preferences/" in message.body


def test_off_means_listed_in_the_app_but_not_emailed(world):
    factories.NotificationPreferenceFactory(
        user=world.liaison, kind="milestone.due_in_7", delivery=Delivery.OFF
    )
    assert send_on(SEVEN_DAYS_BEFORE) == []
    assert Notification.objects.visible_to(world.liaison).get().status == NotificationStatus.SKIPPED


def test_a_recipient_without_an_email_address_is_not_emailed(world):
    world.liaison.email = ""
    world.liaison.save()
    assert send_on(SEVEN_DAYS_BEFORE) == []
    assert Notification.objects.get().status == NotificationStatus.SKIPPED


def test_daily_digest_gathers_held_notices_into_one_email_the_next_morning(world):
    for kind in ["milestone.due_in_7", "action_item.due_tomorrow"]:
        factories.NotificationPreferenceFactory(
            user=world.liaison, kind=kind, delivery=Delivery.DAILY
        )
    factories.ActionItemFactory(
        visit__engagement=world.milestone.engagement,
        visit__liaison=world.liaison.liaison,
        owner=world.liaison,
        due_date=SEVEN_DAYS_BEFORE + DAY,
        text="Send the data-sharing agreement",
    )
    # 07:00: both notices are recorded and held; today's digest is made from what is held.
    [digest] = send_on(SEVEN_DAYS_BEFORE)
    assert digest.subject == "PSP daily digest: Thursday 23 April 2026"
    assert "is due in 7 days" in digest.body
    assert "Send the data-sharing agreement" in digest.body
    assert "You chose to get these notices as a digest." in digest.body
    assert send_on(SEVEN_DAYS_BEFORE, hour=15) == []  # one digest a day
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_weekly_digest_waits_for_monday(world):
    factories.NotificationPreferenceFactory(
        user=world.liaison, kind="milestone.due_in_7", delivery=Delivery.WEEKLY
    )
    assert send_on(SEVEN_DAYS_BEFORE) == []  # Thursday: held
    assert send_on(SEVEN_DAYS_BEFORE + DAY) == []  # Friday
    [digest] = send_on(DUE - 3 * DAY)  # Monday 27 April
    assert digest.subject == "PSP weekly digest: week of 27 April 2026"
    assert "is due in 7 days" in digest.body


def test_a_digest_whose_notices_no_longer_apply_is_not_sent(world):
    factories.NotificationPreferenceFactory(
        user=world.liaison, kind="milestone.due_in_7", delivery=Delivery.DAILY
    )
    services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
    services.notifications_digest(today=SEVEN_DAYS_BEFORE)
    type(world.milestone).objects.filter(pk=world.milestone.pk).update(completed_on=DUE - 8 * DAY)

    assert send_on(SEVEN_DAYS_BEFORE) == []
    assert Notification.objects.get(kind="digest.daily").status == NotificationStatus.CANCELLED


def test_a_claimed_row_cannot_be_claimed_again_until_its_lease_expires(world):
    services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
    notification = Notification.objects.get()
    now = at_seven(SEVEN_DAYS_BEFORE)

    assert services.notification_claim(notification_id=notification.pk, now=now) is not None
    assert services.notification_claim(notification_id=notification.pk, now=now) is None
    assert services.notifications_deliverable_ids(now=now) == []
    with override_settings(PSP_NOTIFICATION_LEASE_SECONDS=600):
        later = now + datetime.timedelta(seconds=601)
        with time_machine.travel(later, tick=False):
            assert services.notifications_release_expired() == 1
        assert services.notifications_deliverable_ids(now=later) == [notification.pk]
        assert services.notification_claim(notification_id=notification.pk, now=later)


def test_a_sender_that_died_mid_send_is_replaced_by_the_next_sweep_after_the_lease(world):
    services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
    notification = Notification.objects.get()
    # A sender claimed it and died before marking it sent.
    services.notification_claim(notification_id=notification.pk, now=at_seven(SEVEN_DAYS_BEFORE))

    assert send_on(SEVEN_DAYS_BEFORE, hour=7) == []  # still leased
    assert len(send_on(SEVEN_DAYS_BEFORE, hour=8)) == 1  # lease (10 minutes) expired
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2


def test_a_mail_server_asking_to_try_later_gets_retried_with_backoff_and_sends_once(world):
    services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
    notification = Notification.objects.get()
    with mail_server(failures=1) as server, override_settings(**server.settings()):
        with pytest.raises(services.TransientDeliveryError) as raised:
            services.notification_deliver(notification_id=notification.pk)
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.PENDING
        assert "451" in notification.last_error
        # Backed off: nobody takes it again before the delay is over.
        assert services.notifications_deliverable_ids() == []
        assert 15 <= raised.value.retry_in <= 30  # base 30 s, half of it jitter

        with time_machine.travel(notification.claimed_until + datetime.timedelta(seconds=1)):
            assert services.notification_deliver(notification_id=notification.pk).status == "sent"
            assert services.notification_deliver(notification_id=notification.pk).status == "taken"
    assert server.notification_ids() == [notification.pk]
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 2)


def test_a_permanent_refusal_is_recorded_and_not_retried(world):
    services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
    notification = Notification.objects.get()
    with (
        mail_server(failures=1, code="550 5.1.1 No such user") as server,
        override_settings(**server.settings()),
    ):
        outcome = services.notification_deliver(notification_id=notification.pk)
    assert outcome.status == "failed"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert "550" in notification.last_error
    assert services.notifications_deliverable_ids() == []


def test_an_unreachable_mail_server_is_a_transient_error(world):
    services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
    notification = Notification.objects.get()
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=free_port(),
        ),
        pytest.raises(services.TransientDeliveryError),
    ):
        services.notification_deliver(notification_id=notification.pk)
    assert mail.outbox == []


def test_backoff_doubles_with_jitter_and_is_capped():
    delays = [services.retry_delay(attempt) for attempt in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        full = min(3600, 30 * 2 ** (attempt - 1))
        assert full / 2 <= delay <= full
    assert len({round(services.retry_delay(3), 6) for _ in range(20)}) > 1  # jittered


def test_a_broker_that_is_down_never_breaks_recording_and_the_rows_wait(
    world, django_capture_on_commit_callbacks
):
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(CELERY_BROKER_URL=dead_broker):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.notifications_record_due(today=SEVEN_DAYS_BEFORE)
        assert len(callbacks) == 1  # the enqueue ran, after commit, and swallowed the outage
        assert services.notifications_enqueue_pending() == 0
        assert time.monotonic() - started < 10
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.PENDING
    assert services.notifications_deliverable_ids() == [notification.pk]
