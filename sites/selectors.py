"""Reads of sites that join across engagements (DESIGN.md §4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from sites.models import Engagement, Site

if TYPE_CHECKING:
    from psp.accounts.models import User


def site_list_for(*, user: User) -> QuerySet[Site]:
    """Sites the user may see, each annotated with its latest engagement's phase and status."""
    latest = Engagement.objects.filter(site=OuterRef("pk")).order_by("-start_date", "-pk")
    return Site.objects.visible_to(user).annotate(
        current_phase=Subquery(latest.values("phase")[:1]),
        current_status=Subquery(latest.values("status")[:1]),
        current_start=Subquery(latest.values("start_date")[:1]),
        current_planned_end=Subquery(latest.values("planned_end")[:1]),
    )


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
