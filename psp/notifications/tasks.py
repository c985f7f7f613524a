"""Celery tasks: ids in, one service call each (STYLE.md). Scheduled in psp/celery.py."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from psp.notifications import services

logger = logging.getLogger(__name__)

MAX_DELIVERY_RETRIES = 8


@shared_task(name="notifications.sweep", acks_late=True)
def sweep(today: str | None = None) -> dict:
    """Record every notice due today, make the digests due today, then publish what is unsent."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    recorded = services.notifications_record_due(today=day)
    digests = services.notifications_digest(today=day)
    published = services.notifications_enqueue_pending()
    return {"recorded": len(recorded), "digests": len(digests), "published": published}


@shared_task(name="notifications.deliver_pending", acks_late=True)
def deliver_pending() -> int:
    """The delivery sweep: release expired claims and publish every unsent notice again."""
    return services.notifications_enqueue_pending()


@shared_task(bind=True, name="notifications.deliver", acks_late=True)
def deliver(self, notification_id: int) -> str:
    """Email one notice. Transient mail errors retry with back-off and jitter; after the last
    retry the row stays pending and the delivery sweep tries again later."""
    try:
        return services.notification_deliver(notification_id=notification_id).status
    except services.TransientDeliveryError as exc:
        if self.request.retries >= MAX_DELIVERY_RETRIES:
            logger.warning("Notification %s: giving up retries for now: %s", notification_id, exc)
            return "retry later"
        raise self.retry(countdown=exc.retry_in, exc=exc) from exc
