"""Bulk generation of a large synthetic portfolio (see the seed_bench command).

Rows are built as plain tuples (no model instances) and go in with PostgreSQL's COPY, in
dependency order, with ids read back in one query per table; other databases (SQLite in the
tests) get `bulk_create` in batches. History is not written: this data exists to measure reads.
"""

from __future__ import annotations

import datetime
import io
import random
import time
from collections.abc import Callable
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from liaisons.choices import AssignmentRole, VisitMode, VisitStatus
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.models import User, new_session_nonce
from psp.accounts.roles import Role
from sites.choices import EngagementStatus, Phase
from sites.models import CoreArea, Engagement, Milestone, Site, SiteContact
from tta.choices import DeliveryMode, Priority, RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest, TTATransition
from tta.services import open_request_tallies_rebuild

BATCH = 5_000  # bulk_create batch (other databases)
COPY_CHUNK = 100_000  # rows per COPY (PostgreSQL)
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

    def _insert(self, model, columns: tuple[str, ...], rows: list[tuple]) -> int:
        """Insert `rows` (tuples of values for `columns`, attnames) into `model`'s table; the
        other columns get their field defaults. PostgreSQL: COPY in chunks; else bulk_create."""
        started = time.monotonic()
        if connection.vendor == "postgresql":
            _copy(model, columns, rows)
        else:
            for start in range(0, len(rows), BATCH):
                model.objects.bulk_create(
                    [
                        model(**dict(zip(columns, row, strict=True)))
                        for row in rows[start : start + BATCH]
                    ],
                    batch_size=BATCH,
                )
        self.log(f"  {model.__name__}: {len(rows):,} rows in {time.monotonic() - started:.1f}s")
        return len(rows)

    def _ids(self, model, **filters) -> list[int]:
        return list(model.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))

    @transaction.atomic
    def generate(self) -> dict[str, int]:
        rng, today = self.rng, self.today
        now = timezone.now()
        n_sites = max(2, round(self.SITES * self.scale))
        n_liaisons = max(2, round(self.LIAISONS * self.scale))
        areas = list(CoreArea.objects.values_list("pk", flat=True))
        insert = self._insert

        # People: liaisons, one site contact per site.
        insert(
            User,
            ("username", "first_name", "last_name", "password", "session_nonce"),
            [
                (f"bench-liaison-{i}", "Liaison", str(i), UNUSABLE, new_session_nonce())
                for i in range(n_liaisons)
            ]
            + [
                (f"bench-contact-{i}", "", str(i), UNUSABLE, new_session_nonce())
                for i in range(n_sites)
            ],
        )
        liaison_users = self._ids(User, username__startswith="bench-liaison-")
        contact_users = self._ids(User, username__startswith="bench-contact-")
        groups = dict(Group.objects.values_list("name", "pk"))
        insert(
            User.groups.through,
            ("user_id", "group_id"),
            [(u, groups[Role.LIAISON]) for u in liaison_users]
            + [(u, groups[Role.SITE_CONTACT]) for u in contact_users],
        )
        insert(Liaison, ("user_id",), [(u,) for u in liaison_users])
        liaisons = self._ids(Liaison)
        insert(
            TTAProvider,
            ("name", "slug"),
            [(f"Bench provider {i}", f"bench-provider-{i}") for i in range(self.PROVIDERS)],
        )
        providers = self._ids(TTAProvider)

        # Sites, each with three closed engagements and one active Operations engagement.
        insert(
            Site,
            ("slug", "name", "state", "cohort_year", "population"),
            [
                (
                    f"bench-site-{i}",
                    f"Bench City {i}",
                    STATES[i % len(STATES)],
                    2014 + i % 12,
                    rng.randint(50_000, 2_500_000),
                )
                for i in range(n_sites)
            ],
        )
        sites = self._ids(Site)
        insert(
            SiteContact,
            ("site_id", "user_id", "name"),
            [(s, u, f"Contact {s}") for s, u in zip(sites, contact_users, strict=True)],
        )
        engagements = []
        for site in sites:
            start = today - relativedelta(months=rng.randint(1, 30))
            for k in range(self.ENGAGEMENTS_PER_SITE - 1, -1, -1):
                begins = start - relativedelta(years=3 * k + 1) if k else start
                planned = begins + relativedelta(months=36)
                engagements.append(
                    (
                        site,
                        Phase.OPERATIONS if k == 0 or k % 2 else Phase.DIAGNOSTIC,
                        EngagementStatus.ACTIVE if k == 0 else EngagementStatus.COMPLETED,
                        begins,
                        planned,
                        None if k == 0 else min(planned, start - datetime.timedelta(days=1)),
                    )
                )
        insert(
            Engagement,
            ("site_id", "phase", "status", "start_date", "planned_end", "actual_end"),
            engagements,
        )
        engagement_rows = list(
            Engagement.objects.order_by("pk").values_list("pk", "site_id", "start_date", "status")
        )
        active_by_site = {
            site: (pk, begins)
            for pk, site, begins, status in engagement_rows
            if status == EngagementStatus.ACTIVE
        }

        milestones = []
        offsets = [relativedelta(months=2 * m + 1) for m in range(self.MILESTONES_PER_ENGAGEMENT)]
        for pk, _site, begins, status in engagement_rows:
            active = status == EngagementStatus.ACTIVE
            for m, offset in enumerate(offsets):
                due = begins + offset
                done = not active or (due < today and rng.random() < 0.8)
                milestones.append(
                    (pk, f"bench-{m}", f"Milestone {m + 1}", due, due if done else None)
                )
        insert(Milestone, ("engagement_id", "key", "title", "due_date", "completed_on"), milestones)

        assignments = []
        liaison_of_site = {}
        for pk, site, begins, status in engagement_rows:
            liaison = liaisons[site % len(liaisons)]
            liaison_of_site[site] = liaison
            ended = None if status == EngagementStatus.ACTIVE else begins + relativedelta(months=36)
            assignments.append((liaison, pk, AssignmentRole.PRIMARY, begins, ended))
        insert(
            Assignment,
            ("liaison_id", "engagement_id", "role", "start_date", "end_date"),
            assignments,
        )

        visits = []
        modes = VisitMode.values
        week_ago = today - datetime.timedelta(days=7)
        for site in sites:
            engagement, begins = active_by_site[site]
            span = max((today - begins).days, 1)
            liaison = liaison_of_site[site]
            for v in range(self.VISITS_PER_SITE):
                ago = rng.randint(0, 365 * 6)
                day = today - datetime.timedelta(days=ago)
                submitted = day < week_ago
                visits.append(
                    (
                        site,
                        engagement if ago < span else None,
                        liaison,
                        day,
                        rng.choice(modes),
                        VisitStatus.SUBMITTED if submitted else VisitStatus.DRAFT,
                        f"Visit {v}",
                        "Met the working group." if submitted else "",
                        "Internal.",
                        now if submitted else None,
                    )
                )
        insert(
            SiteVisit,
            (
                "site_id",
                "engagement_id",
                "liaison_id",
                "start_date",
                "mode",
                "status",
                "purpose",
                "summary",
                "internal_notes",
                "submitted_at",
            ),
            visits,
        )
        visit_ids = self._ids(SiteVisit)
        insert(
            SiteVisit.core_areas.through,
            ("sitevisit_id", "corearea_id"),
            [(v, areas[v % len(areas)]) for v in visit_ids],
        )
        insert(
            ActionItem,
            ("visit_id", "text", "due_date"),
            [
                (v, "Follow up", today + datetime.timedelta(days=v % 60 - 30))
                for v in visit_ids[::5]
            ],
        )

        requests = []
        for index, site in enumerate(sites):
            for r in range(self.REQUESTS_PER_SITE):
                stop = rng.choice(PATH)
                changed = now - datetime.timedelta(days=rng.randint(0, 400))
                requests.append(
                    (
                        site,
                        rng.choice(areas),
                        f"Request {r}",
                        "Synthetic request.",
                        contact_users[index] if r % 2 else liaison_users[0],
                        rng.choice(Priority.values),
                        stop,
                        rng.choice(providers) if PATH.index(stop) >= 3 else None,
                        changed - datetime.timedelta(days=rng.randint(0, 60)),
                        changed,
                    )
                )
        insert(
            TTARequest,
            (
                "site_id",
                "core_area_id",
                "title",
                "description",
                "requested_by_id",
                "priority",
                "status",
                "provider_id",
                "created_at",
                "status_changed_at",
            ),
            requests,
        )
        request_rows = list(
            TTARequest.objects.order_by("pk").values_list("pk", "status", "site_id")
        )
        transitions, deliveries = [], []
        delivery_modes, hours = DeliveryMode.values, [Decimal(2), Decimal(4), Decimal(8)]
        for pk, status, site in request_rows:
            # Two recorded steps per request: the submission and its latest move.
            transitions.append((pk, "", RequestStatus.SUBMITTED, now))
            transitions.append((pk, RequestStatus.SUBMITTED, status, now))
            if PATH.index(status) >= 3:
                for d in range(3):
                    deliveries.append(
                        (
                            pk,
                            today - datetime.timedelta(days=rng.randint(1, 700)),
                            rng.choice(delivery_modes),
                            rng.choice(hours),
                            rng.randint(5, 60),
                            site if d else None,
                        )
                    )
        insert(TTATransition, ("request_id", "from_status", "to_status", "at"), transitions)
        insert(
            TTADelivery,
            ("request_id", "date", "mode", "hours", "participants", "host_site_id"),
            deliveries,
        )
        tallies = open_request_tallies_rebuild()  # the requests went in around the services
        return {
            "sites": n_sites,
            "engagements": len(engagements),
            "milestones": len(milestones),
            "liaisons": len(liaisons),
            "visits": len(visits),
            "TTA requests": len(requests),
            "transitions": len(transitions),
            "deliveries": len(deliveries),
            "open-request tallies": tallies,
        }


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            value = (
                value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
            )
        return value
    if isinstance(value, datetime.date):  # dates and datetimes
        return value.isoformat()
    return str(value)


def _copy(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """COPY rows into the model's table; columns not given get the field's default (or
    auto_now value), computed once."""
    meta = model._meta
    template = model()
    fixed_names, fixed_values = [], []
    for field in meta.concrete_fields:
        if field.primary_key or field.attname in columns:
            continue
        value = field.pre_save(template, add=True)
        fixed_names.append(field.column)
        fixed_values.append(_text(field.get_db_prep_save(value, connection)))
    column_of = {field.attname: field.column for field in meta.concrete_fields}
    names = [column_of[c] for c in columns]
    suffix = "".join("\t" + v for v in fixed_values) + "\n"
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(meta.db_table)} ({', '.join(quote(n) for n in [*names, *fixed_names])}) "
        "FROM STDIN"
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's own cursor
        for start in range(0, len(rows), COPY_CHUNK):
            buffer = io.StringIO()
            write = buffer.write
            for row in rows[start : start + COPY_CHUNK]:
                write("\t".join([_text(v) for v in row]) + suffix)
            buffer.seek(0)
            raw.copy_expert(sql, buffer)
