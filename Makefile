# The commands the README shows. `make run` and `make test` set up everything they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup install assets migrate demo lint format check-migrations check-deploy worker beat drills bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the pinned dependencies change.
$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[dev]"
	touch $@

install: $(INSTALLED) assets

# --- Front-end assets (USWDS, htmx, Chart.js; axe-core for browser tests) -----------------------------
# `npm ci` installs the versions pinned in package-lock.json; the compiled files are copied into
# static/vendor/ (gitignored). Re-run whenever the lock file changes.
NODE_STAMP := node_modules/.installed
VENDOR_STAMP := static/vendor/.built
USWDS_DIST := node_modules/@uswds/uswds/dist

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR_STAMP): $(NODE_STAMP)
	rm -rf static/vendor
	mkdir -p static/vendor/uswds static/vendor/htmx static/vendor/chartjs
	cp -R $(USWDS_DIST)/css $(USWDS_DIST)/js $(USWDS_DIST)/fonts $(USWDS_DIST)/img static/vendor/uswds/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map static/vendor/chartjs/
	touch $@

assets: $(VENDOR_STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

setup: demo

## Set up everything on a fresh machine and serve the app at http://127.0.0.1:8000/
run: setup
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Set up and run the whole test suite (SQLite by default; DATABASE_URL switches backends)
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# The production checklist with production-like values (nothing here is a real secret).
check-deploy: install
	DJANGO_DEBUG=False \
	DJANGO_SECRET_KEY="ci-$$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
	DJANGO_ALLOWED_HOSTS=psp.example.gov \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## Load-and-fault drill (manual, not in CI): own PostgreSQL :5499 and Redis :6399, gunicorn with
## production settings, mixed load while PostgreSQL restarts and Redis stops; bench/drill-report.json
DRILL_SECONDS ?= 180
drills: install
	$(BIN)/python bench/drills.py --duration $(DRILL_SECONDS)

## Performance benchmark (manual): fresh PostgreSQL databases psp_bench_s<scale> on 127.0.0.1:5432
## (user postgres), seeded at each of BENCH_SCALES; bench/results.json and docs/benchmarks.md.
## Exits nonzero when a budget is broken.
BENCH_SCALES ?= 1 10
bench: $(INSTALLED)
	BENCH_SCALES="$(BENCH_SCALES)" $(BIN)/python bench/run.py

## Background jobs (needs CELERY_BROKER_URL, e.g. redis://127.0.0.1:6379/0)
worker: install
	$(BIN)/celery -A psp worker --loglevel=INFO

beat: install
	$(BIN)/celery -A psp beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 node_modules static/vendor
