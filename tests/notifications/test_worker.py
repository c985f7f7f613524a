"""Integration: a real Celery worker process, a real Redis and a real SMTP server (issue #7).

The worker and the test share the PostgreSQL test database (pytest-django's SQLite test
database lives in memory and a subprocess cannot see it), so these run in the PostgreSQL pass
(`postgres` marker). Each test starts its own redis-server on a free port, so stopping it
never touches anyone else's Redis, and kills every process it started in a `finally`.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from psp.accounts.roles import Role
from psp.celery import app
from psp.notifications import services
from psp.notifications.choices import Delivery, NotificationStatus
from psp.notifications.models import Notification
from tests import factories
from tests.conftest import REQUIRE_SERVICES
from tests.notifications.smtp import free_port, mail_server

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3
WAIT = 45  # seconds; every wait below is bounded


def wait_for(condition, *, timeout: float = WAIT, interval: float = 0.2, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what or condition}")


class RedisServer:
    """Our own redis-server on a free port, which a test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        wait_for(answers, timeout=15, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Worker:
    """`celery -A psp worker` in its own process group, logging to a file."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="psp-worker-", suffix=".log")[1])

    def start(self) -> None:
        self.log.write_text("")
        self.process = subprocess.Popen(  # noqa: S603 - our own worker with fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "psp",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--hostname",
                f"test-{os.getpid()}-{time.monotonic_ns()}@localhost",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: " ready." in self.output(), timeout=60, what="the worker to be ready")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, no acknowledgements."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def succeeded(self, task_id: str) -> bool:
        return re.search(rf"Task \S+\[{task_id}\] succeeded", self.output()) is not None


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is required (PSP_REQUIRE_SERVICES=1) but not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp():
    with mail_server() as server:
        yield server


def worker_env(*, broker: str, email_url: str) -> dict[str, str]:
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        CELERY_BROKER_URL=broker,
        EMAIL_URL=email_url,
        PSP_NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS),
        PSP_NOTIFICATION_RETRY_BACKOFF_SECONDS="0.5",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def start_worker(redis_server, smtp):
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(worker_env(broker=redis_server.url, email_url=smtp.email_url))
        workers.append(worker)
        worker.start()
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.kill()


def publish(broker: str, task: str) -> str:
    """Send a task by name, the way beat does."""
    with app.connection_for_write(broker) as conn:
        return app.send_task(task, connection=conn).id


def milestones_due(count: int, *, in_days: int = 7):
    """`count` milestones due in `in_days` days at a liaison's site; the coordinator's portfolio
    digest is off so only the ladder speaks."""
    coordinator = factories.UserFactory(username="coord", roles=[Role.COORDINATOR])
    factories.NotificationPreferenceFactory(
        user=coordinator, kind="portfolio.weekly", delivery=Delivery.OFF
    )
    assignment = factories.AssignmentFactory(liaison__user__username="ssl")
    due = timezone.localdate() + datetime.timedelta(days=in_days)
    for n in range(count):
        factories.MilestoneFactory(engagement=assignment.engagement, due_date=due, key=f"m-{n}")
    return assignment.liaison.user


def counts(ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for notification_id in ids:
        found[notification_id] = found.get(notification_id, 0) + 1
    return found


def test_scheduled_work_is_recorded_and_delivered_by_the_worker_once(
    redis_server, smtp, start_worker
):
    milestones_due(3)
    worker = start_worker()

    first = publish(redis_server.url, "notifications.sweep")
    wait_for(lambda: len(smtp.messages) >= 3, what="three emails")
    wait_for(lambda: worker.succeeded(first), what="the sweep to finish")
    second = publish(redis_server.url, "notifications.sweep")  # beat's next run
    wait_for(lambda: worker.succeeded(second), what="the second sweep to finish")
    time.sleep(1)

    sent = Notification.objects.filter(status=NotificationStatus.SENT)
    assert sorted(smtp.notification_ids()) == sorted(sent.values_list("pk", flat=True))
    assert len(smtp.notification_ids()) == 3, worker.output()[-3000:]
    assert all("is due in 7 days" in subject for subject in smtp.subjects())


def test_a_redis_outage_breaks_no_page_loses_nothing_and_delivers_after_it_returns(
    redis_server, smtp, start_worker, client
):
    liaison = milestones_due(4)
    worker = start_worker()
    redis_server.stop()

    with override_settings(CELERY_BROKER_URL=redis_server.url):
        started = time.monotonic()
        recorded = services.notifications_record_due(today=timezone.localdate())
        assert time.monotonic() - started < 10  # the failed enqueue did not hang the sweep
        client.force_login(liaison)
        page = client.get(reverse("notifications:list"))
        health = client.get(reverse("healthz")).json()
    assert len(recorded) == 4
    assert page.status_code == 200
    assert page.content.count(b"is due in 7 days") == 4
    assert health["status"] == "ok"
    assert health["broker"].startswith("error")
    assert Notification.objects.filter(status=NotificationStatus.PENDING).count() == 4
    assert smtp.messages == []

    redis_server.start()  # same port, empty: whatever was queued before is gone
    task = publish(redis_server.url, "notifications.deliver_pending")  # beat's 5-minute sweep
    wait_for(lambda: len(smtp.messages) >= 4, what="four emails after Redis returned")
    wait_for(lambda: worker.succeeded(task), what="the delivery sweep")
    time.sleep(1)

    assert sorted(smtp.notification_ids()) == sorted(
        Notification.objects.values_list("pk", flat=True)
    )
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_only_what_was_in_flight(
    redis_server, smtp, start_worker
):
    milestones_due(12)
    in_flight: list[int] = []
    workers: list[Worker] = []

    def kill_before_acknowledging(count: int) -> None:
        # The 5th message has reached the mail server but the worker has not heard "250 OK"
        # yet: it dies inside the documented window (accepted, not yet marked sent).
        if count == 5:
            workers[0].kill()

    smtp.on_accept = kill_before_acknowledging
    workers.append(start_worker())
    with override_settings(CELERY_BROKER_URL=redis_server.url):
        services.notifications_record_due(today=timezone.localdate())  # enqueued on commit
    wait_for(lambda: workers[0].process.poll() is not None, what="the worker to be killed")
    in_flight = list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, claim_token__isnull=False
        ).values_list("pk", flat=True)
    )
    assert len(in_flight) == 1  # one worker process, one message in flight
    assert len(smtp.messages) == 5

    workers.append(start_worker())  # the restart takes the tasks still queued
    time.sleep(LEASE_SECONDS)

    def all_delivered() -> bool:
        # The delivery sweep as beat runs it (every five minutes in production).
        publish(redis_server.url, "notifications.deliver_pending")
        return not Notification.objects.exclude(status=NotificationStatus.SENT).exists()

    wait_for(all_delivered, interval=2, what="every notification to be sent")
    time.sleep(1)

    received = counts(smtp.notification_ids())
    every = set(Notification.objects.values_list("pk", flat=True))
    assert set(received) == every, workers[-1].output()[-3000:]
    duplicates = {pk for pk, n in received.items() if n > 1}
    # Only what was accepted by the mail server but not yet marked sent can go out twice.
    assert duplicates == set(in_flight)
    assert max(received.values()) == 2


def test_a_mail_server_that_fails_twice_then_accepts_delivers_once(
    redis_server, smtp, start_worker
):
    smtp.failures = 2
    milestones_due(1)
    worker = start_worker()

    with override_settings(CELERY_BROKER_URL=redis_server.url):
        services.notifications_record_due(today=timezone.localdate())
    notification = Notification.objects.get()
    wait_for(lambda: len(smtp.messages) >= 1, what="the email after two refusals")
    time.sleep(1.5)

    assert smtp.refused == 2
    assert smtp.notification_ids() == [notification.pk], worker.output()[-3000:]
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 3
    assert worker.output().count("Retry in") == 2
