"""Writes of the portfolio app: the quarterly report's life (draft → published).

Each service is atomic and raises `ValidationError` on an illegal step, leaving nothing
half-done. Only coordinators reach these (the views check); a published report never changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from psp.domain import validate_and_save
from psp.portfolio.choices import ReportStatus
from psp.portfolio.models import QuarterlyReport
from psp.portfolio.selectors import report_content_build, report_content_without

if TYPE_CHECKING:
    from psp.accounts.models import User


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
