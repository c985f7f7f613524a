"""Every write to the outbox: recording what is due, digests, claiming and delivering.

The contract (docs/notifications.md): a notice is recorded in the database before anything is
sent, once per (recipient, kind, object, reference date); a sender claims it with a conditional
UPDATE that sets a lease; after the mail server accepts it, the row is marked sent. A sender
that dies mid-send leaves a claim that expires, and the next sweep sends it again.
"""

from __future__ import annotations

import datetime
import logging
import random
import smtplib
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from psp.notifications.choices import Delivery, NotificationStatus
from psp.notifications.models import Notification, NotificationPreference
from psp.notifications.recipients import sweep_memo
from psp.notifications.registry import (
    SWEEP_CHUNK,
    NotificationKind,
    all_kinds,
    get_kind,
    swept_kinds,
)

if TYPE_CHECKING:
    from psp.accounts.models import User

logger = logging.getLogger(__name__)

DIGEST_KINDS = {Delivery.DAILY: "digest.daily", Delivery.WEEKLY: "digest.weekly"}
DELIVER_TASK = "notifications.deliver"


class TransientDeliveryError(Exception):
    """The mail server said "try later" (4xx) or could not be reached; retry after `retry_in`."""

    def __init__(self, message: str, *, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in


# --- Preferences ----------------------------------------------------------------------------


def notification_delivery_for(*, user: User, kind: NotificationKind) -> str:
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind.key)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen if chosen in kind.deliveries else kind.default_delivery


@transaction.atomic
def notification_preferences_set(*, user: User, choices: dict[str, str]) -> None:
    """Save a user's delivery choice for each kind given; unknown kinds or choices are refused."""
    for key, delivery in choices.items():
        try:
            kind = get_kind(key)
        except KeyError:
            raise ValidationError(f"Unknown notification kind “{key}”.") from None
        if delivery not in kind.deliveries:
            raise ValidationError(f"“{kind.label}” cannot be delivered as “{delivery}”.")
        NotificationPreference.objects.update_or_create(
            user=user, kind=key, defaults={"delivery": delivery}
        )


# --- Recording ------------------------------------------------------------------------------


def _initial_status(user: User, delivery: str) -> str:
    if delivery == Delivery.OFF or not user.email:
        return NotificationStatus.SKIPPED
    if delivery in DIGEST_KINDS:
        return NotificationStatus.HELD
    return NotificationStatus.PENDING


@dataclass
class Recorded:
    """What a sweep recorded, by status (the rows themselves stay in the outbox)."""

    by_status: Counter[str] = field(default_factory=Counter)

    def __len__(self) -> int:
        return sum(self.by_status.values())


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _record_kind(*, kind: NotificationKind, today: datetime.date, recorded: Recorded) -> None:
    """Record one kind's notices due today that are not in the outbox yet, a chunk of due
    objects at a time, each chunk in a fixed number of queries."""
    content_type = ContentType.objects.get_for_model(kind.model)
    for occurrences in _chunks(kind.due(today), SWEEP_CHUNK):
        if kind.prefetch is not None:
            kind.prefetch([occurrence.obj for occurrence in occurrences], today)
        candidates = [
            (occurrence, recipient)
            for occurrence in occurrences
            for recipient in kind.recipients(occurrence.obj, today)
            if recipient.user.is_active
        ]
        if not candidates:
            del occurrences, candidates
            continue
        existing = set(
            Notification.objects.filter(
                kind=kind.key,
                content_type=content_type,
                object_id__in={o.obj.pk for o, _ in candidates},
            ).values_list("recipient_id", "object_id", "reference_date")
        )
        preferences = dict(
            NotificationPreference.objects.filter(
                kind=kind.key, user__in={r.user.pk for _, r in candidates}
            ).values_list("user_id", "delivery")
        )
        rows: list[Notification] = []
        for occurrence, recipient in candidates:
            key = (recipient.user.pk, occurrence.obj.pk, occurrence.reference_date)
            if key in existing:
                continue
            existing.add(key)
            delivery = preferences.get(recipient.user.pk, kind.default_delivery)
            if delivery not in kind.deliveries:
                delivery = kind.default_delivery
            rows.append(
                Notification(
                    recipient=recipient.user,
                    kind=kind.key,
                    content_type=content_type,
                    object_id=occurrence.obj.pk,
                    reference_date=occurrence.reference_date,
                    subject=kind.subject(occurrence.obj, occurrence.reference_date, today)[:255],
                    reason=recipient.reason[:300],
                    url=kind.url(occurrence.obj),
                    delivery=delivery,
                    status=_initial_status(recipient.user, delivery),
                )
            )
        created = _insert(rows)
        recorded.by_status.update(n.status for n in created)
        enqueue_on_commit([n.pk for n in created if n.status == NotificationStatus.PENDING])
        # Let this chunk go before the next one is read (the loop would hold it until then).
        del occurrences, candidates, rows, created


