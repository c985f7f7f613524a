import datetime
import os

import pytest
from django.db import connection

from psp.accounts.roles import Role
from tests import factories

REQUIRE_SERVICES = os.environ.get("PSP_REQUIRE_SERVICES") == "1"


def pytest_configure(config):
    from django.conf import settings

    # Password hashing is deliberately slow; tests hash hundreds of throwaway passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Sign-in throttling is tested on its own (tests/accounts/test_security.py); elsewhere it
    # would need a request on every `client.login()`.
    settings.AXES_ENABLED = False
    # Serve static files from the source folders; tests do not run collectstatic.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


def pytest_collection_modifyitems(config, items):
    # Tests marked `postgres` exercise row locks and concurrency that SQLite cannot show;
    # they run in the PostgreSQL pass of CI.
    on_postgres = connection.vendor == "postgresql"
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


@pytest.fixture
def redis_url():
    """A reachable Redis, or a skip — a failure when PSP_REQUIRE_SERVICES=1 (CI)."""
    import redis

    url = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis is required (PSP_REQUIRE_SERVICES=1) but {url} is not reachable")
        pytest.skip(f"Redis not reachable at {url}")
    return url


@pytest.fixture
def today():
    return datetime.date(2026, 3, 15)


@pytest.fixture
def coordinator(db):
    return factories.UserFactory(username="coord", roles=[Role.COORDINATOR])


@pytest.fixture
def integration(db):
    return factories.UserFactory(username="integration", roles=[Role.INTEGRATION])


@pytest.fixture(autouse=True)
def _reference_data_for_committing_tests(request):
    """Tests that commit for real (transactional_db, live_server, a worker process) start after
    another such test's flush has emptied every table, including the rows the data migrations
    load (roles, core areas, milestone templates); put those back first."""
    marker = request.node.get_closest_marker("django_db")
    commits = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if commits:
        from tests.reference_data import reload_reference_data

        request.getfixturevalue("transactional_db")
        reload_reference_data()
