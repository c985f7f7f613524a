"""Calendar feeds (RFC 5545): a user's milestones due, planned visits and TTA deliveries."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from liaisons.choices import VisitStatus
from liaisons.models import SiteVisit
from psp.accounts.roles import Role, roles_of
from psp.portfolio.models import CalendarFeed, token_digest
from sites.models import Milestone
from tta.models import TTADelivery

if TYPE_CHECKING:
    from psp.accounts.models import User

# Deliveries further back than this are history, not plans.
PAST_DELIVERIES = datetime.timedelta(days=90)


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    summary: str
    day: datetime.date
    last_day: datetime.date
    description: str
    url: str


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """Issue a new secret feed token for the user, replacing any earlier one; returns it."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(user=user, defaults={"token_digest": token_digest(token)})
    return token


def calendar_feed_revoke(*, user: User) -> bool:
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_user(*, token: str) -> User | None:
    """The active user a token belongs to (recording the use), or None."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_digest=token_digest(token), user__is_active=True)
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return feed.user


def calendar_entries_for(*, user: User, today: datetime.date) -> list[CalendarEntry]:
    """What the user follows, in three queries: open milestones of their engagements, planned
    visits they can see (their own, for a liaison), and recent or upcoming TTA deliveries."""
    roles = roles_of(user)
    entries: list[CalendarEntry] = []
    milestones = (
        Milestone.objects.visible_to(user)
        .open()
        .filter(engagement__status__in=["planned", "active"])
        .select_related("engagement__site")
    )
    if Role.LIAISON in roles and Role.COORDINATOR not in roles:
        milestones = milestones.filter(
            engagement__assignments__liaison__user=user,
            engagement__assignments__end_date__isnull=True,
        ).distinct()
    for milestone in milestones:
        site = milestone.engagement.site
        entries.append(
            CalendarEntry(
                uid=f"milestone-{milestone.pk}@psp-tracker",
                summary=f"{site}: {milestone.title} due",
                day=milestone.due_date,
                last_day=milestone.due_date,
                description=f"Milestone of the {milestone.engagement.get_phase_display()} phase.",
                url=site.get_absolute_url(),
            )
        )
    visits = (
        SiteVisit.objects.visible_to(user)
        .filter(status=VisitStatus.PLANNED)
        .select_related("site", "liaison__user")
    )
    if Role.LIAISON in roles and Role.COORDINATOR not in roles:
        visits = visits.filter(liaison__user=user)
    for visit in visits:
        entries.append(
            CalendarEntry(
                uid=f"visit-{visit.pk}@psp-tracker",
                summary=f"Site visit: {visit.site} ({visit.get_mode_display()})",
                day=visit.start_date,
                last_day=visit.end_date or visit.start_date,
                description=f"{visit.liaison}. {visit.purpose}".strip(),
                url=visit.site.get_absolute_url(),
            )
        )
    deliveries = (
        TTADelivery.objects.visible_to(user)
        .filter(date__gte=today - PAST_DELIVERIES)
        .select_related("request__site")
    )
    for delivery in deliveries:
        entries.append(
            CalendarEntry(
                uid=f"tta-delivery-{delivery.pk}@psp-tracker",
                summary=f"TTA: {delivery.request.title} ({delivery.get_mode_display()})",
                day=delivery.date,
                last_day=delivery.date,
                description=f"{delivery.request.site}. {delivery.summary}".strip(),
                url=delivery.request.site.get_absolute_url(),
            )
        )
    return sorted(entries, key=lambda entry: (entry.day, entry.uid))


def calendar_render(*, entries: list[CalendarEntry], base_url: str, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//U.S. DOJ National Public Safety Partnership//PSP Tracker//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for entry in entries:
        event = Event()
        event.add("uid", entry.uid)
        event.add("dtstamp", stamp)
        event.add("summary", entry.summary)
        # All-day events: DTEND is exclusive, the day after the last day.
        event.add("dtstart", entry.day)
        event.add("dtend", entry.last_day + datetime.timedelta(days=1))
        event.add("description", entry.description)
        event.add("url", base_url.rstrip("/") + entry.url)
        calendar.add_component(event)
    return calendar.to_ical()


def calendar_feed_path(token: str) -> str:
    return reverse("portfolio:calendar-feed", kwargs={"token": token})
