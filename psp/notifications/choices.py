from django.db import models


class Delivery(models.TextChoices):
    """How a user wants one kind of notification delivered by email."""

    IMMEDIATELY = "immediately", "Immediately"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest (Mondays)"
    OFF = "off", "Off (listed here, no email)"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be emailed"
    HELD = "held", "Waiting for a digest"
    SENT = "sent", "Emailed"
    SKIPPED = "skipped", "Not emailed (off, or no email address)"
    CANCELLED = "cancelled", "Cancelled (no longer applies)"
    FAILED = "failed", "Refused by the mail server"


# Rows a sender or digest may still act on.
OPEN_STATUSES = [NotificationStatus.PENDING, NotificationStatus.HELD]
