"""Performance benchmark (issue #9): `make bench`, or

    .venv/bin/python bench/run.py [--scales "1 10"] [--results bench/results.json]

For each scale (BENCH_SCALES, default "1 10") a fresh PostgreSQL database `psp_bench_s<scale>`
on 127.0.0.1:5432 (user postgres) is created, migrated and filled by `seed_bench`, in a child
process with production settings (DJANGO_DEBUG=False; see bench/settings.py). Each case is then
measured in-process with the Django test client, signed in as a coordinator (who sees
everything):

- one warm-up run, with the queries captured (`CaptureQueriesContext`): queries per request;
- N timed runs (no capture): median and p95 wall time;
- one run under `tracemalloc`: peak Python memory (a streamed export is consumed chunk by chunk);
- the baseline: the same rows fetched with one hand-written SQL query through psycopg2 and
  serialized with `json` (CSV for the export), timed the same way — the floor that the
  framework's overhead is measured against.

The parent process writes bench/results.json (with the machine described), regenerates the
table in docs/benchmarks.md, checks the budgets and exits 1 listing every broken one.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import gc
import importlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DEFAULT_SCALES = "1 10"
RESULTS = ROOT / "bench" / "results.json"
DOCS = ROOT / "docs" / "benchmarks.md"
TABLE_START = "<!-- bench-table:start -->"
TABLE_END = "<!-- bench-table:end -->"
# Fixed so that both scales see the same calendar (and the same reminders fall due).
TODAY = datetime.date(2026, 11, 23)  # a Monday: the weekly digests run too

# Budgets (issue #9).
PAGINATED = {"dashboard", "sites_page", "visits_page", "visits_page_filtered", "api_sites",
             "api_site_visits"}  # fmt: skip
AGAINST_BASELINE = {"api_sites", "api_site_visits", "api_site_status_feed"}
FLAT_MEMORY = {"export_visits_csv", "reminder_sweep"}
# Lists, feeds and the dashboard keep their queries per request (the sweep is a job: its
# queries grow with the chunks it handles, its memory may not).
LISTS = PAGINATED | {"api_site_status_feed", "export_visits_csv"}
MAX_SCALED_MEDIAN = 2.0
MAX_BASELINE_RATIO = 3.0
MAX_SCALED_MEMORY = 1.2


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def scale_label(scale: float) -> str:
    return f"{scale:g}".replace(".", "_")


# --- Measurement (runs inside Django) -------------------------------------------------------


@dataclass
class Case:
    name: str
    title: str
    run: Callable[[], int]  # performs the work once; returns the number of requests it made
    baseline: Callable[[], object] | None
    repeats: int
    rows: int = 0
    notes: list[str] = field(default_factory=list)


def _timings(*functions: Callable[[], object], repeats: int) -> list[list[float]]:
    """Each function's run times, the functions taking turns: a case and its baseline are
    compared with each other, so they are timed under the same load on the machine, not one
    after the other (a few busy seconds used to land on one of them only)."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for function, runs in zip(functions, times, strict=True):
            gc.collect()
            started = time.perf_counter()
            function()
            runs.append(time.perf_counter() - started)
    return times


