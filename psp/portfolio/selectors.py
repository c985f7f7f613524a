"""Site status: where each site stands, computed for many sites in a fixed number of queries.

The API (`/api/v1/sites/{slug}/status/`, `/api/v1/site-status/`) and the portfolio dashboard
read the same `SiteStatus`. Weights and thresholds of the at-risk score are in
`settings.PSP_AT_RISK` (docs/site-status.md).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone

from liaisons.choices import AssignmentRole, VisitStatus
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.models import User
from psp.businessdays import past_business_day_target
from psp.db import CompiledQuery, IntCount, concrete_attnames, instances_from_rows
from psp.portfolio.models import SiteStatusRow
from sites.choices import OPEN_ENGAGEMENT_STATUSES, EngagementStatus, Phase
from sites.models import CoreArea, Engagement, Milestone, Site, sees_whole_portfolio
from tta.choices import OPEN_REQUEST_STATUSES, DeliveryMode
from tta.models import OpenRequestTally, TrainingSummit, TTADelivery, TTARequest
from tta.selectors import triage_target_days
from tta.transitions import TRIAGE_STATUSES


@dataclass(frozen=True)
class NextMilestone:
    title: str
    due_date: datetime.date


# Not frozen: the status feed builds some 90,000 of these at scale 10, and a frozen
# dataclass's __init__ costs three times as much (nothing changes them after building).
@dataclass(slots=True)
class OpenRequestCount:
    core_area_code: str
    core_area_name: str
    status: str
    count: int


@dataclass
class SiteStatus:
    site: Site
    as_of: datetime.date
    engagement: Engagement | None = None
    percent_elapsed: int | None = None
    current_liaison: Liaison | None = None
    milestones_done: int = 0
    milestones_open: int = 0
    milestones_overdue: int = 0
    next_milestone: NextMilestone | None = None
    last_visit_date: datetime.date | None = None
    open_requests: list[OpenRequestCount] = field(default_factory=list)
    oldest_untriaged_request_on: datetime.date | None = None
    risk_score: int = 0
    risk_reasons: list[str] = field(default_factory=list)

    @property
    def days_since_last_visit(self) -> int | None:
        if self.last_visit_date is None:
            return None
        return (self.as_of - self.last_visit_date).days

    @property
    def open_requests_total(self) -> int:
        return sum(row.count for row in self.open_requests)

    @property
    def at_risk(self) -> bool:
        return self.risk_score >= settings.PSP_AT_RISK["threshold"]


def site_status_queryset(*, user: User) -> QuerySet[Site]:
    """Sites whose status the user may read: those whose engagements they may see
    (`working_on_by`). TTA provider staff see a site's name only, never its status."""
    if sees_whole_portfolio(user):
        # Every site: no semi-join of the sites with themselves, which the status feed would
        # otherwise pay on every page (its cost grew with the number of sites).
        return Site.objects.all()
    working_on = Site.objects.working_on_by(user).values("pk")
    return Site.objects.visible_to(user).filter(pk__in=working_on)


def site_status_get(*, site: Site, today: datetime.date) -> SiteStatus:
    return site_status_list(Site.objects.filter(pk=site.pk), today=today)[0]


def site_status_get_for(*, user: User, slug: str, today: datetime.date) -> SiteStatus:
    """The status of one site the user may read; 404 otherwise. The site is read once, with
    what its status needs."""
    statuses = site_status_list(site_status_queryset(user=user).filter(slug=slug), today=today)
    if not statuses:
        raise Http404("No site with that slug is visible to you.")
    return statuses[0]


def site_status_list(queryset: QuerySet[Site], *, today: datetime.date) -> list[SiteStatus]:
    """The status of every site in `queryset` (kept in its order), in five queries whatever
    the number of sites: the sites with their current engagement and last visit, those
    engagements with milestone counts and primary liaison, the liaisons, open TTA requests
    grouped by site, core area and status, and the core areas that name them."""
    return site_status_build(list(site_status_annotate(queryset, today=today)), today=today)