def _insert(rows: list[Notification]) -> list[Notification]:
    """Insert the rows in one statement; if a concurrent sweep recorded some of them first
    (the unique key), insert them one by one and let those lose quietly."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        pass
    created = []
    for notification in rows:
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            continue
        created.append(notification)
    return created


@transaction.atomic
def notifications_record_due(*, today: datetime.date) -> Recorded:
    """Record every notice of every registered kind that is due on `today`.

    Safe to run any number of times a day, concurrently too: the unique key lets each
    (recipient, kind, object, reference date) in once. Rows to send now are enqueued after
    commit; if the broker is down they wait here for the next sweep.
    """
    recorded = Recorded()
    with sweep_memo():
        for kind in swept_kinds():
            _record_kind(kind=kind, today=today, recorded=recorded)
    return recorded


def _digest_due(delivery: str, today: datetime.date) -> bool:
    return delivery == Delivery.DAILY or today.weekday() == 0  # weekly digests go on Mondays


@transaction.atomic
def notifications_digest(*, today: datetime.date) -> list[Notification]:
    """Gather each user's held notices into today's daily digest (and, on Mondays, the weekly
    one). One digest per user per day (per week), by the outbox's unique key; notices held
    after today's digest was made wait for the next one."""
    user_model = get_user_model()
    user_type = ContentType.objects.get_for_model(user_model)
    created: list[Notification] = []
    for delivery, digest_kind in DIGEST_KINDS.items():
        if not _digest_due(delivery, today):
            continue
        kind = get_kind(digest_kind)
        held = Notification.objects.filter(
            status=NotificationStatus.HELD, delivery=delivery, digest__isnull=True
        )
        for user in user_model.objects.filter(pk__in=held.values("recipient_id")):
            digest = Notification(
                recipient=user,
                kind=digest_kind,
                content_type=user_type,
                object_id=user.pk,
                reference_date=today,
                subject=kind.subject(user, today, today),
                reason="You chose to get these notices as a digest.",
                url=kind.url(user),
                delivery=Delivery.IMMEDIATELY,
                status=NotificationStatus.PENDING,
            )
            try:
                with transaction.atomic():
                    digest.save()
            except IntegrityError:
                continue  # today's digest exists; these wait for the next one
            held.filter(recipient=user).update(digest=digest)
            created.append(digest)
    enqueue_on_commit([d.pk for d in created])
    return created


def notifications_cancel(
    *, obj, reason: str, keep_reference_date: datetime.date | None = None
) -> int:
    """Cancel what is still waiting to be sent about an object (say, a completed milestone).

    Rows already claimed by a sender are cancelled too; the sender's conditional update then
    finds nothing to mark and its check before sending (`still_applies`) stops most of them.
    """
    rows = Notification.objects.filter(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        status__in=[NotificationStatus.PENDING, NotificationStatus.HELD],
    )
    if keep_reference_date is not None:
        rows = rows.exclude(reference_date=keep_reference_date)
    return rows.update(status=NotificationStatus.CANCELLED, last_error=reason[:500])


# --- Enqueueing -----------------------------------------------------------------------------


