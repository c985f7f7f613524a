"""Reads of the outbox for pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from psp.notifications.models import Notification

if TYPE_CHECKING:
    from psp.accounts.models import User


def notification_list_for(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first (subject, reason and link are stored on the
    row, so listing them needs no joins)."""
    return Notification.objects.visible_to(user).exclude(kind__startswith="digest.")


def unread_count_for(*, user: User) -> int:
    return notification_list_for(user=user).unread().count()