def site_status_annotate(queryset: QuerySet[Site], *, today: datetime.date) -> QuerySet[Site]:
    """Add what `site_status_build` needs from the sites query itself (for callers that
    paginate the queryset before building)."""
    current_engagement = Engagement.objects.filter(site=OuterRef("pk")).order_by(
        Case(
            When(status__in=OPEN_ENGAGEMENT_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-start_date",
        "-pk",
    )
    last_visit = SiteVisit.objects.filter(
        site=OuterRef("pk"), status=VisitStatus.SUBMITTED, start_date__lte=today
    ).order_by("-start_date")
    return queryset.annotate(
        current_engagement_id=Subquery(current_engagement.values("pk")[:1]),
        last_visit_date=Subquery(last_visit.values("start_date")[:1]),
    )


def site_status_build(sites: list[Site], *, today: datetime.date) -> list[SiteStatus]:
    """Statuses of sites from `site_status_annotate`, in four more queries."""
    statuses = [
        SiteStatus(site=site, as_of=today, last_visit_date=site.last_visit_date) for site in sites
    ]
    if not sites:
        return statuses

    engagements = _engagements_with_counts(
        [s.current_engagement_id for s in sites if s.current_engagement_id], today=today
    )
    liaisons = _liaisons_with_users(
        {e.primary_liaison_id for e in engagements.values() if e.primary_liaison_id}
    )
    requests = _open_requests_by_site([s.pk for s in sites])

    for status in statuses:
        engagement = engagements.get(status.site.current_engagement_id)
        if engagement is not None:
            status.engagement = engagement
            status.percent_elapsed = _percent_elapsed(engagement, today)
            status.current_liaison = liaisons.get(engagement.primary_liaison_id)
            status.milestones_done = engagement.milestones_done
            status.milestones_open = engagement.milestones_open
            status.milestones_overdue = engagement.milestones_overdue
            if engagement.next_due_date is not None:
                status.next_milestone = NextMilestone(
                    engagement.next_due_title, engagement.next_due_date
                )
        status.open_requests, status.oldest_untriaged_request_on = requests.get(
            status.site.pk, ([], None)
        )
        status.risk_score, status.risk_reasons = _risk(status)
    return statuses


ENGAGEMENT_COUNTS = (
    "milestones_done",
    "milestones_open",
    "milestones_overdue",
    "next_due_date",
    "next_due_title",
    "primary_liaison_id",
)


@functools.lru_cache(maxsize=2)
def _engagements_read(today: datetime.date) -> CompiledQuery:
    """The engagements with their milestone counts, next milestone and primary liaison on
    `today` (a constant of the SQL, so one read per day). A status feed page asks for it with
    every page of sites: compiled once per connection and number of engagements instead of
    built by the ORM each time (a tenth of a page, make bench)."""
    next_due = Milestone.objects.filter(
        engagement=OuterRef("pk"), completed_on__isnull=True, due_date__gte=today
    ).order_by("due_date", "pk")
    primary = Assignment.objects.filter(
        engagement=OuterRef("pk"), role=AssignmentRole.PRIMARY
    ).current(on=today)
    annotated = Engagement.objects.order_by().annotate(
        milestones_done=Count("milestones", filter=Q(milestones__completed_on__isnull=False)),
        milestones_open=Count("milestones", filter=Q(milestones__completed_on__isnull=True)),
        milestones_overdue=Count(
            "milestones",
            filter=Q(milestones__completed_on__isnull=True, milestones__due_date__lt=today),
        ),
        next_due_date=Subquery(next_due.values("due_date")[:1]),
        next_due_title=Subquery(next_due.values("title")[:1]),
        primary_liaison_id=Subquery(primary.values("liaison_id")[:1]),
    )
    return CompiledQuery(
        lambda *ids: annotated.filter(pk__in=ids).values_list(
            *concrete_attnames(Engagement), *ENGAGEMENT_COUNTS
        ),
        parameters=None,
        kind=int,
    )


def _engagements_with_counts(ids: list[int], *, today: datetime.date) -> dict[int, Engagement]:
    rows = _engagements_read(today).rows(*ids)
    return {e.pk: e for e in instances_from_rows(Engagement, rows, ENGAGEMENT_COUNTS)}


# The primary liaisons of a page of statuses, with their users (as select_related reads them).
_LIAISONS_WITH_USERS = CompiledQuery(
    lambda *ids: (
        Liaison.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            *concrete_attnames(Liaison), *(f"user__{name}" for name in concrete_attnames(User))
        )
    ),
    parameters=None,
    kind=int,
)


def _liaisons_with_users(ids) -> dict[int, Liaison]:
    rows = _LIAISONS_WITH_USERS.rows(*sorted(ids))
    width = len(concrete_attnames(Liaison))
    liaisons = instances_from_rows(Liaison, [row[:width] for row in rows])
    users = instances_from_rows(User, [row[width:] for row in rows])
    for liaison, user in zip(liaisons, users, strict=True):
        # Only liaison -> user: assigning `liaison.user` would also cache user -> liaison, a
        # reference cycle left for the garbage collector.
        Liaison.user.field.set_cached_value(liaison, user)
    return {liaison.pk: liaison for liaison in liaisons}


class _Area(NamedTuple):
    code: str
    name: str
    order: int


# Every status and the dashboard read these few rows; compiled once per connection.
_CORE_AREAS = CompiledQuery(
    lambda: CoreArea.objects.order_by().values_list("pk", "code", "name", "order"), parameters=0
)


def _core_areas() -> dict[int, _Area]:
    return {pk: _Area(*area) for pk, *area in _CORE_AREAS.rows()}


def _area_order(area: _Area) -> tuple[int, str]:
    """The order core areas are listed in everywhere (the pipeline, a site's open requests)."""
    return (area.order, area.code)


# A page of the status feed reads this for every page of sites: compiled once per number of
# sites, not built and compiled by the ORM each time (a tenth of a feed page, make bench).
_OPEN_REQUESTS_OF_SITES = CompiledQuery(
    lambda *site_ids: (
        TTARequest.objects.filter(site_id__in=site_ids, status__in=OPEN_REQUEST_STATUSES)
        .values("site_id", "core_area_id", "status")
        .annotate(count=IntCount("pk"), oldest=Min("created_at"))
        .order_by()
        .values_list("site_id", "core_area_id", "status", "count", "oldest")
    ),
    parameters=None,
    kind=int,
)


def _open_requests_by_site(
    site_ids: list[int],
) -> dict[int, tuple[list[OpenRequestCount], datetime.date | None]]:
    # Grouped by ids, then named from the (few) core areas: grouping by the joined code and
    # name cost a third of a status feed page (make bench).
    rows = _OPEN_REQUESTS_OF_SITES.rows(*site_ids)
    areas = _core_areas()
    counts: dict[int, list[OpenRequestCount]] = defaultdict(list)
    # The earliest moment per site; its local date is the earliest local date (a time zone
    # keeps the order of moments), so only one per site is converted.
    oldest: dict[int, datetime.datetime] = {}
    for site_id, area_id, status, count, first in rows:
        area = areas[area_id]
        counts[site_id].append(OpenRequestCount(area.code, area.name, status, count))
        if status in TRIAGE_STATUSES and (site_id not in oldest or first < oldest[site_id]):
            oldest[site_id] = first
    order = {area.code: _area_order(area) for area in areas.values()}
    for site_counts in counts.values():
        site_counts.sort(key=lambda row: (order[row.core_area_code], row.status))
    return {
        site_id: (
            site_counts,
            timezone.localdate(oldest[site_id]) if site_id in oldest else None,
        )
        for site_id, site_counts in counts.items()
    }


def _percent_elapsed(engagement: Engagement, today: datetime.date) -> int:
    """How far through its planned span the engagement is, 0 to 100 (100 once it has ended)."""
    end = engagement.actual_end or engagement.planned_end
    if engagement.actual_end is not None or today >= end:
        return 100
    if today <= engagement.start_date:
        return 0
    span = (end - engagement.start_date).days
    return round(100 * (today - engagement.start_date).days / span) if span else 100


def _risk(status: SiteStatus) -> tuple[int, list[str]]:
    """Points and the reasons for them, in words. Only an active engagement can be at risk."""
    engagement = status.engagement
    if engagement is None or engagement.status != EngagementStatus.ACTIVE:
        return 0, []
    rules = settings.PSP_AT_RISK
    score, reasons = 0, []
    if engagement.phase == Phase.OPERATIONS and status.current_liaison is None:
        score += rules["no_liaison_points"]
        reasons.append("no primary liaison assigned")
    if status.last_visit_date is not None:
        if status.days_since_last_visit > rules["visit_gap_days"]:
            score += rules["visit_gap_points"]
            reasons.append(f"no visit in {status.days_since_last_visit} days")
    else:
        days_active = (status.as_of - engagement.start_date).days
        if days_active > rules["visit_gap_days"]:
            score += rules["visit_gap_points"]
            reasons.append(f"no visit since the engagement started {days_active} days ago")
    if status.milestones_overdue:
        score += min(
            rules["overdue_milestone_points"] * status.milestones_overdue,
            rules["overdue_milestone_points_max"],
        )
        n = status.milestones_overdue
        reasons.append(f"{n} milestone{'s' if n != 1 else ''} overdue")
    # The TTA queue's own rule: waiting in triage past the business-day target.
    if status.oldest_untriaged_request_on is not None and past_business_day_target(
        since=status.oldest_untriaged_request_on, days=triage_target_days(), today=status.as_of
    ):
        waiting = (status.as_of - status.oldest_untriaged_request_on).days
        score += rules["triage_wait_points"]
        reasons.append(f"TTA request waiting {waiting} days for triage")
    return score, reasons


# --- Stored status rows ---------------------------------------------------------------------
# The dashboard ranks every active site by its at-risk score; rebuilding thousands of statuses
# on each view grew with the portfolio (make bench), so it reads `SiteStatusRow`s instead.

# Bump when the rules above change how a status is computed (`_risk`, the current engagement,
# the last visit): every stored row then counts as stale and is rebuilt on the next read.
STATUS_ROWS_FORMAT = 1


def status_rules_key() -> str:
    """What a stored row depends on besides its site's rows and the day: the at-risk rules, the
    triage target and the "due soon" window in settings, and the code's STATUS_ROWS_FORMAT."""
    rules = json.dumps(
        [
            settings.PSP_AT_RISK,
            triage_target_days(),
            settings.PSP_DASHBOARD_DUE_SOON_DAYS,
            STATUS_ROWS_FORMAT,
        ],
        sort_keys=True,
    )
    return hashlib.sha256(rules.encode()).hexdigest()[:16]


def of_sites(queryset: QuerySet, site_field: str, site_ids) -> QuerySet:
    """`queryset` narrowed to rows of the sites `site_ids` (ids or a subquery); None stands for
    every site, and narrows nothing (no semi-join with the whole sites table)."""
    return queryset if site_ids is None else queryset.filter(**{f"{site_field}__in": site_ids})


def open_milestones(site_ids) -> QuerySet[Milestone]:
    """Open milestones of the open engagements of the sites: the ones the dashboard counts."""
    return of_sites(
        Milestone.objects.filter(
            engagement__status__in=OPEN_ENGAGEMENT_STATUSES, completed_on__isnull=True
        ),
        "engagement__site",
        site_ids,
    )


def due_soon_until(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=settings.PSP_DASHBOARD_DUE_SOON_DAYS)


def open_milestone_counts(site_ids: list[int], *, today: datetime.date) -> dict[int, dict]:
    rows = (
        open_milestones(site_ids)
        .values("engagement__site")
        .annotate(
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due_soon=Count(
                "pk", filter=Q(due_date__gte=today, due_date__lte=due_soon_until(today))
            ),
        )
        .order_by()
    )
    return {row["engagement__site"]: row for row in rows}


# --- The portfolio dashboard ------------------------------------------------------------------

MILESTONE_ROWS = 50  # the dashboard lists at most this many overdue or due-soon milestones
# ... and at most this many at-risk sites, sites without a recent visit and liaisons (with the
# totals): a page that grows with the portfolio gets slower with it (make bench).
LIST_ROWS = 50
AGING_BUCKETS = [(0, 30), (31, 90), (91, None)]  # days since a request was submitted
WORKLOAD_VISIT_DAYS = 90


@dataclass(frozen=True)
class CountRow:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class PhaseStatusRow:
    phase: str
    phase_label: str
    status: str
    status_label: str
    count: int


@dataclass
class PipelineRow:
    core_area_code: str
    core_area_name: str
    by_status: dict[str, int] = field(default_factory=dict)
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGING_BUCKETS))
    oldest_days: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def status_counts(self) -> list[int]:
        return [self.by_status.get(status, 0) for status in OPEN_REQUEST_STATUSES]


