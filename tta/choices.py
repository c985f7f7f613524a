from django.db import models


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    IN_PROGRESS = "in_progress", "In progress"
    DELIVERED = "delivered", "Delivered"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    ON_HOLD = "on_hold", "On hold"


# Statuses in which a request still needs someone to act.
OPEN_REQUEST_STATUSES = [
    RequestStatus.SUBMITTED,
    RequestStatus.UNDER_REVIEW,
    RequestStatus.APPROVED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.ON_HOLD,
]


class DeliveryMode(models.TextChoices):
    ON_SITE = "on_site", "On-site"
    VIRTUAL = "virtual", "Virtual"
    PEER_EXCHANGE = "peer_exchange", "Peer exchange"
    TRAINING_SUMMIT = "training_summit", "Training summit"
    WEBINAR = "webinar", "Webinar"
    EMBEDDED_EXPERT = "embedded_expert", "Embedded expert"