def enqueue_on_commit(ids: list[int]) -> None:
    """After the rows are committed, hand their ids to the workers (if there is a broker)."""
    if ids and settings.CELERY_BROKER_URL:
        transaction.on_commit(partial(enqueue_deliveries, ids), robust=True)


def enqueue_deliveries(ids: Iterable[int]) -> int:
    """Publish one delivery task per id. Never raises: with the broker down the rows simply
    stay pending in the outbox and the next delivery sweep publishes them again."""
    ids = list(ids)
    if not ids or not settings.CELERY_BROKER_URL:
        return 0
    from psp.celery import app

    published = 0
    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            # Fail fast: a request must not wait on kombu's reconnect loop.
            connection.ensure_connection(max_retries=0, timeout=2)
            for notification_id in ids:
                app.send_task(
                    DELIVER_TASK, args=[notification_id], connection=connection, retry=False
                )
                published += 1
    except Exception as exc:  # any broker failure: the outbox keeps the work
        logger.warning(
            "Broker unavailable (%s); %d notification(s) wait in the outbox for the next sweep.",
            exc.__class__.__name__,
            len(ids) - published,
        )
    return published


def notifications_release_expired(*, now: datetime.datetime | None = None) -> int:
    """Release claims whose lease ran out (their sender died or hung), so they are sent again."""
    now = now or timezone.now()
    return Notification.objects.filter(
        status=NotificationStatus.PENDING, claim_token__isnull=False, claimed_until__lt=now
    ).update(claimed_until=None, claim_token=None)


def notifications_deliverable_ids(*, now: datetime.datetime | None = None) -> list[int]:
    """Rows waiting to be emailed that nobody holds (a lease or a retry back-off)."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def notifications_enqueue_pending() -> int:
    """The delivery sweep: release expired claims and publish everything still unsent."""
    released = notifications_release_expired()
    if released:
        logger.warning("Released %d notification claim(s) whose lease expired.", released)
    return enqueue_deliveries(notifications_deliverable_ids())


# --- Delivering -----------------------------------------------------------------------------


def retry_delay(attempt: int) -> float:
    """Exponential back-off with jitter: base·2^(n-1) capped at an hour, half of it random, so
    a mail server that comes back is not hit by every retry at the same instant."""
    base = settings.PSP_NOTIFICATION_RETRY_BACKOFF_SECONDS
    delay = min(3600.0, base * 2 ** max(attempt - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not security


def is_transient(exc: BaseException) -> bool:
    """4xx replies and lost connections are worth retrying; 5xx replies are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPException):
        return False
    return isinstance(exc, OSError)  # refused, reset, timed out


def notification_claim(*, notification_id: int, now: datetime.datetime) -> uuid.UUID | None:
    """Take the row for one send with a conditional UPDATE; None if someone else holds it or it
    is no longer pending ("0 rows updated" means another sender got there first)."""
    token = uuid.uuid4()
    lease = datetime.timedelta(seconds=settings.PSP_NOTIFICATION_LEASE_SECONDS)
    claimed = (
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + lease, claim_token=token, attempts=F("attempts") + 1)
    )
    return token if claimed else None


def _held_by(notification_id: int, token: uuid.UUID):
    return Notification.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING, claim_token=token
    )


def absolute_url(path: str) -> str:
    return settings.PSP_BASE_URL.rstrip("/") + path


def _digest_items(digest: Notification, today: datetime.date) -> list[tuple[Notification, str]]:
    """The digest's notices that still apply, each with its absolute link; others cancelled."""
    items = []
    for item in digest.items.filter(status=NotificationStatus.HELD).order_by("created_at", "pk"):
        kind = get_kind(item.kind)
        obj = kind.load_for(digest.recipient, item.object_id)
        if obj is None or not kind.still_applies(obj, item, today):
            Notification.objects.filter(pk=item.pk).update(
                status=NotificationStatus.CANCELLED, last_error="No longer applies."
            )
            continue
        items.append((item, absolute_url(item.url)))
    return items


