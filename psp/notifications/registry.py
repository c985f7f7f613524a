"""The registry of notification kinds and what each one is (DESIGN.md §6).

A kind says who gets it (its recipients rule), what is due on a given day, how it is emailed
(its template) and how it is delivered unless the user chose otherwise. Domain apps register
their kinds in their own `notifications.py`; this module knows none of them by name.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

from psp.notifications.choices import Delivery

if TYPE_CHECKING:
    from psp.accounts.models import User
    from psp.notifications.models import Notification


@dataclass(frozen=True)
class Recipient:
    """Someone a notice goes to, and the plain-words reason they get it."""

    user: User
    reason: str


@dataclass(frozen=True)
class Occurrence:
    """An object a kind is due for today, and the date the notice is about."""

    obj: models.Model
    reference_date: datetime.date


def _always(obj: Any, notification: Notification, today: datetime.date) -> bool:
    return True


def _no_extra_context(obj: Any, notification: Notification, today: datetime.date) -> dict:
    return {}


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    description: str
    # notifications/email/<template>.txt and .html
    template: str
    default_delivery: str
    # Roles that can receive it (the preferences page shows only these kinds).
    roles: frozenset[str]
    model: type[models.Model]
    # What is due today: the objects and their reference dates. None: not swept (digests).
    due: Callable[[datetime.date], Iterable[Occurrence]] | None
    # The recipients rule: who gets it for one object, and why.
    recipients: Callable[[Any, datetime.date], Iterable[Recipient]]
    subject: Callable[[Any, datetime.date, datetime.date], str]
    url: Callable[[Any], str]
    # Checked again just before sending: a notice that no longer applies is cancelled.
    still_applies: Callable[[Any, Notification, datetime.date], bool] = _always
    context: Callable[[Any, Notification, datetime.date], dict] = _no_extra_context
    deliveries: tuple[str, ...] = field(default=tuple(Delivery.values))
    # Loads the object as the recipient may see it; None when they no longer may.
    load: Callable[[User, int], Any] | None = None
    # Called by the sweep with each chunk of due objects before `recipients`, so the rule can
    # load what it needs for the whole chunk in one query instead of one per object.
    prefetch: Callable[[list[Any], datetime.date], None] | None = None

    def load_for(self, user: User, object_id: int) -> Any:
        if self.load is not None:
            return self.load(user, object_id)
        return self.model.objects.visible_to(user).filter(pk=object_id).first()


# Due objects read and handled at a time by the sweep (the `due` iterators read this many per
# round trip): memory stays the same however many are due.
SWEEP_CHUNK = 200

_KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    if kind.key in _KINDS and _KINDS[kind.key] != kind:
        raise ValueError(f"Notification kind {kind.key!r} is registered twice.")
    if kind.default_delivery not in kind.deliveries:
        raise ValueError(f"{kind.key}: the default delivery must be one it allows.")
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> NotificationKind:
    return _KINDS[key]


def all_kinds() -> list[NotificationKind]:
    return list(_KINDS.values())


def swept_kinds() -> list[NotificationKind]:
    return [kind for kind in _KINDS.values() if kind.due is not None]
