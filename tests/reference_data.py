"""Put back the rows the data migrations load (roles, core areas, milestone templates).

Tests that commit for real (`transaction=True`) end with a flush that empties every table.
Django's serialized rollback would restore them, but not once Playwright's sync API runs an
event loop in the test thread (the browser tests): Django then hands out a different connection
object than the one holding the serialized data. Re-running the idempotent data migrations works
everywhere.
"""

from importlib import import_module

from django.apps import apps


def reload_reference_data() -> None:
    import_module("psp.accounts.migrations.0002_roles").create_roles(apps, None)
    import_module("sites.migrations.0002_reference_data").seed(apps, None)
