"""The notification outbox and each user's delivery preferences (DESIGN.md §3, §6).

A notification is written here first, unique on (recipient, kind, object, reference date), and
only then emailed: a sender claims a row with a conditional UPDATE and a lease, sends, and marks
it sent. `docs/notifications.md` explains the delivery guarantee this gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from psp.notifications.choices import Delivery, NotificationStatus

if TYPE_CHECKING:
    from psp.accounts.models import User


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """A person's notifications are theirs alone, whatever their role."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user).exclude(status=NotificationStatus.CANCELLED)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person about one object, for one reference date (the outbox row)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject_object = GenericForeignKey("content_type", "object_id")
    reference_date = models.DateField(
        help_text="The date the notice is about (a due date, a visit date, a digest day)."
    )
    subject = models.CharField(max_length=255)
    reason = models.CharField(max_length=300, help_text="Why the recipient gets this.")
    url = models.CharField(max_length=300, help_text="Path of the page about the object.")
    delivery = models.CharField(max_length=12, choices=Delivery.choices)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        help_text="The digest that carries this notice (daily/weekly delivery).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The claim: a sender owns the row until `claimed_until`; after that anyone may take it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "content_type", "object_id", "reference_date"],
                name="notification_once_per_reference_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "delivery"], name="notification_status_idx"),
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} ({self.reference_date})"


class NotificationPreference(models.Model):
    """How one user wants one kind delivered; no row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    delivery = models.CharField(max_length=12, choices=Delivery.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notificationpreference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"
