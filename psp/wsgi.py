import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psp.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules and settings) lives as long as the
# worker: take it out of the garbage collector's view, so a full collection walks only what
# requests create. With it in view, each full collection took 60-100 ms, and a status feed
# walked page by page paid one every ten pages (docs/benchmarks.md).
gc.freeze()
