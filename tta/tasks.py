"""Scheduled work of TTA (the schedule is in psp/celery.py)."""

from celery import shared_task

from tta.services import open_request_tallies_rebuild


@shared_task(name="tta.rebuild_open_request_tallies", acks_late=True)
def rebuild_open_request_tallies() -> int:
    """Count the open requests afresh, so a write that went around the services (a data load)
    is in the dashboard's TTA pipeline by morning. Idempotent."""
    return open_request_tallies_rebuild()