@dataclass(frozen=True)
class WorkloadRow:
    liaison: Liaison
    primary_sites: int
    backup_sites: int
    recent_visits: int
    visits_to_write_up: int


@dataclass
class PortfolioDashboard:
    today: datetime.date
    sites_total: int
    by_phase_status: list[PhaseStatusRow]
    by_cohort: list[CountRow]
    at_risk: list[SiteStatusRow]
    at_risk_total: int
    milestones_overdue: int
    milestones_due_soon: int
    milestones: list[Milestone]
    pipeline: list[PipelineRow]
    pipeline_statuses: list[tuple[str, str]]
    cadence_days: int
    no_recent_visit: list[SiteStatusRow]
    no_recent_visit_total: int
    workload: list[WorkloadRow]
    workload_total: int

    @property
    def pipeline_totals(self) -> list[int]:
        statuses = [value for value, _ in self.pipeline_statuses]
        return [sum(row.by_status.get(status, 0) for row in self.pipeline) for status in statuses]

    @property
    def pipeline_total(self) -> int:
        return sum(row.total for row in self.pipeline)

    @property
    def aging_labels(self) -> list[str]:
        return [
            f"{low} to {high} days" if high is not None else f"over {low - 1} days"
            for low, high in AGING_BUCKETS
        ]