def _peak_memory(function: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _p95(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def measure(case: Case) -> dict:
    """Warm-up with query capture, timed runs, a tracemalloc run, and the baseline."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from psp.accounts.models import ApiToken

    # A token records its last use at most once a minute (one UPDATE); stamp it now so that
    # write does not fall into this count by chance of the clock.
    ApiToken.objects.update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        requests = case.run()
    queries = len(captured.captured_queries)  # read now: the next request clears the log
    if case.baseline is not None:
        case.baseline()  # warm-up
        times, base = _timings(case.run, case.baseline, repeats=case.repeats)
    else:
        (times,) = _timings(case.run, repeats=case.repeats)
    peak = _peak_memory(case.run)
    result = {
        "title": case.title,
        "repeats": case.repeats,
        "requests": requests,
        "queries_per_request": round(queries / max(requests, 1), 2),
        "queries": queries,
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(_p95(times) * 1000, 2),
        "peak_memory_kb": round(peak / 1024, 1),
    }
    if case.baseline is not None:
        result["baseline_median_ms"] = round(statistics.median(base) * 1000, 2)
        result["baseline_peak_memory_kb"] = round(_peak_memory(case.baseline) / 1024, 1)
        result["baseline_ratio"] = round(
            result["median_ms"] / max(result["baseline_median_ms"], 0.001), 2
        )
    return result


class Raw:
    """The baseline's own psycopg2 connection to the benchmark database."""

    def __init__(self) -> None:
        import psycopg2
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        self.connection = psycopg2.connect(**params)
        self.connection.autocommit = True

    def json(self, sql: str, params: dict | None = None) -> str:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params or {})
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return json.dumps(rows, default=str)

    def csv(self, sql: str, params: dict | None = None) -> int:
        """Stream rows through a server-side cursor into CSV, chunk by chunk; returns bytes."""
        size = 0
        self.connection.autocommit = False  # a named cursor lives in a transaction
        with self.connection, self.connection.cursor(name="bench_export") as cursor:
            cursor.itersize = 2000
            cursor.execute(sql, params or {})
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in cursor:
                writer.writerow(row)
                if buffer.tell() > 64 * 1024:
                    size += len(buffer.getvalue().encode())
                    buffer.seek(0)
                    buffer.truncate()
            size += len(buffer.getvalue().encode())
        self.connection.autocommit = True
        return size

    def close(self) -> None:
        self.connection.close()


def _sql_params(today: datetime.date) -> dict:
    from liaisons.choices import AssignmentRole, VisitStatus
    from sites.choices import OPEN_ENGAGEMENT_STATUSES
    from tta.choices import OPEN_REQUEST_STATUSES

    return {
        "today": today,
        "open_engagement": tuple(str(s) for s in OPEN_ENGAGEMENT_STATUSES),
        "open_request": tuple(str(s) for s in OPEN_REQUEST_STATUSES),
        "submitted": str(VisitStatus.SUBMITTED),
        "primary": str(AssignmentRole.PRIMARY),
    }


# Every site's status in one statement (the rows of the site-status feed).
STATUS_SQL = """
SELECT s.id, s.slug, s.name, s.state, s.status_changed_at,
       e.id AS engagement, e.phase, e.status AS engagement_status, e.start_date, e.planned_end,
       e.actual_end, lv.last_visit_date, m.done, m.open, m.overdue,
       nm.title AS next_title, nm.due_date AS next_due, pa.liaison_id,
       u.first_name || ' ' || u.last_name AS liaison_name, r.open_requests
FROM sites_site s
LEFT JOIN LATERAL (
    SELECT * FROM sites_engagement e WHERE e.site_id = s.id
    ORDER BY CASE WHEN e.status IN %(open_engagement)s THEN 0 ELSE 1 END,
             e.start_date DESC, e.id DESC LIMIT 1) e ON true
LEFT JOIN LATERAL (
    SELECT v.start_date AS last_visit_date FROM liaisons_sitevisit v
    WHERE v.site_id = s.id AND v.status = %(submitted)s AND v.start_date <= %(today)s
    ORDER BY v.start_date DESC LIMIT 1) lv ON true
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE completed_on IS NOT NULL) AS done,
           count(*) FILTER (WHERE completed_on IS NULL) AS open,
           count(*) FILTER (WHERE completed_on IS NULL AND due_date < %(today)s) AS overdue
    FROM sites_milestone WHERE engagement_id = e.id) m ON true
LEFT JOIN LATERAL (
    SELECT title, due_date FROM sites_milestone
    WHERE engagement_id = e.id AND completed_on IS NULL AND due_date >= %(today)s
    ORDER BY due_date, id LIMIT 1) nm ON true
LEFT JOIN LATERAL (
    SELECT a.liaison_id FROM liaisons_assignment a
    WHERE a.engagement_id = e.id AND a.role = %(primary)s AND a.start_date <= %(today)s
      AND (a.end_date IS NULL OR a.end_date >= %(today)s) LIMIT 1) pa ON true
LEFT JOIN liaisons_liaison l ON l.id = pa.liaison_id
LEFT JOIN accounts_user u ON u.id = l.user_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('core_area', x.code, 'core_area_name', x.name,
                    'status', x.status, 'count', x.n, 'oldest', x.oldest)
                    ORDER BY x."order", x.code, x.status) AS open_requests
    FROM (SELECT c.code, c.name, c."order", r.status, count(*) AS n,
                 min(r.created_at) AS oldest
          FROM tta_ttarequest r JOIN sites_corearea c ON c.id = r.core_area_id
          WHERE r.site_id = s.id AND r.status IN %(open_request)s
          GROUP BY c.code, c.name, c."order", r.status) x) r ON true
{where}
ORDER BY s.id
"""

SITES_PAGE_SQL = """
SELECT s.id, s.slug, s.name, s.state, s.lead_agency, s.program, s.cohort_year,
       s.announced_on, s.population, e.phase AS current_phase, e.status AS current_status,
       e.start_date AS current_start, e.planned_end AS current_planned_end,
       s.created_at, s.updated_at, s.status_changed_at,
       (SELECT count(*) FROM sites_site) AS total
FROM sites_site s
LEFT JOIN LATERAL (
    SELECT phase, status, start_date, planned_end FROM sites_engagement
    WHERE site_id = s.id ORDER BY start_date DESC, id DESC LIMIT 1) e ON true
ORDER BY {order} LIMIT %(limit)s
"""

VISITS_PAGE_SQL = """
SELECT v.id, v.site_id, s.slug, s.name AS site_name, s.state, v.engagement_id, v.liaison_id,
       u.first_name || ' ' || u.last_name AS liaison_name, v.start_date, v.end_date, v.mode,
       v.status, v.purpose, v.people_met, v.summary, v.internal_notes, v.submitted_at,
       v.created_at, v.updated_at,
       ARRAY(SELECT c.code FROM liaisons_sitevisit_core_areas vc
             JOIN sites_corearea c ON c.id = vc.corearea_id
             WHERE vc.sitevisit_id = v.id ORDER BY c."order", c.code) AS core_areas,
       {action_items}
       {total} AS total
FROM liaisons_sitevisit v
JOIN sites_site s ON s.id = v.site_id
JOIN liaisons_liaison l ON l.id = v.liaison_id
JOIN accounts_user u ON u.id = l.user_id
WHERE {where}
ORDER BY v.start_date DESC, v.id DESC LIMIT %(limit)s
"""
# The web list's capped count (psp.paginator.COUNT_CAP + 1 rows at most, "more than 1,000");
# the API pages visits by cursor and counts nothing.
VISITS_TOTAL_SQL = """(SELECT count(*) FROM (SELECT 1 FROM liaisons_sitevisit v2 WHERE {where2}
                              LIMIT %(count_cap)s) counted)"""
ACTION_ITEMS_SQL = """COALESCE((
           SELECT json_agg(json_build_object('id', a.id, 'text', a.text, 'owner', a.owner_id,
                  'owner_name', a.owner_name, 'due_date', a.due_date, 'done_on', a.done_on)
                  ORDER BY a.due_date, a.id)
           FROM liaisons_actionitem a WHERE a.visit_id = v.id), '[]') AS action_items,"""

EXPORT_SQL = """
SELECT v.id, s.name, s.state, u.first_name || ' ' || u.last_name, v.start_date, v.end_date,
       v.mode, v.status, v.purpose,
       (SELECT string_agg(c.name, ', ' ORDER BY c.name) FROM liaisons_sitevisit_core_areas vc
        JOIN sites_corearea c ON c.id = vc.corearea_id WHERE vc.sitevisit_id = v.id),
       v.people_met, v.summary, v.internal_notes
FROM liaisons_sitevisit v
JOIN sites_site s ON s.id = v.site_id
JOIN liaisons_liaison l ON l.id = v.liaison_id
JOIN accounts_user u ON u.id = l.user_id
ORDER BY v.start_date DESC, v.id DESC
"""

# What the sweep reads: every object some reminder kind may fire for today.
SWEEP_SQL = """
SELECT 'milestone' AS kind, m.id, m.due_date AS day FROM sites_milestone m
  JOIN sites_engagement e ON e.id = m.engagement_id
  WHERE m.completed_on IS NULL AND e.status IN %(open_engagement)s
    AND m.due_date <= %(today)s::date + 14
UNION ALL
SELECT 'action_item', a.id, a.due_date FROM liaisons_actionitem a
  WHERE a.done_on IS NULL AND a.due_date <= %(today)s::date + 7
UNION ALL
SELECT 'visit', v.id, v.start_date FROM liaisons_sitevisit v
  WHERE v.status IN ('planned', 'draft') AND v.start_date < %(today)s
UNION ALL
SELECT 'tta_request', r.id, r.created_at::date FROM tta_ttarequest r
  WHERE r.status IN ('submitted', 'under_review')
"""


def bench_user():
    """The coordinator the benchmark signs in as (created once per database)."""
    from django.contrib.auth.models import Group

    from psp.accounts.models import User
    from psp.accounts.roles import Role

    user, created = User.objects.get_or_create(
        username="bench-coordinator",
        defaults={"first_name": "Bench", "last_name": "Coordinator", "email": "bench@x.test"},
    )
    if created:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name=Role.COORDINATOR))
    return user


