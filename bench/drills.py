"""Load-and-fault drill (issue #8): mixed traffic against a production-shaped server while its
PostgreSQL restarts and its Redis goes away and comes back.

    .venv/bin/python bench/drills.py [--duration SECONDS] [--report PATH]   (or `make drills`)

Everything runs on loopback and belongs to the drill: a throw-away PostgreSQL cluster on port
5499 (initdb as the `postgres` OS user), a `redis-server` on port 6399, gunicorn with
DJANGO_DEBUG=False, and a Celery worker. The shared PostgreSQL and Redis are never touched.

The load is a small threaded client (requests), bounded by --duration: simulated liaisons sign
in once and reuse the session (home, site page, save a visit draft through the form),
coordinators read (sites, visits, an export), API clients read the sites list and the status
feed and file TTA requests with a read-write token. Every write acknowledged to a client (a 302
to the saved visit, a 201 with an id) is looked up in the database afterwards. Errors are
sorted into inside/outside the fault windows (plus a grace period). The report is JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import psycopg2
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_PORT = 5499
REDIS_PORT = 6399
DEMO_PASSWORD = "psp-demo-2026"
LIAISONS = ["liaison", "rhale", "tokafor", "jlindqvist", "mbrennan", "dwashington", "schen"]
GRACE_SECONDS = 5.0
REQUEST_TIMEOUT = 15.0


def log(message: str) -> None:
    print(f"[drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


# --- The drill's own services ---------------------------------------------------------------


def pg_bin(name: str) -> str:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} not found under /usr/lib/postgresql/*/bin/")
    return str(candidates[-1])


def as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server binary as the `postgres` OS user (initdb refuses root)."""
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    return subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
        [*prefix, *command], check=check, capture_output=True, text=True, timeout=120
    )


class Postgres:
    def __init__(self, workdir: Path) -> None:
        self.data = workdir / "pgdata"
        self.socket_dir = workdir / "pgsock"
        self.logfile = workdir / "postgres.log"

    def init(self) -> None:
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data.parent, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        as_postgres(pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()

    def _ctl(self, *args: str) -> None:
        as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.logfile), "-w", *args)

    def start(self) -> None:
        options = f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.socket_dir} -c fsync=on"
        self._ctl("-o", options, "start")

    def restart(self) -> None:
        # `-m fast` ends every session (what a failover or a package upgrade does).
        self._ctl("-m", "fast", "restart")

    def stop(self) -> None:
        if self.data.exists():
            self._ctl("-m", "immediate", "stop")