def dashboard_portfolio(
    *, sites: QuerySet[Site], today: datetime.date, core_area: str | None = None
) -> PortfolioDashboard:
    """Every widget of the portfolio dashboard for the (filtered) `sites` of
    `site_status_queryset`, whose stored status rows `site_status_rows_refresh` has made
    current, aggregated in SQL from their stored status rows where a widget counts
    sites: thirteen queries whatever the number of sites — phase and status, cohorts, milestone
    counts, at-risk sites and their count, sites without a recent visit and their count,
    milestone rows, the TTA pipeline (counts, core areas), liaison workload (assignments, then
    the visits and the liaisons listed). `core_area` (a code) narrows the TTA pipeline to that
    area; the site filter has already narrowed the sites."""
    # Unfiltered, a coordinator's sites are every site: each widget then reads its rows without
    # a semi-join against the whole sites table (a fifth of the TTA pipeline's time).
    site_ids = sites.order_by().values("pk") if sites.query.has_filters() else None
    rows = of_sites(SiteStatusRow.objects.all(), "site", site_ids)
    phase_labels, status_labels = dict(Phase.choices), dict(EngagementStatus.choices)

    by_phase_status = [
        PhaseStatusRow(
            row["phase"],
            phase_labels.get(row["phase"], "No engagement"),
            row["engagement_status"],
            status_labels.get(row["engagement_status"], "No engagement"),
            row["count"],
        )
        for row in rows.values("phase", "engagement_status")
        .annotate(count=Count("pk"))
        .order_by("phase", "engagement_status")
    ]
    by_cohort = [
        CountRow(str(row["cohort_year"] or ""), str(row["cohort_year"] or "None"), row["count"])
        for row in sites.order_by()
        .values("cohort_year")
        .annotate(count=Count("pk"))
        .order_by("cohort_year")
    ]
    milestone_counts = rows.aggregate(
        overdue=Coalesce(Sum("milestones_overdue"), 0),
        due_soon=Coalesce(Sum("milestones_due_soon"), 0),
    )

    active = rows.filter(engagement_status=EngagementStatus.ACTIVE)
    at_risk = active.filter(risk_score__gte=settings.PSP_AT_RISK["threshold"])
    cadence_days = settings.PSP_VISIT_CADENCE_DAYS
    no_recent_visit = active.filter(
        Q(last_visit_date__isnull=True)
        | Q(last_visit_date__lt=today - datetime.timedelta(days=cadence_days))
    )

    milestones = list(
        open_milestones(site_ids)
        .filter(due_date__lte=due_soon_until(today))
        .select_related("engagement__site")
        .order_by("due_date", "engagement__site__name", "pk")[:MILESTONE_ROWS]
    )
    workload, workload_total = _workload(site_ids, today=today)
    return PortfolioDashboard(
        today=today,
        sites_total=sum(row.count for row in by_cohort),
        by_phase_status=by_phase_status,
        by_cohort=by_cohort,
        at_risk=_first_rows(at_risk, "-risk_score", "site__name", "site_id"),
        at_risk_total=at_risk.count(),
        milestones_overdue=milestone_counts["overdue"],
        milestones_due_soon=milestone_counts["due_soon"],
        milestones=milestones,
        pipeline=_pipeline(site_ids, today=today, core_area=core_area),
        pipeline_statuses=[(s.value, s.label) for s in OPEN_REQUEST_STATUSES],
        cadence_days=cadence_days,
        no_recent_visit=_first_rows(
            no_recent_visit,
            F("last_visit_date").asc(nulls_first=True),
            "site__name",
            "site_id",
        ),
        no_recent_visit_total=no_recent_visit.count(),
        workload=workload,
        workload_total=workload_total,
    )


