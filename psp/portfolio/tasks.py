"""Scheduled work of the portfolio (the schedule is in psp/celery.py)."""

from celery import shared_task
from django.utils import timezone

from psp.portfolio.services import site_status_rows_refresh
from sites.models import Site


@shared_task(name="portfolio.refresh_site_status", acks_late=True)
def refresh_site_status() -> int:
    """Rebuild every stored site status row for the new day (day counts move at midnight), so
    the first dashboard of the morning does not do it. Idempotent: current rows are skipped."""
    return site_status_rows_refresh(Site.objects.all(), today=timezone.localdate())
