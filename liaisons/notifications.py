"""Visit write-up nudges and action-item reminders, registered with psp.notifications."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from liaisons.choices import VisitStatus
from liaisons.models import ActionItem, SiteVisit
from psp.accounts.roles import Role
from psp.notifications.choices import Delivery
from psp.notifications.kinds import PortfolioSection, register_portfolio_section
from psp.notifications.registry import (
    SWEEP_CHUNK,
    NotificationKind,
    Occurrence,
    Recipient,
    register,
)

# A draft left alone this long gets a nudge.
DRAFT_NUDGE_DAYS = 3
DAY = datetime.timedelta(days=1)


def visit_url(visit: SiteVisit) -> str:
    # The visit pages are built separately; until they exist the link goes to the site.
    try:
        return reverse("liaisons:visit-detail", kwargs={"pk": visit.pk})
    except NoReverseMatch:
        return visit.site.get_absolute_url()


def _last_day(visit: SiteVisit) -> datetime.date:
    return visit.end_date or visit.start_date


def _liaison(visit: SiteVisit, today: datetime.date) -> list[Recipient]:
    return [Recipient(visit.liaison.user, f"You are the liaison on this visit to {visit.site}.")]


# --- A planned visit whose date has passed ----------------------------------------------------


def _planned_visits_past(today: datetime.date):
    visits = SiteVisit.objects.filter(status=VisitStatus.PLANNED).filter(
        Q(end_date__isnull=True, start_date__lt=today) | Q(end_date__lt=today)
    )
    return (
        Occurrence(v, _last_day(v))
        for v in visits.select_related("site", "liaison__user").iterator(chunk_size=SWEEP_CHUNK)
    )


register(
    NotificationKind(
        key="visit.writeup_due",
        label="Visit to write up",
        description="The day after a planned visit's date, until it is written up.",
        template="visit",
        default_delivery=Delivery.IMMEDIATELY,
        roles=frozenset({Role.LIAISON}),
        model=SiteVisit,
        due=_planned_visits_past,
        recipients=_liaison,
        subject=lambda v, ref, today: f"{v.site}: write up your visit of {v.start_date:%-d %B %Y}",
        url=visit_url,
        still_applies=lambda v, n, today: (
            v.status == VisitStatus.PLANNED and _last_day(v) == n.reference_date
        ),
        context=lambda v, n, today: {
            "visit": v,
            "message": "The visit date has passed and it is still marked as planned. Log what "
            "happened (or remove it if it did not take place).",
        },
    )
)


# --- A draft left alone -----------------------------------------------------------------------


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def _stale_drafts(today: datetime.date):
    # Last touched on or before today - 3 days, in the program's time zone.
    cutoff = timezone.make_aware(
        datetime.datetime.combine(today - (DRAFT_NUDGE_DAYS - 1) * DAY, datetime.time.min)
    )
    drafts = SiteVisit.objects.filter(status=VisitStatus.DRAFT, updated_at__lt=cutoff)
    return (
        Occurrence(v, _local_date(v.updated_at))
        for v in drafts.select_related("site", "liaison__user").iterator(chunk_size=SWEEP_CHUNK)
    )


register(
    NotificationKind(
        key="visit.draft_stale",
        label="Visit draft left open",
        description=f"A visit write-up left in draft for {DRAFT_NUDGE_DAYS} days.",
        template="visit",
        default_delivery=Delivery.IMMEDIATELY,
        roles=frozenset({Role.LIAISON}),
        model=SiteVisit,
        due=_stale_drafts,
        recipients=_liaison,
        subject=lambda v, ref, today: (
            f"{v.site}: your write-up of the {v.start_date:%-d %B %Y} visit is still a draft"
        ),
        url=visit_url,
        still_applies=lambda v, n, today: (
            v.status == VisitStatus.DRAFT and _local_date(v.updated_at) == n.reference_date
        ),
        context=lambda v, n, today: {
            "visit": v,
            "message": f"It has not changed since {n.reference_date:%-d %B %Y}. Submit it so "
            "the site and the coordinators can see the summary.",
        },
    )
)


# --- Action items -----------------------------------------------------------------------------


def _owner(item: ActionItem, today: datetime.date) -> list[Recipient]:
    return [Recipient(item.owner, f"You own this action item from a visit to {item.visit.site}.")]


def _action_items(*, first: datetime.date | None, last: datetime.date):
    def due(today: datetime.date):
        items = ActionItem.objects.open().filter(owner__isnull=False, due_date__lte=last)
        if first is not None:
            items = items.filter(due_date__gte=first)
        return (
            Occurrence(i, i.due_date)
            for i in items.select_related("visit__site", "owner").iterator(chunk_size=SWEEP_CHUNK)
        )

    return due


def _item_open(item: ActionItem, notification, today: datetime.date) -> bool:
    return item.done_on is None and item.due_date == notification.reference_date


for key, label, description, window, phrase in [
    (
        "action_item.due_tomorrow",
        "Action item due tomorrow",
        "The day before an action item you own is due.",
        lambda t: _action_items(first=t, last=t + DAY),
        "is due {due:%-d %B %Y}",
    ),
    (
        "action_item.overdue",
        "Action item overdue",
        "The day after an action item you own was due, if it is not done.",
        lambda t: _action_items(first=None, last=t - DAY),
        "was due {due:%-d %B %Y} and is not done",
    ),
]:
    register(
        NotificationKind(
            key=key,
            label=label,
            description=description,
            template="action_item",
            default_delivery=Delivery.IMMEDIATELY,
            roles=frozenset({Role.LIAISON, Role.COORDINATOR, Role.SITE_CONTACT}),
            model=ActionItem,
            due=lambda today, window=window: window(today)(today),
            recipients=_owner,
            subject=lambda i, ref, today, phrase=phrase: (
                f"{i.visit.site}: action item “{i.text[:80]}” " + phrase.format(due=ref)
            ),
            url=lambda i: visit_url(i.visit),
            still_applies=_item_open,
            context=lambda i, n, today, phrase=phrase: {
                "item": i,
                "when": phrase.format(due=n.reference_date),
            },
        )
    )


def visits_waiting_section(today: datetime.date) -> PortfolioSection:
    planned = [o.obj for o in _planned_visits_past(today)]
    drafts = [o.obj for o in _stale_drafts(today)]
    waiting = sorted(planned + drafts, key=lambda v: (v.start_date, v.pk))
    return PortfolioSection(
        "Visit write-ups waiting",
        [
            (
                f"{v.site}: {v.start_date:%-d %b %Y} visit by {v.liaison.user} "
                f"({v.get_status_display().lower()})",
                visit_url(v),
            )
            for v in waiting[:25]
        ],
        len(waiting),
    )


register_portfolio_section(visits_waiting_section)
