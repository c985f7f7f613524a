"""Writes of the portfolio app: the stored site status rows the dashboard reads, and the
quarterly report's life (draft → published).

Each report service is atomic and raises `ValidationError` on an illegal step, leaving nothing
half-done. Only coordinators reach these (the views check); a published report never changes.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from psp.domain import validate_and_save
from psp.portfolio.choices import ReportStatus
from psp.portfolio.models import QuarterlyReport, SiteStatusRow
from psp.portfolio.selectors import (
    SiteStatus,
    open_milestone_counts,
    report_content_build,
    report_content_without,
    site_status_list,
    status_rules_key,
)
from sites.models import Site

if TYPE_CHECKING:
    from psp.accounts.models import User

# --- Stored status rows (psp.portfolio.models.SiteStatusRow, docs/site-status.md) ------------

STATUS_ROWS_CHUNK = 500  # sites rebuilt per round of `site_status_list` (its five queries)
STATUS_ROW_FIELDS = [
    "version",
    "as_of",
    "rules",
    "engagement",
    "phase",
    "engagement_status",
    "current_liaison",
    "last_visit_date",
    "risk_score",
    "risk_reasons",
    "milestones_overdue",
    "milestones_due_soon",
]


def site_status_rows_refresh(sites: QuerySet[Site], *, today: datetime.date) -> int:
    """Rebuild the stored rows of those `sites` whose row is missing or not current; return
    how many were rebuilt. When all are current this is one query.

    Each rebuilt row records the `status_version` its site had when `site_status_list` read
    it, in the same statement as the rows it depends on (later statements see later data), so
    a row never claims a version newer than what it was computed from. Concurrent rebuilds
    may both write; the last write wins and is current or stale, never wrong and current.
    """
    key = status_rules_key()
    current = SiteStatusRow.objects.filter(
        site=OuterRef("pk"), version=OuterRef("status_version"), as_of=today, rules=key
    )
    ids = list(sites.filter(~Exists(current)).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), STATUS_ROWS_CHUNK):
        chunk = ids[start : start + STATUS_ROWS_CHUNK]
        statuses = site_status_list(Site.objects.filter(pk__in=chunk).order_by("pk"), today=today)
        milestones = open_milestone_counts(chunk, today=today)
        SiteStatusRow.objects.bulk_create(
            [
                _status_row(status, rules=key, milestones=milestones.get(status.site.pk, {}))
                for status in statuses
            ],
            update_conflicts=True,
            unique_fields=["site"],
            update_fields=STATUS_ROW_FIELDS,
        )
    return len(ids)


def _status_row(status: SiteStatus, *, rules: str, milestones: dict[str, int]) -> SiteStatusRow:
    engagement = status.engagement
    return SiteStatusRow(
        site=status.site,
        version=status.site.status_version,
        as_of=status.as_of,
        rules=rules,
        engagement=engagement,
        phase=engagement.phase if engagement else "",
        engagement_status=engagement.status if engagement else "",
        current_liaison=status.current_liaison,
        last_visit_date=status.last_visit_date,
        risk_score=status.risk_score,
        risk_reasons=status.risk_reasons,
        milestones_overdue=milestones.get("overdue", 0),
        milestones_due_soon=milestones.get("due_soon", 0),
    )


# --- The quarterly report ---------------------------------------------------------------------


@transaction.atomic
def quarterly_report_create(*, year: int, quarter: int, actor: User) -> QuarterlyReport:
    """Start the draft of a quarter's report (one per quarter, enforced by the database)."""
    report = QuarterlyReport(year=year, quarter=quarter, created_by=actor)
    return validate_and_save(report, actor=actor)


def _lock_draft(report: QuarterlyReport) -> QuarterlyReport:
    locked = QuarterlyReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != ReportStatus.DRAFT:
        raise ValidationError(f"The {locked.label} report is published and can no longer change.")
    return locked


@transaction.atomic
def quarterly_report_update(
    *, report: QuarterlyReport, introduction: str, excluded_keys: list[str], actor: User
) -> QuarterlyReport:
    """Save the coordinator's introduction and the items left out of a draft."""
    report = _lock_draft(report)
    report.introduction = introduction.strip()
    report.excluded_keys = sorted(set(excluded_keys))
    return validate_and_save(report, actor=actor)


@transaction.atomic
def quarterly_report_publish(*, report: QuarterlyReport, actor: User) -> QuarterlyReport:
    """Freeze the draft: store what it says now (without the left-out items, with the
    introduction), so later edits to visits or deliveries do not change a published report.
    The row lock makes two coordinators publishing at once publish once."""
    report = _lock_draft(report)
    content = report_content_without(
        report_content_build(year=report.year, quarter=report.quarter), report.excluded_keys
    )
    content["introduction"] = report.introduction
    report.content = content
    report.status = ReportStatus.PUBLISHED
    report.published_at = timezone.now()
    report.published_by = actor
    return validate_and_save(report, actor=actor)
