"""Milestone reminders: the ladder of DESIGN.md §6, registered with psp.notifications.

Before the due date the site's liaison hears 30, 14, 7 and 1 day ahead; the day after a missed
due date the liaison and the coordinators hear; 14 days overdue the coordinators hear again.
Each rung is a kind whose reference date is the due date, so moving the date re-arms the
whole ladder and each rung fires once per due date. A sweep records the latest rung whose day
has come, so a sweep that did not run on the day catches up the next time instead of missing it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model

from psp.accounts.roles import Role
from psp.notifications.choices import Delivery
from psp.notifications.kinds import PortfolioSection, register_portfolio_section
from psp.notifications.recipients import coordinators
from psp.notifications.registry import (
    SWEEP_CHUNK,
    NotificationKind,
    Occurrence,
    Recipient,
    register,
)
from sites.choices import OPEN_ENGAGEMENT_STATUSES
from sites.models import Milestone

DAY = datetime.timedelta(days=1)


def milestone_url(milestone: Milestone) -> str:
    return f"{milestone.engagement.site.get_absolute_url()}#milestone-{milestone.pk}"


def liaisons_of(milestone: Milestone, today: datetime.date) -> list[Recipient]:
    """The site's current primary liaison, and the milestone's owner if someone else."""
    # Looked up by name: liaisons sits above sites in the import order (DESIGN.md §4).
    if hasattr(milestone, "_primary_liaison_user"):  # prefetch_primary_liaisons
        liaison_user = milestone._primary_liaison_user
    else:
        assignment_model = apps.get_model("liaisons", "Assignment")
        primary = (
            assignment_model.objects.current(on=today)
            .filter(engagement_id=milestone.engagement_id, role="primary")
            .select_related("liaison__user")
            .first()
        )
        liaison_user = primary.liaison.user if primary is not None else None
    site = milestone.engagement.site
    recipients = []
    if liaison_user is not None:
        recipients.append(
            Recipient(liaison_user, f"You are the Strategic Site Liaison for {site}.")
        )
    owner = milestone.owner
    if owner is not None and (liaison_user is None or owner.pk != liaison_user.pk):
        recipients.append(Recipient(owner, f"You own this milestone for {site}."))
    return recipients


def when_phrase(milestone: Milestone, today: datetime.date) -> str:
    days = (milestone.due_date - today).days
    due = f"{milestone.due_date:%-d %B %Y}"
    if days > 1:
        return f"is due in {days} days ({due})"
    if days == 1:
        return f"is due tomorrow ({due})"
    if days == 0:
        return f"is due today ({due})"
    if days == -1:
        return f"was due yesterday ({due}) and is not marked complete"
    return f"is {-days} days overdue (due {due})"


@dataclass(frozen=True)
class Rung:
    key: str
    label: str
    description: str
    # The due dates (first, last; None: open-ended) this rung covers on a given day.
    window: Callable[[datetime.date], tuple[datetime.date | None, datetime.date]]
    to_liaison: bool = True
    to_coordinators: bool = False

    @property
    def roles(self) -> frozenset[str]:
        """Who may choose this kind in their preferences: whoever it is sent to."""
        roles = {Role.LIAISON} if self.to_liaison else set()
        return frozenset(roles | ({Role.COORDINATOR} if self.to_coordinators else set()))


def _ahead(days: int, *, after: int, label: str, description: str) -> Rung:
    """A reminder to the liaison for milestones due in `after` (exclusive) to `days` days: the
    window reaches back to the next rung, so a sweep that missed a day still sends it once."""
    return Rung(
        f"milestone.due_in_{days}",
        label,
        description,
        lambda t: (t + (after + 1) * DAY, t + days * DAY),
    )


LADDER = [
    _ahead(
        30,
        after=14,
        label="Milestone due in 30 days",
        description="A month ahead of each milestone at your sites.",
    ),
    _ahead(
        14,
        after=7,
        label="Milestone due in 14 days",
        description="Two weeks ahead of each milestone at your sites.",
    ),
    _ahead(
        7,
        after=1,
        label="Milestone due in 7 days",
        description="A week ahead of each milestone at your sites.",
    ),
    Rung(
        "milestone.due_tomorrow",
        "Milestone due tomorrow",
        "The day before each milestone at your sites is due.",
        lambda t: (t, t + DAY),
    ),
    Rung(
        "milestone.missed",
        "Milestone missed",
        "The day after a milestone's due date passes without it being completed.",
        lambda t: (t - 13 * DAY, t - DAY),
        to_coordinators=True,
    ),
    Rung(
        "milestone.overdue_14",
        "Milestone 14 days overdue",
        "Escalation to coordinators when a milestone is two weeks overdue.",
        lambda t: (None, t - 14 * DAY),
        to_liaison=False,
        to_coordinators=True,
    ),
]


def _due(rung: Rung):
    def due(today: datetime.date):
        first, last = rung.window(today)
        milestones = Milestone.objects.open().filter(
            engagement__status__in=OPEN_ENGAGEMENT_STATUSES, due_date__lte=last
        )
        if first is not None:
            milestones = milestones.filter(due_date__gte=first)
        return (
            Occurrence(m, m.due_date)
            for m in milestones.select_related("engagement__site", "owner").iterator(
                chunk_size=SWEEP_CHUNK
            )
        )

    return due


def prefetch_primary_liaisons(milestones: list[Milestone], today: datetime.date) -> None:
    """Load the user of the current primary liaison of every milestone's engagement in two
    queries (for `liaisons_of`, when the sweep handles many milestones at once). The users are
    loaded on their own: a liaison and its user loaded together point at each other, and such
    cycles wait for the garbage collector, so memory would grow with the number swept."""
    assignment_model = apps.get_model("liaisons", "Assignment")
    user_of_engagement = dict(
        assignment_model.objects.current(on=today)
        .filter(engagement_id__in={m.engagement_id for m in milestones}, role="primary")
        .order_by("engagement_id", "start_date", "-pk")  # the last wins: as `.first()` below
        .values_list("engagement_id", "liaison__user_id")
    )
    users = get_user_model().objects.in_bulk(set(user_of_engagement.values()))
    for milestone in milestones:
        milestone._primary_liaison_user = users.get(user_of_engagement.get(milestone.engagement_id))


def _recipients(rung: Rung):
    def recipients(milestone: Milestone, today: datetime.date) -> list[Recipient]:
        found = liaisons_of(milestone, today) if rung.to_liaison else []
        if rung.to_coordinators:
            seen = {r.user.pk for r in found}
            found += [r for r in coordinators() if r.user.pk not in seen]
        return found

    return recipients


def _still_applies(milestone: Milestone, notification, today: datetime.date) -> bool:
    return (
        milestone.completed_on is None
        and milestone.due_date == notification.reference_date
        and milestone.engagement.status in OPEN_ENGAGEMENT_STATUSES
    )


def _context(milestone: Milestone, notification, today: datetime.date) -> dict:
    return {
        "milestone": milestone,
        "site": milestone.engagement.site,
        "when": when_phrase(milestone, today),
    }


for rung in LADDER:
    register(
        NotificationKind(
            key=rung.key,
            label=rung.label,
            description=rung.description,
            template="milestone",
            default_delivery=Delivery.IMMEDIATELY,
            roles=rung.roles,
            model=Milestone,
            due=_due(rung),
            recipients=_recipients(rung),
            prefetch=prefetch_primary_liaisons if rung.to_liaison else None,
            subject=lambda m, ref, today: (
                f"{m.engagement.site}: “{m.title}” {when_phrase(m, today)}"
            ),
            url=milestone_url,
            still_applies=_still_applies,
            context=_context,
        )
    )


def overdue_milestones_section(today: datetime.date) -> PortfolioSection:
    overdue = (
        Milestone.objects.overdue(today)
        .filter(engagement__status__in=OPEN_ENGAGEMENT_STATUSES)
        .select_related("engagement__site")
        .order_by("due_date", "pk")
    )
    shown = list(overdue[:25])
    return PortfolioSection(
        "Overdue milestones",
        [
            (f"{m.engagement.site}: {m.title}, due {m.due_date:%-d %b %Y}", milestone_url(m))
            for m in shown
        ],
        overdue.count(),
    )


register_portfolio_section(overdue_milestones_section)
