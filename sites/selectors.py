"""Reads of sites that join across engagements (DESIGN.md §4)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from sites.models import Engagement, Site

if TYPE_CHECKING:
    from psp.accounts.models import User


def site_list_for(*, user: User, current_dates: bool = True) -> QuerySet[Site]:
    """Sites the user may see, each annotated with its latest engagement's phase and status
    (`current_phase`, `current_status`) and, unless `current_dates` is false, its start and
    planned end (`current_start`, `current_planned_end`; the API does not show them, and each
    is one more correlated subquery to build and run)."""
    columns = _current_engagement_columns()
    if not current_dates:
        columns = {name: columns[name] for name in ("current_phase", "current_status")}
    return Site.objects.visible_to(user).annotate(**columns)


@functools.cache
def _current_engagement_columns() -> dict[str, Subquery]:
    """The latest engagement's columns as subqueries, built once: `annotate` resolves a copy
    of each (building them was a tenth of an API sites page: docs/benchmarks.md)."""
    latest = Engagement.objects.filter(site=OuterRef("pk")).order_by("-start_date", "-pk")
    return {
        "current_phase": Subquery(latest.values("phase")[:1]),
        "current_status": Subquery(latest.values("status")[:1]),
        "current_start": Subquery(latest.values("start_date")[:1]),
        "current_planned_end": Subquery(latest.values("planned_end")[:1]),
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
