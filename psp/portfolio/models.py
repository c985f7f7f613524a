import hashlib

from django.conf import settings
from django.db import models

from psp.portfolio.choices import ReportStatus


def token_digest(token: str) -> str:
    """Feed tokens are stored only as a SHA-256 digest; the URL itself is shown once."""
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A user's secret iCalendar subscription URL. Revoking deletes it; a new one replaces it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class QuarterlyReport(models.Model):
    """The program's quarterly snapshot (DESIGN.md §1). A draft is rebuilt from the records each
    time it is shown; publishing freezes what it says into `content`, which never changes after."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField(help_text="1 to 4.")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    introduction = models.TextField(blank=True)
    excluded_keys = models.JSONField(
        default=list, blank=True, help_text="Keys of the items the coordinator left out."
    )
    content = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter"],
                name="quarterlyreport_one_per_quarter",
                violation_error_message="There is already a report for this quarter.",
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4),
                name="quarterlyreport_quarter_1_to_4",
                violation_error_message="A quarter is 1, 2, 3 or 4.",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ReportStatus.DRAFT)
                | models.Q(content__isnull=False, published_at__isnull=False),
                name="quarterlyreport_published_is_frozen",
                violation_error_message="A published report keeps its content and date.",
            ),
        ]

    def __str__(self) -> str:
        return f"Quarterly report Q{self.quarter} {self.year}"

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.year}"

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED
