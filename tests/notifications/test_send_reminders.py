"""`send_reminders` on the demo portfolio: the second run sends nothing (issue #7)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from psp.notifications.choices import NotificationStatus
from psp.notifications.models import Notification

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 30)  # a Monday: the weekly digests run too


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_runs(django_db_setup, django_db_blocker):
    """Seed the demo once for the module, then dry-run, run, and run again; rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", today=MONDAY, force=True, stdout=io.StringIO())
        mail.outbox = []
        dry = run("--dry-run", "--today", MONDAY.isoformat())
        after_dry = (Notification.objects.count(), len(mail.outbox))
        first = run("--today", MONDAY.isoformat())
        first_mail = list(mail.outbox)
        second = run("--today", MONDAY.isoformat())
        second_mail = mail.outbox[len(first_mail) :]
        statuses = dict.fromkeys(NotificationStatus.values, 0)
        for status in Notification.objects.values_list("status", flat=True):
            statuses[status] += 1
        kinds = set(Notification.objects.values_list("kind", flat=True))
        yield {
            "dry": dry,
            "after_dry": after_dry,
            "first": first,
            "first_mail": first_mail,
            "second": second,
            "second_mail": second_mail,
            "statuses": statuses,
            "kinds": kinds,
        }
        transaction.set_rollback(True)


def test_a_dry_run_prints_what_it_would_send_and_changes_nothing(demo_runs):
    assert demo_runs["after_dry"] == (0, 0)
    would = demo_runs["dry"].count("would send: ")
    assert would == len(demo_runs["first_mail"]) > 0
    assert f"Dry run for {MONDAY}: would send {would} email(s)." in demo_runs["dry"]


def test_the_first_run_sends_every_kind_the_demo_calls_for(demo_runs):
    assert (
        f"Reminders for {MONDAY}: sent {len(demo_runs['first_mail'])} email(s)"
        in (demo_runs["first"])
    )
    assert {
        "milestone.overdue_14",
        "visit.draft_stale",
        "portfolio.weekly",
    } <= demo_runs["kinds"]
    assert demo_runs["statuses"][NotificationStatus.PENDING] == 0


def test_running_it_again_the_same_day_sends_nothing(demo_runs):
    assert demo_runs["second_mail"] == []
    assert "Recorded 0 new notice(s)" in demo_runs["second"]
    assert f"Reminders for {MONDAY}: sent 0 email(s)." in demo_runs["second"]


def test_nobody_gets_the_same_notice_twice(demo_runs):
    ids = [m.extra_headers["X-PSP-Notification"] for m in demo_runs["first_mail"]]
    assert len(ids) == len(set(ids))


def test_every_email_has_text_and_html_a_reason_and_links_to_its_page_and_preferences(demo_runs):
    for message in demo_runs["first_mail"]:
        [(html, mimetype)] = message.alternatives
        assert mimetype == "text/html"
        for body in (message.body, html):
            assert "Why you got this:" in body, message.subject
            assert "http://127.0.0.1:8000/notifications/preferences/" in body, message.subject
        # Each email links to the page of what it is about (a site, a visit's or a TTA
        # request's own page).
        assert (
            "http://127.0.0.1:8000/sites/" in message.body
            or "http://127.0.0.1:8000/visits/" in message.body
            or "http://127.0.0.1:8000/tta/" in message.body
            or "digest" in message.subject
        )
