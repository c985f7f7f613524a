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


class SiteStatusRow(models.Model):
    """The part of a site's status the dashboard ranks and counts (its current engagement, last
    visit, at-risk score and reasons, open milestones), as `site_status_list` computed it,
    stored so that the dashboard reads a few rows instead of rebuilding thousands of statuses
    (docs/benchmarks.md).

    A row is current only while `as_of` is today, `rules` is today's settings
    (`status_rules_key`) and `version` is its site's `status_version`, which every write to a
    row the status reads bumps (psp.domain.SITE_STATUS_SOURCES). `site_status_rows_refresh`
    rebuilds every other row before the dashboard reads, and a nightly job rebuilds them all
    just after midnight, when the day counts move. Deleting the engagement or liaison a row
    names deletes the row, which is then rebuilt like a stale one.
    """

    site = models.OneToOneField(
        "sites.Site", on_delete=models.CASCADE, primary_key=True, related_name="status_row"
    )
    version = models.PositiveBigIntegerField()
    as_of = models.DateField()
    rules = models.CharField(max_length=16)
    engagement = models.ForeignKey(
        "sites.Engagement", on_delete=models.CASCADE, null=True, related_name="+"
    )
    phase = models.CharField(max_length=12, blank=True)
    engagement_status = models.CharField(max_length=12, blank=True)
    current_liaison = models.ForeignKey(
        "liaisons.Liaison", on_delete=models.CASCADE, null=True, related_name="+"
    )
    last_visit_date = models.DateField(null=True)
    risk_score = models.PositiveSmallIntegerField()
    risk_reasons = models.JSONField(default=list)
    # Open milestones of every open engagement of the site (what the dashboard counts), overdue
    # and due within PSP_DASHBOARD_DUE_SOON_DAYS.
    milestones_overdue = models.PositiveIntegerField()
    milestones_due_soon = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # The dashboard's two lists of active sites: highest score first, and oldest visit.
            models.Index(fields=["engagement_status", "-risk_score"], name="statusrow_status_risk"),
            models.Index(
                fields=["engagement_status", "last_visit_date"], name="statusrow_status_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"Status of site {self.site_id} as of {self.as_of}"

    @property
    def days_since_last_visit(self) -> int | None:
        if self.last_visit_date is None:
            return None
        return (self.as_of - self.last_visit_date).days
