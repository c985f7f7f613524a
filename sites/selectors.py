"""Reads of sites that join across engagements (DESIGN.md §4)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from psp.db import built_once
from sites.models import Engagement, Site

if TYPE_CHECKING:
    from psp.accounts.models import User


def site_list_for(*, user: User, current_dates: bool = True) -> QuerySet[Site]:
    """Sites the user may see, each annotated with its latest engagement's phase and status
    (`current_phase`, `current_status`) and, unless `current_dates` is false, its start and
    planned end (`current_start`, `current_planned_end`; the API does not show them, and each
    is one more correlated subquery to build and run).

    The annotated query is built once per visibility (psp.db.built_once): resolving the
    subqueries into it was a tenth of an API sites page (docs/benchmarks.md)."""
    build = _with_current_engagement_dates if current_dates else _with_current_engagement
    return built_once(Site.objects.visible_to(user), build)


def _with_current_engagement(sites: QuerySet[Site]) -> QuerySet[Site]:
    columns = _current_engagement_columns()
    return sites.annotate(current_phase=columns["phase"], current_status=columns["status"])


def _with_current_engagement_dates(sites: QuerySet[Site]) -> QuerySet[Site]:
    columns = _current_engagement_columns()
    return _with_current_engagement(sites).annotate(
        current_start=columns["start_date"], current_planned_end=columns["planned_end"]
    )


@functools.cache
def _current_engagement_columns() -> dict[str, Subquery]:
    """The latest engagement's columns as subqueries, built once: `annotate` resolves a copy
    of each."""
    latest = Engagement.objects.filter(site=OuterRef("pk")).order_by("-start_date", "-pk")
    return {
        name: Subquery(latest.values(name)[:1])
        for name in ("phase", "status", "start_date", "planned_end")
    }


def site_detail_for(*, user: User, slug: str) -> Site:
    """One visible site with its engagements, milestones and contacts; 404 if not visible."""
    from django.shortcuts import get_object_or_404

    engagements = Engagement.objects.visible_to(user).prefetch_related("milestones")
    return get_object_or_404(
        Site.objects.visible_to(user).prefetch_related(
            Prefetch("engagements", queryset=engagements), "contacts", "federal_partners"
        ),
        slug=slug,
    )
