"""Reads of visits and a liaison's work that join across relations (DESIGN.md §4)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from liaisons.choices import VisitStatus
from liaisons.models import ActionItem, SiteVisit
from psp.accounts.roles import Role, roles_of
from sites.models import Engagement, Milestone, Site

if TYPE_CHECKING:
    from psp.accounts.models import User


def sees_internal_notes(user: User) -> bool:
    """DOJ staff read the internal notes of the visits they may see; site contacts never do."""
    return bool(roles_of(user) & {Role.COORDINATOR, Role.LIAISON})


def may_log_visits(user: User) -> bool:
    """Who gets the visit form (and the API's visit writes): Strategic Site Liaisons. Which
    sites and visits each may write is the visit services' rule (assigned sites, own visits)."""
    return Role.LIAISON in roles_of(user)


def visit_list_for(*, user: User) -> QuerySet[SiteVisit]:
    """Visits the user may see, ready for a list (site, liaison and core areas loaded)."""
    visits = SiteVisit.objects.visible_to(user).select_related("site", "liaison__user")
    if not sees_internal_notes(user):
        visits = visits.defer("internal_notes")
    return visits.prefetch_related("core_areas")


def visit_detail_for(*, user: User, pk: int) -> SiteVisit:
    """One visible visit with what its page shows; 404 when the user may not see it."""
    return get_object_or_404(
        visit_list_for(user=user).prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner"))
        ),
        pk=pk,
    )


def visit_for_edit(*, user: User, pk: int) -> SiteVisit:
    """The user's own visit, with its core areas and action items; 404 for anyone else's."""
    return get_object_or_404(
        SiteVisit.objects.visible_to(user)
        .filter(liaison__user=user)
        .select_related("site")
        .prefetch_related("core_areas", "action_items"),
        pk=pk,
    )


def visit_needs_write_up(visit: SiteVisit, *, today: datetime.date) -> bool:
    """A planned visit whose day has come is waiting for the liaison's write-up."""
    return visit.status == VisitStatus.PLANNED and visit.start_date <= today


@dataclass(frozen=True)
class PhaseProgress:
    elapsed_days: int
    total_days: int

    @property
    def percent(self) -> int:
        if self.total_days <= 0:
            return 100
        return max(0, min(100, round(100 * self.elapsed_days / self.total_days)))


def phase_progress(
    *, start: datetime.date, planned_end: datetime.date, today: datetime.date
) -> PhaseProgress:
    total = (planned_end - start).days
    elapsed = max(0, min(total, (today - start).days))
    return PhaseProgress(elapsed_days=elapsed, total_days=total)


def liaison_current_sites(*, user: User, today: datetime.date) -> list[Site]:
    """The liaison's current sites, each annotated with its open phase, next milestone and
    the date of the latest visit (anyone's, not planned). One query."""
    open_engagement = Engagement.objects.open().filter(site=OuterRef("pk")).order_by("-start_date")
    next_milestone = Milestone.objects.open().filter(
        engagement__site=OuterRef("pk"), engagement__status__in=["planned", "active"]
    )
    next_milestone = next_milestone.order_by("due_date", "pk")
    sites = list(
        Site.objects.assigned_to(user, on=today)
        .annotate(
            phase=Subquery(open_engagement.values("phase")[:1]),
            phase_start=Subquery(open_engagement.values("start_date")[:1]),
            phase_planned_end=Subquery(open_engagement.values("planned_end")[:1]),
            next_milestone_title=Subquery(next_milestone.values("title")[:1]),
            next_milestone_due=Subquery(next_milestone.values("due_date")[:1]),
            last_visit=Max(
                "visits__start_date",
                filter=Q(visits__start_date__lte=today) & ~Q(visits__status=VisitStatus.PLANNED),
            ),
        )
        .order_by("name")
    )
    for site in sites:
        site.progress = phase_progress(
            start=site.phase_start, planned_end=site.phase_planned_end, today=today
        )
        site.days_since_last_visit = (today - site.last_visit).days if site.last_visit else None
    return sites


def liaison_open_visits(*, user: User) -> list[SiteVisit]:
    """The liaison's drafts and planned visits, the ones needing a write-up first."""
    return list(
        SiteVisit.objects.visible_to(user)
        .filter(liaison__user=user, status__in=[VisitStatus.PLANNED, VisitStatus.DRAFT])
        .select_related("site")
        .order_by("start_date", "pk")
    )


def liaison_open_action_items(*, user: User) -> list[ActionItem]:
    """Open next steps the liaison owns or logged, soonest due first (undated last)."""
    return list(
        ActionItem.objects.visible_to(user)
        .open()
        .filter(Q(owner=user) | Q(visit__liaison__user=user))
        .select_related("visit__site")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )
