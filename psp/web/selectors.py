"""Reads for pages that bring several apps together (the site page and its history).

They sit at the top of the import order (DESIGN.md §4), beside `psp.urls`, because a site's
page shows liaisons' assignments and visits and TTA requests, which live in apps above `sites`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from liaisons.models import Assignment, SiteVisit
from liaisons.selectors import phase_progress, sees_internal_notes
from psp.accounts.roles import Role, roles_of
from sites.models import Engagement, FederalPartner, Milestone, Site, SiteContact
from tta.models import TTARequest

if TYPE_CHECKING:
    from psp.accounts.models import User

VISITS_ON_SITE_PAGE = 20
HISTORY_ROWS = 100


@dataclass
class SitePage:
    site: Site
    engagements: list[Engagement]
    current: Engagement | None
    assignments: list[Assignment]
    visits: list[SiteVisit]
    more_visits: bool
    tta_requests: list[TTARequest]
    contacts: list[SiteContact]
    federal_partners: list[FederalPartner]
    can_complete_milestones: bool
    can_log_visit: bool
    show_internal: bool
    show_history_tab: bool


def site_page_for(*, user: User, slug: str, today: datetime.date) -> SitePage:
    """Everything the site page shows, each part from its own `visible_to(user)`; 404 when the
    site is not visible. A fixed number of queries whatever the number of rows."""
    site = get_object_or_404(Site.objects.visible_to(user), slug=slug)
    engagements = list(
        Engagement.objects.visible_to(user)
        .filter(site=site)
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.select_related("completed_by"))
        )
        .order_by("-start_date", "-pk")
    )
    current = next((e for e in engagements if e.is_open), None)
    if current is not None:
        current.progress = phase_progress(
            start=current.start_date, planned_end=current.planned_end, today=today
        )
    visits = list(
        SiteVisit.objects.visible_to(user)
        .filter(site=site)
        .select_related("liaison__user")
        .prefetch_related("core_areas")
        .defer("internal_notes")[: VISITS_ON_SITE_PAGE + 1]
    )
    roles = roles_of(user)
    assigned_now = (
        Role.LIAISON in roles
        and Site.objects.assigned_to(user, on=today).filter(pk=site.pk).exists()
    )
    return SitePage(
        site=site,
        engagements=engagements,
        current=current,
        assignments=list(
            Assignment.objects.visible_to(user)
            .filter(engagement__site=site)
            .select_related("liaison__user", "engagement")
            .order_by("-start_date", "-pk")
        ),
        visits=visits[:VISITS_ON_SITE_PAGE],
        more_visits=len(visits) > VISITS_ON_SITE_PAGE,
        tta_requests=list(
            TTARequest.objects.visible_to(user)
            .filter(site=site)
            .select_related("core_area", "provider")
        ),
        contacts=list(SiteContact.objects.visible_to(user).filter(site=site)),
        federal_partners=list(FederalPartner.objects.visible_to(user).filter(site=site)),
        can_complete_milestones=current is not None and (Role.COORDINATOR in roles or assigned_now),
        can_log_visit=assigned_now,
        show_internal=sees_internal_notes(user),
        # The history covers the people and plans of a site: for those who work on it.
        show_history_tab=bool(
            roles & {Role.COORDINATOR, Role.INTEGRATION, Role.LIAISON, Role.SITE_CONTACT}
        ),
    )


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: Any
    kind: str
    subject: str
    action: str
    changes: list[str]
    order: int = 0


# What the history tab covers, each read from a queryset the user may see.
_HISTORY_SOURCES = [
    ("Site", Site, "pk", lambda user: Site.objects.working_on_by(user)),
    ("Engagement", Engagement, "site_id", lambda user: Engagement.objects.visible_to(user)),
    (
        "Milestone",
        Milestone,
        "engagement__site_id",
        lambda user: Milestone.objects.visible_to(user),
    ),
    (
        "Liaison assignment",
        Assignment,
        "engagement__site_id",
        lambda user: Assignment.objects.visible_to(user),
    ),
    ("Contact", SiteContact, "site_id", lambda user: SiteContact.objects.visible_to(user)),
    (
        "Federal partner",
        FederalPartner,
        "site_id",
        lambda user: FederalPartner.objects.visible_to(user),
    ),
]
_SKIPPED_FIELDS = {"updated_at", "created_at", "version"}
_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def site_history_for(*, user: User, site: Site) -> list[HistoryEntry]:
    """Who changed what at a site, newest first, from django-simple-history.

    One query per kind of record (history rows with their authors); changed fields are found by
    comparing each history row with the one before it for the same object, in Python.
    """
    entries: list[HistoryEntry] = []
    for kind, model, site_path, visible in _HISTORY_SOURCES:
        visible_ids = visible(user).filter(**{site_path: site.pk}).values("pk")
        rows = list(
            model.history.filter(id__in=visible_ids)
            .select_related("history_user")
            .order_by("id", "history_date", "history_id")
        )
        fields = [
            f.attname for f in model._meta.concrete_fields if f.attname not in _SKIPPED_FIELDS
        ]
        for before, after in pairwise([None, *rows]):
            if before is not None and before.id != after.id:
                before = None
            changes = []
            if before is not None and after.history_type == "~":
                for name in fields:
                    old, new = getattr(before, name), getattr(after, name)
                    if old != new:
                        label = model._meta.get_field(name.removesuffix("_id")).verbose_name
                        changes.append(f"{label}: {_show(old)} → {_show(new)}")
            entries.append(
                HistoryEntry(
                    when=after.history_date,
                    who=after.history_user,
                    kind=kind,
                    subject=_subject(after, model),
                    action=_ACTIONS.get(after.history_type, after.history_type),
                    changes=changes,
                    order=after.history_id,
                )
            )
    entries.sort(key=lambda e: (e.when, e.order), reverse=True)
    return entries[:HISTORY_ROWS]


def _show(value: Any) -> str:
    if value in (None, ""):
        return "—"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _subject(row: Any, model: type) -> str:
    for name in ("title", "name", "agency"):
        if hasattr(row, name) and getattr(row, name):
            return str(getattr(row, name))
    if model is Engagement:
        return f"{row.get_phase_display()} ({row.start_date:%b %Y})"
    if model is Assignment:
        return f"{row.get_role_display()} from {row.start_date:%-d %b %Y}"
    return str(row.id)