def _first_rows(rows: QuerySet[SiteStatusRow], *order) -> list[SiteStatusRow]:
    """The first LIST_ROWS of `rows` in `order`, with what the dashboard's lists show. The
    rows are chosen first, joined only with the sites (for their names), and only those are
    joined with their engagements and liaisons: joining all of them first read every
    engagement (20,000 at scale 10) to list fifty (make bench: 12 ms -> 5 ms)."""
    first = rows.order_by(*order).values("pk")[:LIST_ROWS]
    return list(
        SiteStatusRow.objects.filter(pk__in=first)
        .select_related("site", "engagement", "current_liaison__user")
        .order_by(*order)
    )


def _pipeline(site_ids, *, today: datetime.date, core_area: str | None) -> list[PipelineRow]:
    """Open TTA requests by core area and status, with how long they have been open. For the
    whole portfolio, summed from the open-request tallies (one row per area, status and day
    submitted, kept by the TTA services): a few thousand rows instead of every open request.
    For some sites, counted from their requests by the same day."""
    if site_ids is None:
        rows = OpenRequestTally.objects.filter(count__gt=0)
    else:  # each request a tally of one
        rows = of_sites(
            TTARequest.objects.filter(status__in=OPEN_REQUEST_STATUSES), "site", site_ids
        ).annotate(submitted_on=TruncDate("created_at"), count=Value(1))
    if core_area:
        rows = rows.filter(core_area__code=core_area)
    age_counts = {}
    for index, (low, high) in enumerate(AGING_BUCKETS):
        window = Q(submitted_on__lte=today - datetime.timedelta(days=low))
        if high is not None:
            window &= Q(submitted_on__gte=today - datetime.timedelta(days=high))
        age_counts[f"age_{index}"] = Coalesce(Sum("count", filter=window), 0)
    # Grouped by the core area's id alone, then named from the (few) core areas: grouping
    # over a hundred thousand open requests by joined text columns cost twice as much.
    rows = (
        rows.values("core_area_id", "status")
        .annotate(total=Sum("count"), oldest=Min("submitted_on"), **age_counts)
        .order_by()
    )
    areas = _core_areas()
    pipeline: dict[int, PipelineRow] = {}
    for row in rows:
        area = areas[row["core_area_id"]]
        line = pipeline.setdefault(row["core_area_id"], PipelineRow(area.code, area.name))
        line.by_status[row["status"]] = row["total"]
        for index in range(len(AGING_BUCKETS)):
            line.by_age[index] += row[f"age_{index}"]
        days = (today - row["oldest"]).days
        line.oldest_days = days if line.oldest_days is None else max(line.oldest_days, days)
    return [pipeline[pk] for pk in sorted(pipeline, key=lambda pk: _area_order(areas[pk]))]


