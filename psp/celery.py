"""The Celery application. Workers and beat read their settings from Django's (CELERY_*).

The schedule lives here, in code, in the program's time zone (CELERY_TIMEZONE, America/New_York).
Every job is idempotent: running one twice, late or concurrently sends nothing twice
(docs/notifications.md), so the schedule only decides how soon work is noticed.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings")

app = Celery("psp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Just after midnight: rebuild the stored site statuses for the new day (their day counts
    # moved). The dashboard rebuilds any stale row itself; this only keeps it fast.
    "refresh-site-status": {
        "task": "portfolio.refresh_site_status",
        "schedule": crontab(minute=5, hour=0),
    },
    # And the open-request tallies the dashboard's TTA pipeline sums: the services keep them,
    # this recounts them from the requests in case a write went around the services.
    "rebuild-open-request-tallies": {
        "task": "tta.rebuild_open_request_tallies",
        "schedule": crontab(minute=10, hour=0),
    },
    # Every hour from 6:30 in the morning to 8:30 in the evening (Eastern): record the reminders
    # due today (milestone ladder, visit write-ups, TTA triage, action items, and on Mondays the
    # coordinators' portfolio digest), make today's daily digests (weekly ones on Mondays), and
    # send. The first run of the day does the work; later runs only catch what an outage missed.
    "morning-reminders-and-digests": {
        "task": "notifications.sweep",
        "schedule": crontab(minute=30, hour="6-20"),
    },
    # Every five minutes: hand every unsent email to the workers again, and take back claims
    # whose sender died (lease expired). This is how nothing is lost when the broker or a
    # worker was down.
    "resend-unsent-notifications": {
        "task": "notifications.deliver_pending",
        "schedule": crontab(minute="*/5"),
    },
}
