"""Bulk generation of a large synthetic portfolio (see the seed_bench command).

Rows go in with `bulk_create` in batches, in dependency order, with ids read back in one query
per table, so the run takes minutes at scale 10 on PostgreSQL. History is not written: this
data exists to measure reads.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from liaisons.choices import AssignmentRole, VisitMode, VisitStatus
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.models import User
from psp.accounts.roles import Role
from sites.choices import EngagementStatus, Phase
from sites.models import CoreArea, Engagement, Milestone, Site
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest, TTATransition

BATCH = 5_000
# Benchmark accounts cannot sign in; the benchmark uses force_login.
UNUSABLE = make_password(None)
STATES = ["AL", "AK", "AZ", "CA", "CO", "FL", "GA", "IL", "IN", "KS", "KY", "LA", "MD", "MI",
          "MN", "MO", "MS", "NC", "NJ", "NM", "NY", "OH", "OK", "PA", "SC", "TN", "TX", "VA",
          "WA", "WI"]  # fmt: skip
# Requests move along this path; a request's status is where it stopped.
PATH = [
    RequestStatus.SUBMITTED,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.APPROVED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.DELIVERED,
    RequestStatus.CLOSED,
]


class BenchPortfolio:
    # Per-unit counts at scale 1.
    SITES = 500
    ENGAGEMENTS_PER_SITE = 4
    MILESTONES_PER_ENGAGEMENT = 15
    LIAISONS = 150
    VISITS_PER_SITE = 100
    REQUESTS_PER_SITE = 40
    PROVIDERS = 12

    def __init__(self, *, scale: float, today: datetime.date | None, log: Callable[[str], object]):
        self.scale = scale
        self.today = today or timezone.localdate()
        self.log = log
        self.rng = random.Random(20261127)  # noqa: S311 - synthetic data

    def _bulk(self, model, rows: list) -> list:
        started = time.monotonic()
        for start in range(0, len(rows), BATCH):
            model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)
        self.log(f"  {model.__name__}: {len(rows):,} rows in {time.monotonic() - started:.1f}s")
        return rows

    def _ids(self, model, **filters) -> list[int]:
        return list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))

    @transaction.atomic
    def generate(self) -> dict[str, int]:
        rng, today = self.rng, self.today
        n_sites = max(2, round(self.SITES * self.scale))
        n_liaisons = max(2, round(self.LIAISONS * self.scale))
        areas = list(CoreArea.objects.values_list("pk", flat=True))

        # People: liaisons, one site contact per site, provider staff.
        users = [
            User(
                username=f"bench-liaison-{i}",
                first_name="Liaison",
                last_name=str(i),
                password=UNUSABLE,
            )
            for i in range(n_liaisons)
        ] + [
            User(username=f"bench-contact-{i}", last_name=str(i), password=UNUSABLE)
            for i in range(n_sites)
        ]
        self._bulk(User, users)
        liaison_users = self._ids(User, username__startswith="bench-liaison-")
        contact_users = self._ids(User, username__startswith="bench-contact-")
        groups = dict(Group.objects.values_list("name", "pk"))
        through = User.groups.through
        self._bulk(
            through,
            [through(user_id=u, group_id=groups[Role.LIAISON]) for u in liaison_users]
            + [through(user_id=u, group_id=groups[Role.SITE_CONTACT]) for u in contact_users],
        )
        self._bulk(Liaison, [Liaison(user_id=u) for u in liaison_users])
        liaisons = self._ids(Liaison)
        self._bulk(
            TTAProvider,
            [
                TTAProvider(name=f"Bench provider {i}", slug=f"bench-provider-{i}")
                for i in range(self.PROVIDERS)
            ],
        )
        providers = self._ids(TTAProvider)

        # Sites, each with three closed engagements and one active Operations engagement.
        self._bulk(
            Site,
            [
                Site(
                    slug=f"bench-site-{i}",
                    name=f"Bench City {i}",
                    state=STATES[i % len(STATES)],
                    cohort_year=2014 + i % 12,
                    population=rng.randint(50_000, 2_500_000),
                )
                for i in range(n_sites)
            ],
        )
        sites = self._ids(Site)
        from sites.models import SiteContact

        self._bulk(
            SiteContact,
            [
                SiteContact(site_id=s, user_id=u, name=f"Contact {s}")
                for s, u in zip(sites, contact_users, strict=True)
            ],
        )
        engagements = []
        for site in sites:
            start = today - relativedelta(months=rng.randint(1, 30))
            for k in range(self.ENGAGEMENTS_PER_SITE - 1, -1, -1):
                begins = start - relativedelta(years=3 * k + 1) if k else start
                planned = begins + relativedelta(months=36)
                engagements.append(
                    Engagement(
                        site_id=site,
                        phase=Phase.OPERATIONS if k == 0 or k % 2 else Phase.DIAGNOSTIC,
                        status=EngagementStatus.ACTIVE if k == 0 else EngagementStatus.COMPLETED,
                        start_date=begins,
                        planned_end=planned,
                        actual_end=None
                        if k == 0
                        else min(planned, start - datetime.timedelta(days=1)),
                    )
                )
        self._bulk(Engagement, engagements)
        engagement_rows = list(
            Engagement.objects.order_by("pk").values_list("pk", "site_id", "start_date", "status")
        )
        active_by_site = {
            site: (pk, begins)
            for pk, site, begins, status in engagement_rows
            if status == EngagementStatus.ACTIVE
        }

        milestones = []
        for pk, _site, begins, status in engagement_rows:
            for m in range(self.MILESTONES_PER_ENGAGEMENT):
                due = begins + relativedelta(months=2 * m + 1)
                done = status != EngagementStatus.ACTIVE or (due < today and rng.random() < 0.8)
                milestones.append(
                    Milestone(
                        engagement_id=pk,
                        key=f"bench-{m}",
                        title=f"Milestone {m + 1}",
                        due_date=due,
                        completed_on=due if done else None,
                    )
                )
        self._bulk(Milestone, milestones)

        assignments = []
        liaison_of_site = {}
        for pk, site, begins, status in engagement_rows:
            liaison = liaisons[site % len(liaisons)]
            liaison_of_site[site] = liaison
            assignments.append(
                Assignment(
                    liaison_id=liaison,
                    engagement_id=pk,
                    role=AssignmentRole.PRIMARY,
                    start_date=begins,
                    end_date=None
                    if status == EngagementStatus.ACTIVE
                    else begins + relativedelta(months=36),
                )
            )
        self._bulk(Assignment, assignments)

        visits = []
        for site in sites:
            engagement, begins = active_by_site[site]
            span = max((today - begins).days, 1)
            for v in range(max(1, round(self.VISITS_PER_SITE))):
                day = today - datetime.timedelta(days=rng.randint(0, 365 * 6))
                status = (
                    VisitStatus.SUBMITTED
                    if day < today - datetime.timedelta(days=7)
                    else VisitStatus.DRAFT
                )
                visits.append(
                    SiteVisit(
                        site_id=site,
                        engagement_id=engagement if (today - day).days < span else None,
                        liaison_id=liaison_of_site[site],
                        start_date=day,
                        mode=rng.choice(VisitMode.values),
                        status=status,
                        purpose=f"Visit {v}",
                        summary="Met the working group." if status == VisitStatus.SUBMITTED else "",
                        internal_notes="Internal.",
                    )
                )
        self._bulk(SiteVisit, visits)
        visit_ids = self._ids(SiteVisit)
        visit_areas = SiteVisit.core_areas.through
        self._bulk(
            visit_areas,
            [visit_areas(sitevisit_id=v, corearea_id=areas[v % len(areas)]) for v in visit_ids],
        )
        self._bulk(
            ActionItem,
            [
                ActionItem(
                    visit_id=v,
                    text="Follow up",
                    due_date=today + datetime.timedelta(days=v % 60 - 30),
                )
                for v in visit_ids[::5]
            ],
        )

        requests = []
        for index, site in enumerate(sites):
            for r in range(self.REQUESTS_PER_SITE):
                stop = rng.choice(PATH)
                requests.append(
                    TTARequest(
                        site_id=site,
                        core_area_id=rng.choice(areas),
                        title=f"Request {r}",
                        description="Synthetic request.",
                        requested_by_id=contact_users[index] if r % 2 else liaison_users[0],
                        priority=rng.choice(Priority.values),
                        status=stop,
                        provider_id=rng.choice(providers) if PATH.index(stop) >= 3 else None,
                        status_changed_at=timezone.now()
                        - datetime.timedelta(days=rng.randint(0, 400)),
                    )
                )
        self._bulk(TTARequest, requests)
        request_rows = list(
            TTARequest.objects.order_by("pk").values_list("pk", "status", "site_id")
        )
        now = timezone.now()
        transitions, deliveries = [], []
        for pk, status, site in request_rows:
            # Two recorded steps per request: the submission and its latest move.
            transitions.append(
                TTATransition(request_id=pk, to_status=RequestStatus.SUBMITTED, at=now)
            )
            transitions.append(
                TTATransition(
                    request_id=pk, from_status=RequestStatus.SUBMITTED, to_status=status, at=now
                )
            )
            if PATH.index(status) >= 3:
                for d in range(3):
                    deliveries.append(
                        TTADelivery(
                            request_id=pk,
                            date=today - datetime.timedelta(days=rng.randint(1, 700)),
                            mode=rng.choice(DeliveryMode.values),
                            hours=Decimal(rng.choice([2, 4, 8])),
                            participants=rng.randint(5, 60),
                            host_site_id=site if d else None,
                        )
                    )
        self._bulk(TTATransition, transitions)
        self._bulk(TTADelivery, deliveries)
        return {
            "sites": n_sites,
            "engagements": len(engagements),
            "milestones": len(milestones),
            "liaisons": len(liaisons),
            "visits": len(visits),
            "TTA requests": len(requests),
            "transitions": len(transitions),
            "deliveries": len(deliveries),
        }