def _workload(site_ids, *, today: datetime.date) -> tuple[list[WorkloadRow], int]:
    """Liaisons currently assigned to an open engagement of the sites, with their sites,
    recent submitted visits and visits still to write up (planned or draft, date passed): the
    first LIST_ROWS by sites (primary, then backup) and name, and how many there are in all.

    Three grouped queries instead of one that joins every assignment of every liaison to every
    visit: the assignments with the liaisons' names (which give the order), then the visits
    and the liaisons of the listed rows only, each read from an index over just its rows."""
    assignments = (
        of_sites(
            Assignment.objects.current(on=today).filter(
                engagement__status__in=OPEN_ENGAGEMENT_STATUSES
            ),
            "engagement__site",
            site_ids,
        )
        .values("liaison_id", "liaison__user__last_name", "liaison__user__first_name")
        .annotate(
            primary_sites=Count(
                "engagement__site", filter=Q(role=AssignmentRole.PRIMARY), distinct=True
            ),
            backup_sites=Count(
                "engagement__site", filter=Q(role=AssignmentRole.BACKUP), distinct=True
            ),
        )
        .order_by()
    )
    ranked = sorted(
        (row for row in assignments if row["primary_sites"] or row["backup_sites"]),
        key=lambda row: (
            -row["primary_sites"],
            -row["backup_sites"],
            row["liaison__user__last_name"],
            row["liaison__user__first_name"],
            row["liaison_id"],
        ),
    )
    listed = ranked[:LIST_ROWS]
    listed_ids = [row["liaison_id"] for row in listed]
    recent = Q(
        status=VisitStatus.SUBMITTED,
        start_date__gt=today - datetime.timedelta(days=WORKLOAD_VISIT_DAYS),
        start_date__lte=today,
    )
    to_write_up = Q(status__in=[VisitStatus.PLANNED, VisitStatus.DRAFT], start_date__lt=today)
    visits = {
        row["liaison_id"]: row
        for row in of_sites(
            SiteVisit.objects.filter(recent | to_write_up, liaison_id__in=listed_ids),
            "site",
            site_ids,
        )
        .values("liaison_id")
        .annotate(recent=Count("pk", filter=recent), to_write_up=Count("pk", filter=to_write_up))
        .order_by()
    }
    liaisons = Liaison.objects.select_related("user").in_bulk(listed_ids)
    rows = [
        WorkloadRow(
            liaisons[row["liaison_id"]],
            row["primary_sites"],
            row["backup_sites"],
            visits.get(row["liaison_id"], {}).get("recent", 0),
            visits.get(row["liaison_id"], {}).get("to_write_up", 0),
        )
        for row in listed
    ]
    return rows, len(ranked)