class Redis:
    def __init__(self, workdir: Path) -> None:
        self.logfile = workdir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""),
                *("--appendonly", "no", "--logfile", str(self.logfile)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(REDIS_PORT, 10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def stop_process(process: subprocess.Popen | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        log(f"{name} did not stop in 15s; killing it")
        process.kill()
        process.wait(timeout=5)


def app_environment(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PSP_", "CELERY_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_DEBUG="False",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PG_PORT}/psp",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        # As in docker-compose.yml: the API throttle counters live in Redis too.
        CACHE_URL=f"redis://127.0.0.1:{REDIS_PORT}/1",
        EMAIL_URL=f"filemail://{workdir / 'mail'}",
        # The drill measures recovery, not the per-token API rate limit.
        PSP_API_THROTTLE_RATE="1000000/hour",
        PGHOST="127.0.0.1",
        PGPORT=str(PG_PORT),
        PGUSER="postgres",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result.stdout


# --- The simulated users --------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    start: float
    end: float
    status: int
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.status >= 500 or self.status == 0


@dataclass
class Ack:
    kind: str  # "visit" or "tta_request"
    id: int
    at: float


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    acks: list[Ack] = field(default_factory=list)
    setup_failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def ack(self, kind: str, object_id: int) -> None:
        with self.lock:
            self.acks.append(Ack(kind, object_id, time.monotonic()))


class FormParser(HTMLParser):
    """The bits of a page a user would use: hidden inputs, select options, checkboxes, links."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self.checkboxes: dict[str, list[str]] = {}
        self.links: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and a.get("name"):
            self.checkboxes.setdefault(a["name"], []).append(a.get("value") or "on")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and a.get("value"):
            self.options.setdefault(self._select, []).append(a["value"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def parse(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


class Client:
    def __init__(self, base: str, results: Results, deadline: float, seed: int) -> None:
        self.base = base
        self.results = results
        self.deadline = deadline
        self.random = random.Random(seed)
        self.http = requests.Session()

    def call(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        start = time.monotonic()
        try:
            response = self.http.request(
                method,
                self.base + path,
                timeout=REQUEST_TIMEOUT,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            self.results.add(Sample(kind, start, time.monotonic(), 0, exc.__class__.__name__))
            return None
        self.results.add(Sample(kind, start, time.monotonic(), response.status_code))
        # Production cookies are Secure; the drill talks plain HTTP to gunicorn on loopback
        # (TLS would end at the proxy in front), so keep sending them back.
        for cookie in self.http.cookies:
            cookie.secure = False
        return response

    def think(self) -> None:
        time.sleep(self.random.uniform(0.05, 0.25))

    def sign_in(self, username: str) -> bool:
        """Sign in once, retrying only while the server cannot answer (never a wrong password:
        django-axes would lock the account)."""
        for _ in range(20):
            if time.monotonic() > self.deadline:
                return False
            page = self.call("sign_in", "GET", "/accounts/login/")
            if page is not None and page.status_code == 200:
                token = parse(page.text).hidden.get("csrfmiddlewaretoken", "")
                done = self.call(
                    "sign_in",
                    "POST",
                    "/accounts/login/",
                    data={
                        "username": username,
                        "password": DEMO_PASSWORD,
                        "csrfmiddlewaretoken": token,
                    },
                )
                if done is not None and done.status_code == 302:
                    return True
                if done is not None and done.status_code < 500:
                    self.results.setup_failures.append(f"{username}: sign-in {done.status_code}")
                    return False
            time.sleep(1)
        return False

    signed_in = False

    def prepare(self) -> bool:
        """Done before the clock starts (signing in hashes a password with Argon2)."""
        return True

    def get_ready(self) -> None:
        self.signed_in = self.prepare()

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            self.step()
            self.think()

    def step(self) -> None:
        raise NotImplementedError


class Liaison(Client):
    def __init__(self, *args, username: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.username = username
        self.site_paths: list[str] = []

    def prepare(self) -> bool:
        return self.sign_in(self.username)

    def step(self) -> None:
        roll = self.random.random()
        if roll < 0.3:
            home = self.call("liaison_home", "GET", "/")
            if home is not None and home.status_code == 200 and not self.site_paths:
                self.site_paths = sorted(
                    {h for h in parse(home.text).links if re.fullmatch(r"/sites/[\w-]+/", h)}
                )
        elif roll < 0.6:
            path = self.random.choice(self.site_paths) if self.site_paths else "/sites/"
            self.call("liaison_site_page", "GET", path)
        else:
            self.save_draft()

    def save_draft(self) -> None:
        page = self.call("visit_form", "GET", "/visits/new/")
        if page is None or page.status_code != 200:
            return
        form = parse(page.text)
        sites = form.options.get("site", [])
        if not sites:
            return  # this liaison has no site to write for (a past assignment only)
        areas = form.checkboxes.get("core_areas", [])
        data = {
            "csrfmiddlewaretoken": form.hidden.get("csrfmiddlewaretoken", ""),
            "site": self.random.choice(sites),
            "start_date": datetime.date.today().isoformat(),
            "mode": self.random.choice(form.options.get("mode", ["on_site"])),
            "core_areas": self.random.sample(areas, min(len(areas), 2)),
            "summary": f"Drill draft {secrets.token_hex(4)}",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        }
        saved = self.call("visit_save_draft", "POST", "/visits/new/", data=data)
        if saved is not None and saved.status_code == 302:
            match = re.search(r"/visits/(\d+)/$", saved.headers.get("Location", ""))
            if match:
                self.results.ack("visit", int(match.group(1)))
            else:
                self.results.add(
                    Sample("visit_save_draft", time.monotonic(), time.monotonic(), 0, "bad 302")
                )


class Coordinator(Client):
    PAGES = [
        ("coord_sites", "/sites/"),
        ("coord_visits", "/visits/"),
        ("coord_export", "/portfolio/exports/visits.csv"),
        ("coord_export", "/portfolio/exports/sites.csv"),
    ]

    def prepare(self) -> bool:
        return self.sign_in("coordinator")

    def step(self) -> None:
        kind, path = self.random.choice(self.PAGES)
        self.call(kind, "GET", path)


class ApiClient(Client):
    def __init__(self, *args, token: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.http.headers["Authorization"] = f"Token {token}"
        self.sites: list[str] = []
        self.areas: list[str] = []

    def step(self) -> None:
        roll = self.random.random()
        if roll < 0.35 or not self.sites or not self.areas:
            response = self.call("api_sites", "GET", "/api/v1/sites/?page_size=100")
            if response is not None and response.status_code == 200:
                self.sites = [s["slug"] for s in response.json()["results"]]
            if not self.areas:
                areas = self.call("api_core_areas", "GET", "/api/v1/core-areas/")
                if areas is not None and areas.status_code == 200:
                    self.areas = [a["code"] for a in areas.json()["results"]]
        elif roll < 0.7:
            since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30)).isoformat()
            self.call(
                "api_status_feed", "GET", "/api/v1/site-status/", params={"updated_since": since}
            )
        else:
            body = {
                "site": self.random.choice(self.sites),
                "core_area": self.random.choice(self.areas),
                "title": f"Drill request {secrets.token_hex(4)}",
                "description": "Filed by the load-and-fault drill.",
            }
            response = self.call(
                "api_tta_request_create", "POST", "/api/v1/tta-requests/", json=body
            )
            if response is not None and response.status_code == 201:
                object_id = response.json().get("id")
                if isinstance(object_id, int):
                    self.results.ack("tta_request", object_id)
                else:
                    self.results.add(
                        Sample(
                            "api_tta_request_create",
                            time.monotonic(),
                            time.monotonic(),
                            0,
                            "201 without id",
                        )
                    )


class HealthProbe(Client):
    """What a load balancer sees: /healthz/ once a second (reported apart from the traffic)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timeline: list[dict] = []

    def step(self) -> None:
        start = time.monotonic()
        try:
            response = requests.get(self.base + "/healthz/", timeout=5)
            state = (
                response.json()
                if response.headers.get("Content-Type", "").startswith("application/json")
                else {"status": response.status_code}
            )
        except (requests.RequestException, ValueError) as exc:
            state = {"status": exc.__class__.__name__}
        self.timeline.append({"t": round(start, 2), **state})

    def think(self) -> None:
        time.sleep(1)


def warm_up(base: str, workers: int) -> None:
    """Load the code in every gunicorn worker before the clock starts (a cold worker's first
    request imports the whole project)."""
    for _ in range(workers * 4):
        with contextlib.suppress(requests.RequestException):
            requests.get(base + "/accounts/login/", timeout=30)
            requests.get(base + "/healthz/", timeout=30)


# --- Faults and the report ------------------------------------------------------------------


@dataclass
class Window:
    name: str
    start: float
    end: float = 0.0


def inject_faults(
    postgres: Postgres,
    redis: Redis,
    t0: float,
    duration: float,
    windows: list[Window],
    stop: threading.Event,
) -> None:
    def wait_until(fraction: float) -> bool:
        return not stop.wait(max(0.0, t0 + duration * fraction - time.monotonic()))

    if wait_until(0.3):
        window = Window("postgres_restart", time.monotonic())
        windows.append(window)
        log("fault: restarting PostgreSQL (pg_ctl restart -m fast)")
        postgres.restart()
        window.end = time.monotonic()
        log(f"fault: PostgreSQL back after {window.end - window.start:.1f}s")
    if wait_until(0.6):
        window = Window("redis_down", time.monotonic())
        windows.append(window)
        log("fault: stopping Redis for 5s")
        redis.stop()
        stop.wait(5)
        redis.start()
        window.end = time.monotonic()
        log(f"fault: Redis back after {window.end - window.start:.1f}s")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def acks_in_database(acks: list[Ack]) -> dict:
    tables = {"visit": "liaisons_sitevisit", "tta_request": "tta_ttarequest"}
    found: dict[str, dict] = {}
    conn = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="psp")
    with conn, conn.cursor() as cursor:
        for kind, table in tables.items():
            ids = sorted({a.id for a in acks if a.kind == kind})
            cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608
            present = {row[0] for row in cursor.fetchall()}
            found[kind] = {
                "acknowledged": len(ids),
                "in_database": len(present),
                "missing_ids": sorted(set(ids) - present),
            }
        # The outbox: what the TTA requests filed during the drill queued for email. Rows
        # published while Redis was down (or lost with its memory) stay pending for the
        # five-minute `deliver_pending` sweep, which beat runs in production.
        cursor.execute("SELECT status, count(*) FROM notifications_notification GROUP BY 1")
        found["outbox_by_status"] = dict(cursor.fetchall())
    conn.close()
    return found


def summarize(results: Results, windows: list[Window], t0: float, duration: float) -> dict:
    def in_window(sample: Sample) -> str | None:
        for w in windows:
            if sample.start <= (w.end or sample.end) + GRACE_SECONDS and sample.end >= w.start:
                return w.name
        return None

    samples = results.samples
    latencies = [(s.end - s.start) * 1000 for s in samples if not s.failed]
    errors_inside: dict[str, int] = {}
    error_span: dict[str, list[float]] = {}
    errors_outside = []
    for s in samples:
        if not s.failed:
            continue
        name = in_window(s)
        if name:
            errors_inside[name] = errors_inside.get(name, 0) + 1
            span = error_span.setdefault(name, [s.start - t0, s.end - t0])
            span[0], span[1] = min(span[0], s.start - t0), max(span[1], s.end - t0)
        else:
            errors_outside.append(
                {"kind": s.kind, "t": round(s.start - t0, 2), "status": s.status, "error": s.error}
            )
    per_kind = {}
    for kind in sorted({s.kind for s in samples}):
        mine = [s for s in samples if s.kind == kind]
        ok = [(s.end - s.start) * 1000 for s in mine if not s.failed]
        per_kind[kind] = {
            "requests": len(mine),
            "errors": sum(s.failed for s in mine),
            "status_codes": {
                str(code): sum(s.status == code for s in mine)
                for code in sorted({s.status for s in mine})
            },
            "p50_ms": round(percentile(ok, 0.5), 1),
            "p95_ms": round(percentile(ok, 0.95), 1),
        }
    return {
        "duration_seconds": duration,
        "requests": len(samples),
        "requests_per_second": round(len(samples) / duration, 1),
        "errors": sum(s.failed for s in samples),
        "errors_inside_windows": errors_inside,
        "errors_inside_windows_span_s": {
            k: [round(v[0], 2), round(v[1], 2)] for k, v in error_span.items()
        },
        "errors_outside_windows": len(errors_outside),
        "errors_outside_windows_detail": errors_outside[:50],
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "grace_seconds": GRACE_SECONDS,
        "windows": [
            {"name": w.name, "start_s": round(w.start - t0, 2), "end_s": round(w.end - t0, 2)}
            for w in windows
        ],
        "per_kind": per_kind,
        "setup_failures": results.setup_failures,
    }


def run_drill(
    duration: float,
    report_path: Path,
    liaisons: int,
    coordinators: int,
    api_clients: int,
    workers: int,
) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="psp-drill-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - the postgres OS user must reach its data directory
    postgres, redis = Postgres(workdir), Redis(workdir)
    env = app_environment(workdir)
    gunicorn = worker = None
    try:
        log(f"work directory {workdir}")
        postgres.init()
        as_postgres(
            pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "psp"
        )
        redis.start()
        log("migrating and loading seed_demo into a fresh database")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "seed_demo", "--force")
        token = (
            manage(env, "create_api_token", "coordinator", "--name", "load drill")
            .strip()
            .split()[-1]
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "gunicorn"),
                "psp.wsgi:application",
                *("--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4"),
                *("--timeout", "30", "--error-logfile", str(workdir / "gunicorn.log")),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker = subprocess.Popen(  # noqa: S603
            [
                str(BIN / "celery"),
                *("-A", "psp", "worker", "--concurrency", "1", "--loglevel", "WARNING"),
                *("--logfile", str(workdir / "celery.log")),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(port, 30)
        log(f"gunicorn on {base} ({workers} workers x 4 threads); load for {duration:.0f}s")

        warm_up(base, workers)
        results, windows, stop = Results(), [], threading.Event()
        # Clients get their real deadline once everyone has signed in.
        deadline = time.monotonic() + 600
        clients: list[Client] = [
            Liaison(base, results, deadline, seed=i, username=LIAISONS[i % len(LIAISONS)])
            for i in range(liaisons)
        ]
        clients += [Coordinator(base, results, deadline, seed=100 + i) for i in range(coordinators)]
        clients += [
            ApiClient(base, results, deadline, seed=200 + i, token=token)
            for i in range(api_clients)
        ]
        probe = HealthProbe(base, Results(), deadline, seed=999)
        signing_in = [threading.Thread(target=c.get_ready, daemon=True) for c in clients]
        for thread in signing_in:
            thread.start()
        for thread in signing_in:
            thread.join(timeout=120)
        ready = [c for c in clients if c.signed_in]
        log(f"{len(ready)} of {len(clients)} simulated users signed in; starting the clock")
        results.samples.clear()  # sign-in happens before the measured load
        t0 = time.monotonic()
        deadline = t0 + duration
        for c in [*ready, probe]:
            c.deadline = deadline
        clients = ready
        threads = [threading.Thread(target=c.run, daemon=True) for c in [*clients, probe]]
        faults = threading.Thread(
            target=inject_faults, args=(postgres, redis, t0, duration, windows, stop), daemon=True
        )
        for thread in [*threads, faults]:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic() + REQUEST_TIMEOUT + 5))
        stop.set()
        faults.join(timeout=60)
        log("load finished; checking acknowledged writes and backup/restore")

        summary = summarize(results, windows, t0, duration)
        summary["acknowledged_writes"] = acks_in_database(results.acks)
        summary["lost_writes"] = sum(
            len(v["missing_ids"])
            for k, v in summary["acknowledged_writes"].items()
            if k != "outbox_by_status"
        )
        summary["health_timeline"] = [{**h, "t": round(h["t"] - t0, 2)} for h in probe.timeline]
        summary["after_load_healthz"] = requests.get(base + "/healthz/", timeout=10).json()
        backup = subprocess.run(  # noqa: S603
            [
                shutil.which("bash") or "/bin/bash",
                str(ROOT / "bench" / "backup_restore_check.sh"),
                "psp",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        summary["backup_restore_check"] = {
            "ok": backup.returncode == 0,
            "output": (backup.stdout + backup.stderr).strip(),
        }
        summary["setup"] = {
            "gunicorn_workers": workers,
            "gunicorn_threads": 4,
            "celery_worker": True,
            "simulated_liaisons": liaisons,
            "simulated_coordinators": coordinators,
            "api_clients": api_clients,
            "finished_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
        report_path.write_text(json.dumps(summary, indent=2) + "\n")
        print_summary(summary, report_path)
        passed = (
            summary["lost_writes"] == 0
            and summary["errors_outside_windows"] == 0
            and summary["backup_restore_check"]["ok"]
            and summary["after_load_healthz"].get("broker") == "ok"
        )
        return 0 if passed else 1
    finally:
        stop_process(worker, "celery worker")
        stop_process(gunicorn, "gunicorn")
        redis.stop()
        with contextlib.suppress(Exception):
            postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def print_summary(summary: dict, report_path: Path) -> None:
    writes = summary["acknowledged_writes"]
    print()
    print(f"Drill report: {report_path}")
    print(
        f"  requests {summary['requests']} in {summary['duration_seconds']:.0f}s "
        f"({summary['requests_per_second']}/s), "
        f"p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms"
    )
    for w in summary["windows"]:
        print(
            f"  window {w['name']}: {w['start_s']}s to {w['end_s']}s "
            f"(+{summary['grace_seconds']}s grace)"
        )
    print(
        f"  errors {summary['errors']}: inside windows {summary['errors_inside_windows']}, "
        f"outside {summary['errors_outside_windows']}"
    )
    for kind, counts in writes.items():
        if kind == "outbox_by_status":
            print(f"  notification outbox by status: {counts}")
            continue
        print(
            f"  acknowledged {kind} writes {counts['acknowledged']}, in database "
            f"{counts['in_database']}, missing {len(counts['missing_ids'])}"
        )
    print(f"  healthz after the load: {summary['after_load_healthz']}")
    print(f"  {summary['backup_restore_check']['output']}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of load")
    parser.add_argument("--report", type=Path, default=ROOT / "bench" / "drill-report.json")
    parser.add_argument("--liaisons", type=int, default=7)
    parser.add_argument("--coordinators", type=int, default=3)
    parser.add_argument("--api-clients", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()
    if not 10 <= args.duration <= 480:
        parser.error("--duration must be between 10 and 480 seconds")
    return run_drill(
        args.duration, args.report, args.liaisons, args.coordinators, args.api_clients, args.workers
    )


if __name__ == "__main__":
    sys.exit(main())
