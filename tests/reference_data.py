"""Put back the rows the data migrations load (roles, core areas, milestone templates).

Tests that commit for real (`transaction=True`) end with a flush that empties every table.
Django's serialized rollback would restore them, but not once Playwright's sync API runs an
event loop in the test thread (the browser tests): Django then hands out a different connection
object than the one holding the serialized data. Re-running the idempotent data migrations works
everywhere.
"""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connections


def reload_reference_data() -> None:
    import_module("psp.accounts.migrations.0002_roles").create_roles(apps, None)
    import_module("sites.migrations.0002_reference_data").seed(apps, None)


# --- Fixtures for modules that mix committed and ordinary tests (tests/tta) -----------------


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Before a committed test: the previous one's flush may have emptied the tables."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        reload_reference_data()


@pytest.fixture(scope="module", autouse=True)
def _reference_data_after_the_module(request, django_db_blocker):
    """After a module with committed tests: leave the rows for the tests that follow, and
    close connections threads left open (the test database cannot be dropped otherwise)."""
    yield
    committed = any(
        (m := item.get_closest_marker("django_db")) and m.kwargs.get("transaction")
        for item in request.session.items
        if item.module is request.module
    )
    if committed:
        with django_db_blocker.unblock():
            reload_reference_data()
            connections.close_all()