# --- The quarterly report ---------------------------------------------------------------------
# `report_content_build` reads what was recorded in a quarter into a JSON-ready dictionary; a
# draft shows it live, and `quarterly_report_publish` (services.py) stores it, so a published
# report never changes. Every item a coordinator may leave out has a `key` ("visit-12").

EVENT_MODES = [DeliveryMode.TRAINING_SUMMIT, DeliveryMode.WEBINAR]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip


def quarter_bounds(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    next_start = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, next_start - datetime.timedelta(days=1)


def last_full_quarter(today: datetime.date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3 + 1
    return (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)


def recent_quarters(today: datetime.date, count: int = 8) -> list[tuple[int, int]]:
    """The current quarter and the ones before it, newest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    result = []
    for _ in range(count):
        result.append((year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return result


def _hours(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).normalize():f}"


def report_content_build(*, year: int, quarter: int) -> dict[str, Any]:
    """Everything the quarter's report may say, in eight queries whatever the number of rows:
    active sites, submitted visits (with their core areas and next steps: three), deliveries
    in the quarter, delivery totals by core area, totals to date, and the training summits
    held in the quarter with their recorded attendance."""
    start, end = quarter_bounds(year, quarter)
    in_quarter = Q(date__gte=start, date__lte=end)

    sites_active = (
        Engagement.objects.filter(start_date__lte=end)
        .filter(Q(actual_end__isnull=True) | Q(actual_end__gte=start))
        .exclude(status__in=[EngagementStatus.PLANNED, EngagementStatus.WITHDRAWN])
        .values("site")
        .distinct()
        .count()
    )
    visits = list(
        SiteVisit.objects.filter(
            status=VisitStatus.SUBMITTED, start_date__gte=start, start_date__lte=end
        )
        .select_related("site")
        .prefetch_related(
            "core_areas", Prefetch("action_items", queryset=ActionItem.objects.order_by("pk"))
        )
        .order_by("site__name", "start_date", "pk")
    )
    deliveries = list(
        TTADelivery.objects.filter(in_quarter)
        .select_related("request__site", "request__core_area", "host_site")
        .order_by("date", "pk")
    )
    by_area = [
        {
            "core_area": row["request__core_area__name"],
            "sessions": row["sessions"],
            "hours": _hours(row["hours"]),
            "participants": row["participants"] or 0,
        }
        for row in TTADelivery.objects.filter(in_quarter)
        .values("request__core_area__name", "request__core_area__order")
        .annotate(sessions=Count("pk"), hours=Sum("hours"), participants=Sum("participants"))
        .order_by("request__core_area__order", "request__core_area__name")
    ]
    to_date = TTADelivery.objects.filter(date__lte=end).aggregate(
        sessions=Count("pk"),
        hours=Sum("hours"),
        participants=Sum("participants"),
        sites=Count("request__site", distinct=True),
    )

    summits = list(
        TrainingSummit.objects.filter(start_date__gte=start, start_date__lte=end)
        .annotate(sites=Count("attendance"), attendees=Coalesce(Sum("attendance__attendees"), 0))
        .order_by("start_date")
    )

    highlights: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in visits:
        highlights[str(visit.site)].append(
            {
                "key": f"visit-{visit.pk}",
                "kind": f"{visit.get_mode_display()} visit",
                "date": visit.start_date.isoformat(),
                "activity": visit.purpose,
                "core_areas": [area.name for area in visit.core_areas.all()],
                "people": visit.people_met,
                "goals": visit.goals,
                # Only what was shared with the site; DOJ-internal notes stay out of reports.
                "summary": visit.summary,
                "learned": visit.lessons_learned,
                "next_steps": [item.text for item in visit.action_items.all()],
            }
        )
    exchanges, events = [], []
    for delivery in deliveries:
        request = delivery.request
        item = {
            "key": f"delivery-{delivery.pk}",
            "kind": delivery.get_mode_display(),
            "date": delivery.date.isoformat(),
            "activity": request.title,
            "core_areas": [request.core_area.name],
            "people": f"{delivery.participants} participants" if delivery.participants else "",
            "goals": request.description,
            "summary": delivery.summary,
            "learned": "",
            "next_steps": [],
        }
        if delivery.mode == DeliveryMode.PEER_EXCHANGE and delivery.host_site is not None:
            exchanges.append(
                {
                    "key": f"exchange-{delivery.pk}",
                    "date": delivery.date.isoformat(),
                    "text": f"{delivery.host_site} → {request.site} — {request.title}",
                }
            )
        elif delivery.mode in EVENT_MODES:
            events.append(
                {
                    "key": f"event-{delivery.pk}",
                    "date": delivery.date.isoformat(),
                    "text": f"{delivery.get_mode_display()}: {request.title} ({request.site})",
                    "participants": delivery.participants,
                }
            )
        highlights[str(request.site)].append(item)
    for summit in summits:
        events.append(
            {
                "key": f"summit-{summit.pk}",
                "date": summit.start_date.isoformat(),
                "text": f"{summit.title}, {summit.location} ({summit.sites} sites)",
                "participants": summit.attendees,
            }
        )
    events.sort(key=lambda event: (event["date"], event["key"]))

    return {
        "title": f"PSP quarterly snapshot — Q{quarter} {year}",
        "period": f"{MONTHS[start.month - 1]} to {MONTHS[end.month - 1]} {year}",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "stats": {
            "sites_active": sites_active,
            "visits": len(visits),
            "sites_visited": len({visit.site_id for visit in visits}),
            "tta_sessions": len(deliveries),
            "tta_hours": _hours(sum((d.hours for d in deliveries), Decimal(0))),
            # Recorded per site at each summit held in the quarter (tta.SummitAttendance).
            "summit_attendance": sum(summit.attendees for summit in summits),
            "summit_sites": sum(summit.sites for summit in summits),
            "by_core_area": by_area,
        },
        "highlights": [
            {"site": site, "items": sorted(items, key=lambda i: (i["date"], i["key"]))}
            for site, items in sorted(highlights.items())
        ],
        "peer_exchanges": exchanges,
        "events": events,
        "to_date": {
            "tta_sessions": to_date["sessions"],
            "tta_hours": _hours(to_date["hours"]),
            "participants": to_date["participants"] or 0,
            "sites_served": to_date["sites"],
        },
    }


def report_content_without(content: dict[str, Any], excluded: list[str]) -> dict[str, Any]:
    """The content with the left-out items removed (a site with nothing left disappears)."""
    leave_out = set(excluded)
    highlights = []
    for site in content["highlights"]:
        items = [item for item in site["items"] if item["key"] not in leave_out]
        if items:
            highlights.append({"site": site["site"], "items": items})
    return {
        **content,
        "highlights": highlights,
        "peer_exchanges": [i for i in content["peer_exchanges"] if i["key"] not in leave_out],
        "events": [i for i in content["events"] if i["key"] not in leave_out],
    }


def report_item_keys(content: dict[str, Any]) -> list[str]:
    """The keys of every item a coordinator may leave out."""
    keys = [item["key"] for site in content["highlights"] for item in site["items"]]
    return (
        keys + [i["key"] for i in content["peer_exchanges"]] + [i["key"] for i in content["events"]]
    )
