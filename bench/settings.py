"""Settings for `make bench`: production settings (the environment sets DJANGO_DEBUG=False),
with one change: static files are named without the manifest, so the benchmark does not need
a `collectstatic` run first (a manifest lookup is a dictionary read; it does not move the
timings)."""

from psp.settings import *  # noqa: F403
from psp.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
