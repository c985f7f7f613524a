"""Recipient rules shared by several kinds."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from psp.accounts.roles import Role
from psp.notifications.registry import Recipient

COORDINATOR_REASON = "You are a DOJ coordinator for the PSP portfolio."


def coordinators(reason: str = COORDINATOR_REASON) -> list[Recipient]:
    """Every active coordinator (superusers count as coordinators, psp.accounts.models)."""
    users = (
        get_user_model()
        .objects.filter(Q(groups__name=Role.COORDINATOR) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("pk")
    )
    return [Recipient(user, reason) for user in users]
