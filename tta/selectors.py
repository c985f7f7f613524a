"""Reads of TTA requests that join, annotate or aggregate (DESIGN.md §4).

Every read starts from `visible_to(user)`.
"""

from __future__ import annotations

import datetime
from itertools import chain
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from psp.accounts.roles import Role, roles_of
from psp.businessdays import add_business_days, earliest_start_within_target
from sites.models import Site
from tta.models import (
    SummitAttendance,
    SummitSession,
    TrainingSummit,
    TTADelivery,
    TTARequest,
    TTATransition,
)
from tta.transitions import TRIAGE_STATUSES

if TYPE_CHECKING:
    from psp.accounts.models import User


def sites_requestable_by(*, user: User, today: datetime.date) -> QuerySet[Site]:
    """Sites the user may file a TTA request for: a site contact's own site, a liaison's
    current sites."""
    roles = roles_of(user)
    reach = Q(pk__in=[])
    if Role.SITE_CONTACT in roles:
        reach |= Q(pk__in=Site.objects.of_contact(user).values("pk"))
    if Role.LIAISON in roles:
        reach |= Q(pk__in=Site.objects.assigned_to(user, on=today).values("pk"))
    return Site.objects.filter(reach)


def triage_target_days() -> int:
    return settings.PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS


def triage_due_date(*, submitted_on: datetime.date) -> datetime.date:
    """The last day a request submitted on `submitted_on` may wait for triage."""
    return add_business_days(submitted_on, triage_target_days())


def triage_overdue_q(*, today: datetime.date) -> Q:
    """Requests still in triage that were submitted before the target allows (as a filter)."""
    cutoff = earliest_start_within_target(days=triage_target_days(), today=today)
    start_of_cutoff = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    return Q(status__in=TRIAGE_STATUSES, created_at__lt=start_of_cutoff)


def tta_request_list(*, user: User, today: datetime.date | None = None) -> QuerySet[TTARequest]:
    """The requests the user may see, ready for a list: related rows joined, and each one
    annotated with `overdue_triage` (past the triage target)."""
    today = today or timezone.localdate()
    return (
        TTARequest.objects.visible_to(user)
        .select_related("site", "core_area", "provider", "requested_by")
        .annotate(
            overdue_triage=ExpressionWrapper(
                triage_overdue_q(today=today), output_field=BooleanField()
            )
        )
    )


def tta_request_detail(*, user: User, pk: int) -> TTARequest:
    """One visible request with its timeline rows prefetched; 404 if not visible."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        tta_request_list(user=user).prefetch_related(
            Prefetch("transitions", queryset=TTATransition.objects.select_related("actor")),
            Prefetch(
                "deliveries",
                queryset=TTADelivery.objects.select_related("host_site", "recorded_by"),
            ),
        ),
        pk=pk,
    )


def tta_request_timeline(*, request: TTARequest) -> list[dict]:
    """Transitions and deliveries of a prefetched request, oldest first, as one list."""
    entries = chain(
        (
            {"kind": "transition", "at": t.at, "item": t}
            for t in request.transitions.all()  # prefetched
        ),
        (
            {
                "kind": "delivery",
                "at": timezone.make_aware(datetime.datetime.combine(d.date, datetime.time.max)),
                "item": d,
            }
            for d in request.deliveries.all()  # prefetched
        ),
    )
    return sorted(entries, key=lambda e: e["at"])


def tta_request_related(*, user: User, request: TTARequest) -> QuerySet[TTARequest]:
    """The site's other requests in the same core area that the user may see."""
    return (
        TTARequest.objects.visible_to(user)
        .filter(site_id=request.site_id, core_area_id=request.core_area_id)
        .exclude(pk=request.pk)
        .order_by("-created_at")
    )


def provider_workload(*, user: User) -> QuerySet[TTARequest]:
    """Requests assigned to the user's organization(s), with delivery totals."""
    return (
        TTARequest.objects.visible_to(user)
        .filter(provider__staff=user)
        .select_related("site", "core_area", "provider")
        .annotate(
            delivery_count=Count("deliveries"),
            hours_delivered=Sum("deliveries__hours"),
        )
        .order_by("needed_by", "created_at")
    )


def summit_detail(*, user: User, year: int) -> TrainingSummit:
    """A summit with its sessions and the attendance the user may see; 404 if not visible."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        TrainingSummit.objects.visible_to(user).prefetch_related(
            Prefetch(
                "sessions",
                queryset=SummitSession.objects.select_related("core_area"),
            ),
            Prefetch(
                "attendance",
                queryset=SummitAttendance.objects.visible_to(user).select_related("site"),
                to_attr="visible_attendance",
            ),
        ),
        year=year,
    )


def summit_list(*, user: User) -> QuerySet[TrainingSummit]:
    """Summits with how many sessions they had (one query; no join fan-out)."""
    sessions = (
        SummitSession.objects.filter(summit=OuterRef("pk"))
        .values("summit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return TrainingSummit.objects.visible_to(user).annotate(
        session_count=Coalesce(Subquery(sessions), 0)
    )
