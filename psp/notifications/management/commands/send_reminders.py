"""Runs the reminder sweep and delivers in-process: the same work as the scheduled jobs, for
setups without a broker (the SQLite quick start) and for operators."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from psp.notifications import services
from psp.notifications.choices import NotificationStatus
from psp.notifications.models import Notification


class Command(BaseCommand):
    help = (
        "Record the reminders and digests due today and email them in-process. Safe to repeat: "
        "what was sent is never sent again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be sent, change nothing and send nothing.",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            default=None,
            help="Run as if today were this date (YYYY-MM-DD).",
        )

    def handle(self, *args, dry_run: bool, today: datetime.date | None, **options) -> None:
        today = today or timezone.localdate()
        if dry_run:
            with transaction.atomic():
                self._sweep(today)
                pending = Notification.objects.filter(
                    pk__in=services.notifications_deliverable_ids()
                ).select_related("recipient")
                for notification in pending:
                    self._line("would send", notification)
                self.stdout.write(f"Dry run for {today}: would send {len(pending)} email(s).")
                transaction.set_rollback(True)
            return
        self._sweep(today)
        services.notifications_release_expired()
        counts: dict[str, int] = {}
        for notification_id in services.notifications_deliverable_ids():
            try:
                outcome = services.notification_deliver(
                    notification_id=notification_id, today=today
                )
            except services.TransientDeliveryError as exc:
                counts["retry"] = counts.get("retry", 0) + 1
                self.stderr.write(f"will retry #{notification_id}: {exc}")
                continue
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            if outcome.notification is not None:
                self._line(outcome.status, outcome.notification)
        self.stdout.write(
            self.style.SUCCESS(
                f"Reminders for {today}: sent {counts.get('sent', 0)} email(s)"
                + "".join(
                    f", {n} {status}" for status, n in sorted(counts.items()) if status != "sent"
                )
                + "."
            )
        )

    def _sweep(self, today: datetime.date) -> None:
        recorded = services.notifications_record_due(today=today)
        digests = services.notifications_digest(today=today)
        held = recorded.by_status[NotificationStatus.HELD]
        skipped = recorded.by_status[NotificationStatus.SKIPPED]
        self.stdout.write(
            f"Recorded {len(recorded)} new notice(s) ({held} for digests, {skipped} not emailed); "
            f"{len(digests)} digest(s) made."
        )

    def _line(self, status: str, notification: Notification) -> None:
        to = notification.recipient.email or notification.recipient
        self.stdout.write(f"{status}: {notification.kind} to {to} — {notification.subject}")