def repeats_for(scale: float) -> dict[str, int]:
    """Timed runs per case: fewer where one run is long, so `make bench` fits in 15 minutes."""
    big = scale >= 5
    return {
        "dashboard": 15 if big else 25,
        "sites_page": 30,
        "visits_page": 30,
        "visits_page_filtered": 30,
        "api_sites": 50,
        "api_site_visits": 50,
        "api_site_status_feed": 3 if big else 7,
        "api_site_status": 30,
        "export_visits_csv": 2 if big else 5,
        "reminder_sweep": 2 if big else 5,
    }


def build_cases(scale: float, *, today: datetime.date = TODAY, repeats: dict | None = None):
    """The cases, ready to run against the current database (seeded by seed_bench)."""
    from django.db import transaction
    from django.test import Client

    from liaisons.models import SiteVisit
    from psp.accounts.services import api_token_create
    from psp.notifications import services
    from psp.paginator import COUNT_CAP
    from sites.models import CoreArea, Site

    repeats = repeats or repeats_for(scale)
    user = bench_user()
    client = Client(HTTP_HOST="testserver")
    client.force_login(user)
    # API clients send a token (read-only), as integrations do; pages use the session.
    _token, key = api_token_create(user=user, name="bench", read_only=True)
    api_client = Client(HTTP_HOST="testserver", HTTP_AUTHORIZATION=f"Token {key}")
    raw = Raw()
    params = _sql_params(today)
    core_area = CoreArea.objects.order_by("order", "code").values_list("code", "id").first()
    one_site = Site.objects.order_by("pk").values_list("slug", flat=True)[Site.objects.count() // 2]
    date_after = today - datetime.timedelta(days=365)
    visit_filter = f"?status=submitted&core_area={core_area[0]}&date_after={date_after.isoformat()}"
    filtered_where = (
        "v{n}.status = %(submitted)s AND v{n}.start_date >= %(date_after)s AND EXISTS ("
        "SELECT 1 FROM liaisons_sitevisit_core_areas x WHERE x.sitevisit_id = v{n}.id "
        "AND x.corearea_id = %(core_area_id)s)"
    )
    visit_params = {**params, "date_after": date_after, "core_area_id": core_area[1]}

    def get(path: str, **extra):
        via = api_client if urlsplit(path).path.startswith("/api/") else client
        response = via.get(path, secure=True, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return response

    def page(path: str) -> Callable[[], int]:
        def run() -> int:
            get(path).content  # noqa: B018 - render it
            return 1

        return run

    def feed() -> int:
        url, requests = "/api/v1/site-status/", 0
        while url:
            body = get(url).json()
            requests += 1
            url = body["next"]
        return requests

    def export() -> int:
        response = get("/portfolio/exports/visits.csv")
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        response.close()
        return 1

    def sweep() -> int:
        with transaction.atomic():
            services.notifications_record_due(today=today)
            services.notifications_digest(today=today)
            transaction.set_rollback(True)
        return 1

    def status_where(where: str, extra: dict | None = None):
        sql = STATUS_SQL.format(where=where)
        return lambda: raw.json(sql, {**params, **(extra or {})})

    visits_sql = VISITS_PAGE_SQL.format(action_items=ACTION_ITEMS_SQL, where="true", total="NULL")
    visits_page_sql = VISITS_PAGE_SQL.format(
        action_items="", where="true", total=VISITS_TOTAL_SQL.format(where2="true")
    )
    visits_filtered_sql = VISITS_PAGE_SQL.format(
        action_items="",
        where=filtered_where.format(n=""),
        total=VISITS_TOTAL_SQL.format(where2=filtered_where.format(n="2")),
    )
    cases = [
        Case(
            "dashboard",
            "Portfolio dashboard (/portfolio/)",
            page("/portfolio/"),
            status_where(
                "WHERE e.status = 'active'",
            ),
            repeats["dashboard"],
        ),
        Case(
            "sites_page",
            "Sites page (/sites/, first page)",
            page("/sites/"),
            lambda: raw.json(
                SITES_PAGE_SQL.format(order="s.name, s.state"), {**params, "limit": 100}
            ),
            repeats["sites_page"],
        ),
        Case(
            "visits_page",
            "Visits list (/visits/, first page)",
            page("/visits/"),
            lambda: raw.json(visits_page_sql, {**params, "limit": 25, "count_cap": COUNT_CAP + 1}),
            repeats["visits_page"],
        ),
        Case(
            "visits_page_filtered",
            "Visits list, filtered (status, core area, dates)",
            page("/visits/" + visit_filter),
            lambda: raw.json(
                visits_filtered_sql, {**visit_params, "limit": 25, "count_cap": COUNT_CAP + 1}
            ),
            repeats["visits_page_filtered"],
        ),
        Case(
            "api_sites",
            "GET /api/v1/sites/ (first page)",
            page("/api/v1/sites/"),
            lambda: raw.json(
                SITES_PAGE_SQL.format(order="s.name, s.state, s.id"), {**params, "limit": 50}
            ),
            repeats["api_sites"],
        ),
        Case(
            "api_site_visits",
            "GET /api/v1/site-visits/ (first page)",
            page("/api/v1/site-visits/"),
            lambda: raw.json(visits_sql, {**params, "limit": 50}),
            repeats["api_site_visits"],
        ),
        Case(
            "api_site_status_feed",
            "GET /api/v1/site-status/, every page",
            feed,
            status_where(""),
            repeats["api_site_status_feed"],
        ),
        Case(
            "api_site_status",
            "GET /api/v1/sites/{slug}/status/ (one site)",
            page(f"/api/v1/sites/{one_site}/status/"),
            status_where("WHERE s.slug = %(slug)s", {"slug": one_site}),
            repeats["api_site_status"],
        ),
        Case(
            "export_visits_csv",
            "CSV export of all visits",
            export,
            lambda: raw.csv(EXPORT_SQL),
            repeats["export_visits_csv"],
        ),
        Case(
            "reminder_sweep",
            "Reminder sweep (record due notices and digests; rolled back)",
            sweep,
            lambda: raw.json(SWEEP_SQL, params),
            repeats["reminder_sweep"],
        ),
    ]
    counts = {
        "sites": Site.objects.count(),
        "visits": SiteVisit.objects.count(),
    }
    return cases, counts, raw


def run_scale(
    scale: float, *, only: set[str] | None = None, repeats: dict[str, int] | None = None
) -> dict:
    """Measure every case against the current (seeded) database."""
    from django.core.cache import cache

    cases, counts, raw = build_cases(scale, repeats=repeats)
    results = {}
    try:
        for case in cases:
            if only and case.name not in only:
                continue
            cache.clear()  # API throttling counters
            started = time.monotonic()
            results[case.name] = measure(case)
            r = results[case.name]
            log(
                f"  {case.name}: median {r['median_ms']} ms, p95 {r['p95_ms']} ms, "
                f"{r['queries_per_request']} q/req, peak {r['peak_memory_kb']} KB, "
                f"baseline {r.get('baseline_median_ms')} ms "
                f"({time.monotonic() - started:.0f}s)"
            )
    finally:
        raw.close()
    return {"scale": scale, "counts": counts, "cases": results}


# --- Child process: one scale ---------------------------------------------------------------


def bench_environment(database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{database}",
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY="bench-" + "x" * 60,
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="False",
        PSP_API_THROTTLE_RATE="1000000/hour",
        EMAIL_URL="dummymail://",
        CELERY_BROKER_URL="",
        CACHE_URL="locmemcache://",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def child(scale: float, output: Path, only: set[str] | None) -> None:
    # Loaded as a gunicorn worker loads the app (settings, apps, middleware; psp/wsgi.py also
    # takes what is loaded out of the garbage collector's view), before anything else runs.
    importlib.import_module("psp.wsgi")
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"scale {scale:g}: migrated in {time.monotonic() - started:.0f}s")
    from sites.models import Site

    started = time.monotonic()
    if not Site.objects.exists():  # a kept database (--reuse) is already seeded
        call_command("seed_bench", scale=scale, today=TODAY, force=True, stdout=io.StringIO())
    seed_seconds = time.monotonic() - started
    log(f"scale {scale:g}: seeded in {seed_seconds:.0f}s")
    from django.db import connection

    from psp.portfolio.tasks import refresh_site_status
    from tta.tasks import rebuild_open_request_tallies

    # What the nightly job has done by the time anyone opens the dashboard (psp/celery.py).
    started = time.monotonic()
    rebuilt = refresh_site_status()
    log(f"scale {scale:g}: {rebuilt} site statuses stored in {time.monotonic() - started:.0f}s")
    started = time.monotonic()
    tallies = rebuild_open_request_tallies()
    log(f"scale {scale:g}: {tallies} open-request tallies in {time.monotonic() - started:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # fresh statistics for the planner, as in production
    result = run_scale(scale, only=only)
    result["seed_seconds"] = round(seed_seconds, 1)
    output.write_text(json.dumps(result, indent=2))


def _admin(database: str = "postgres"):
    import psycopg2

    connection = psycopg2.connect(dbname=database, **PG)
    connection.autocommit = True
    return connection


# --- Parent: every scale, the report and the budgets ----------------------------------------


def machine() -> dict:
    import django

    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.closing(_admin()) as admin, admin.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def check_budgets(results: dict) -> list[str]:
    """Every broken budget, in words (empty when all hold)."""
    broken = []
    by_scale = {run["scale"]: run["cases"] for run in results["runs"]}
    scales = sorted(by_scale)
    for scale in scales:
        for name in sorted(AGAINST_BASELINE & by_scale[scale].keys()):
            case = by_scale[scale][name]
            if case["baseline_ratio"] > MAX_BASELINE_RATIO:
                broken.append(
                    f"{name} at scale {scale:g}: median {case['median_ms']} ms is "
                    f"{case['baseline_ratio']}x the raw-SQL baseline "
                    f"({case['baseline_median_ms']} ms; budget {MAX_BASELINE_RATIO:g}x)"
                )
    if len(scales) >= 2:
        small, large = by_scale[scales[0]], by_scale[scales[-1]]
        factor = f"scale {scales[-1]:g} vs {scales[0]:g}"
        for name in sorted(LISTS & small.keys() & large.keys()):
            if large[name]["queries_per_request"] != small[name]["queries_per_request"]:
                broken.append(
                    f"{name}: {small[name]['queries_per_request']} queries per request became "
                    f"{large[name]['queries_per_request']} ({factor})"
                )
        for name in sorted(PAGINATED & small.keys() & large.keys()):
            ratio = large[name]["median_ms"] / max(small[name]["median_ms"], 0.001)
            if ratio > MAX_SCALED_MEDIAN:
                broken.append(
                    f"{name}: median {small[name]['median_ms']} ms became "
                    f"{large[name]['median_ms']} ms, {ratio:.2f}x ({factor}; "
                    f"budget {MAX_SCALED_MEDIAN:g}x)"
                )
        for name in sorted(FLAT_MEMORY & small.keys() & large.keys()):
            ratio = large[name]["peak_memory_kb"] / max(small[name]["peak_memory_kb"], 0.001)
            if ratio > MAX_SCALED_MEMORY:
                broken.append(
                    f"{name}: peak memory {small[name]['peak_memory_kb']} KB became "
                    f"{large[name]['peak_memory_kb']} KB, {ratio:.2f}x ({factor}; "
                    f"budget {MAX_SCALED_MEMORY:g}x)"
                )
    return broken


def markdown_table(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {m['ram_gb']} GB RAM, "
        f"load average {', '.join(str(x) for x in m['load_average'])} at the end), "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}, Django {m['django']}. "
        f"`make bench` took {results['total_seconds']:.0f} s.",
        "",
        "| Case | Scale | Median ms | p95 ms | Queries/request | Peak memory KB | "
        "Baseline ms | x baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        for c in run["cases"].values():
            lines.append(
                f"| {c['title']} | {run['scale']:g} | {c['median_ms']} | {c['p95_ms']} | "
                f"{c['queries_per_request']:g} | {c['peak_memory_kb']:,.0f} | "
                f"{c.get('baseline_median_ms', '-')} | {c.get('baseline_ratio', '-')} |"
            )
    lines += ["", "Budgets: " + ("all hold." if not results["broken"] else "broken:"), ""]
    lines += [f"- {b}" for b in results["broken"]]
    return "\n".join(lines) + "\n"


def write_docs(results: dict, path: Path = DOCS) -> None:
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{TABLE_START}\n{TABLE_END}\n"
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    path.write_text(f"{head}{TABLE_START}\n{markdown_table(results)}{TABLE_END}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES") or DEFAULT_SCALES)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--docs", type=Path, default=DOCS)
    parser.add_argument("--only", default="", help="Comma-separated case names.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark databases.")
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse kept databases (implies --keep)."
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="Check the budgets of an existing results file and rewrite the docs table.",
    )
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = {name for name in args.only.split(",") if name} or None
    if args.child is not None:
        child(args.child, args.output, only)
        return 0
    if args.report_only:
        results = json.loads(args.results.read_text())
        results["broken"] = check_budgets(results)
        return report(results, args)

    started = time.monotonic()
    runs = []
    for scale in [float(s) for s in args.scales.split()]:
        database = f"psp_bench_s{scale_label(scale)}"
        with contextlib.closing(_admin()) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if not (args.reuse and cursor.fetchone()):
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{database}"')
        log(f"scale {scale:g}: database {database}")
        with tempfile.TemporaryDirectory() as tmp:
            output = Path(tmp) / "result.json"
            command = [sys.executable, __file__, "--child", str(scale), "--output", str(output)]
            if only:
                command += ["--only", ",".join(sorted(only))]
            subprocess.run(  # noqa: S603 - our own script
                command, check=True, cwd=ROOT, env=bench_environment(database)
            )
            runs.append(json.loads(output.read_text()))
        if not (args.keep or args.reuse):
            with contextlib.closing(_admin()) as admin, admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings")
    results = {
        "machine": machine(),
        "total_seconds": round(time.monotonic() - started, 1),
        "budgets": {
            "paginated_max_scaled_median": MAX_SCALED_MEDIAN,
            "max_baseline_ratio": MAX_BASELINE_RATIO,
            "max_scaled_memory": MAX_SCALED_MEMORY,
        },
        "runs": runs,
    }
    results["broken"] = check_budgets(results)
    return report(results, args)


def report(results: dict, args) -> int:
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    write_docs(results, args.docs)
    log(f"done in {results['total_seconds']:.0f}s; results in {args.results}")
    for line in results["broken"]:
        log(f"BROKEN: {line}")
    return 1 if results["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
