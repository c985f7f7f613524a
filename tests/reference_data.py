"""Put back the rows the data migrations create (roles, core areas, milestone templates).

A transactional test (live server, concurrency) ends with a flush that empties every table,
including what the data migrations seeded. Serialized rollback would restore them, but it is
lost when ordinary tests run before the first transactional one, so transactional tests call
this instead: before they start, and once more when their module is done.
"""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connections

SEEDS = [
    ("psp.accounts.migrations.0002_roles", "create_roles"),
    ("sites.migrations.0002_reference_data", "seed"),
]


def restore_reference_data() -> None:
    """Idempotent: every seed function only creates rows that are missing."""
    for module, function in SEEDS:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Before a transactional test: the previous one's flush may have emptied the tables."""
    marker = request.node.get_closest_marker("django_db")
    if marker and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        restore_reference_data()


@pytest.fixture(scope="module", autouse=True)
def _reference_data_after_the_module(request, django_db_blocker):
    """After the module: leave the data migrations' rows for the tests that follow."""
    yield
    transactional = any(
        (m := item.get_closest_marker("django_db")) and m.kwargs.get("transaction")
        for item in request.session.items
        if item.module is request.module
    )
    if transactional:
        with django_db_blocker.unblock():
            restore_reference_data()
            # Threads and browser sessions may have left connections open; the test database
            # cannot be dropped at the end of the run while one is.
            connections.close_all()
