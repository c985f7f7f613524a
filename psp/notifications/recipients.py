"""Recipient rules shared by several kinds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from psp.accounts.roles import Role
from psp.notifications.registry import Recipient

COORDINATOR_REASON = "You are a DOJ coordinator for the PSP portfolio."


_SWEEP_MEMO: ContextVar[dict | None] = ContextVar("psp_sweep_memo", default=None)


@contextmanager
def sweep_memo() -> Iterator[None]:
    """Within this block, rules that are the same for every object (the coordinators) are
    read once, not once per object of the sweep."""
    token = _SWEEP_MEMO.set({})
    try:
        yield
    finally:
        _SWEEP_MEMO.reset(token)


def _memoized(key: str, compute: Callable[[], Any]) -> Any:
    memo = _SWEEP_MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def coordinators(reason: str = COORDINATOR_REASON) -> list[Recipient]:
    """Every active coordinator (superusers count as coordinators, psp.accounts.models)."""
    users = _memoized(
        "coordinators",
        lambda: list(
            get_user_model()
            .objects.filter(Q(groups__name=Role.COORDINATOR) | Q(is_superuser=True), is_active=True)
            .distinct()
            .order_by("pk")
        ),
    )
    return [Recipient(user, reason) for user in users]