def notification_email(
    *, notification: Notification, obj, today: datetime.date
) -> EmailMultiAlternatives | None:
    """The plain-text and HTML email for a notice; None when a digest has nothing left."""
    kind = get_kind(notification.kind)
    context = {
        "notification": notification,
        "object": obj,
        "recipient": notification.recipient,
        "today": today,
        "object_url": absolute_url(notification.url),
        "preferences_url": absolute_url(reverse("notifications:preferences")),
        "inbox_url": absolute_url(reverse("notifications:list")),
        "delivery_label": Delivery(notification.delivery).label,
        "kind": kind,
    }
    if notification.kind in DIGEST_KINDS.values():
        context["items"] = _digest_items(notification, today)
        if not context["items"]:
            return None
    context.update(kind.context(obj, notification, today))
    text = render_to_string(f"notifications/email/{kind.template}.txt", context)
    html = render_to_string(f"notifications/email/{kind.template}.html", context)
    host = urlsplit(settings.PSP_BASE_URL).hostname or "psp.local"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=text,
        to=[notification.recipient.email],
        headers={
            # The same id on every attempt lets mail clients fold a rare duplicate into one.
            "Message-ID": f"<psp-notification-{notification.pk}@{host}>",
            "X-PSP-Notification": str(notification.pk),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, cancelled, failed, taken
    notification: Notification | None = None


def notification_deliver(*, notification_id: int, today: datetime.date | None = None) -> Outcome:
    """Claim one pending notice, email it and mark it sent.

    Deliberately not one transaction: the claim commits before talking to the mail server, so
    other senders see it, and the mark commits after the server accepted the message. A crash
    between those two is the one window where the notice can go out twice (docs/notifications.md).
    Raises `TransientDeliveryError` (with a back-off) when the server asks us to try later.
    """
    now = timezone.now()
    today = today or timezone.localdate()
    token = notification_claim(notification_id=notification_id, now=now)
    if token is None:
        return Outcome("taken")
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    kind = get_kind(notification.kind)
    obj = kind.load_for(notification.recipient, notification.object_id)
    message = None
    if obj is not None and kind.still_applies(obj, notification, today):
        message = notification_email(notification=notification, obj=obj, today=today)
    if message is None:
        _held_by(notification_id, token).update(
            status=NotificationStatus.CANCELLED,
            claimed_until=None,
            last_error="No longer applies (or no longer visible to the recipient).",
        )
        return Outcome("cancelled", notification)
    try:
        message.send()
    except Exception as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:500]
        if is_transient(exc):
            retry_in = retry_delay(notification.attempts)
            # Keep others off the row until the back-off is over; then anyone may retry it.
            _held_by(notification_id, token).update(
                claim_token=None,
                claimed_until=timezone.now() + datetime.timedelta(seconds=retry_in),
                last_error=error,
            )
            raise TransientDeliveryError(error, retry_in=retry_in) from exc
        _held_by(notification_id, token).update(
            status=NotificationStatus.FAILED, claimed_until=None, last_error=error
        )
        logger.error("Notification %s refused by the mail server: %s", notification_id, error)
        return Outcome("failed", notification)
    sent_at = timezone.now()
    with transaction.atomic():
        marked = (
            Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING)
            .filter(Q(claim_token=token) | Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(status=NotificationStatus.SENT, sent_at=sent_at, claimed_until=None)
        )
        notification.items.filter(status=NotificationStatus.HELD).update(
            status=NotificationStatus.SENT, sent_at=sent_at
        )
    if not marked:
        logger.warning(
            "Notification %s was sent but its claim had passed to another sender.",
            notification_id,
        )
    return Outcome("sent", notification)


# --- Reading state --------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) as read."""
    rows = Notification.objects.visible_to(user).unread()
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=timezone.now())


def kinds_for(user: User) -> list[NotificationKind]:
    from psp.accounts.roles import roles_of

    roles = roles_of(user)
    return [kind for kind in all_kinds() if kind.roles & roles]
