"""Every write to sites, engagements and milestones (DESIGN.md §4).

Each service is atomic: it either does all it says or raises `ValidationError` and leaves the
database as it was. Callers pass `actor` so history credits the right person.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from psp.domain import validate_and_save
from psp.notifications.services import notifications_cancel
from sites.choices import EngagementStatus, Phase
from sites.models import (
    Engagement,
    EngagementExtension,
    Milestone,
    MilestoneTemplate,
    Site,
)

if TYPE_CHECKING:
    from psp.accounts.models import User


def phase_planned_end(*, phase: str, start_date: datetime.date) -> datetime.date:
    """Start + 18 months (Diagnostic) or 36 months (Operations).

    Month ends clamp: 31 August + 18 months is the last day of February.
    """
    return start_date + relativedelta(months=settings.PSP_PHASE_MONTHS[phase])


@dataclass(frozen=True)
class PlannedMilestone:
    template: MilestoneTemplate
    key: str
    title: str
    due_date: datetime.date


def milestone_schedule(
    *, phase: str, start_date: datetime.date, planned_end: datetime.date
) -> list[PlannedMilestone]:
    """The milestones a phase owes between its start and planned end, from the active templates.

    Yearly milestones repeat every 12 months from their first due date while still inside the
    phase. Each date is computed from the start (never by adding to the previous date), so a
    31 January start keeps month-end dates instead of drifting to the 28th.
    """
    planned: list[PlannedMilestone] = []
    for template in MilestoneTemplate.objects.filter(phase=phase, active=True):
        year = 0
        while True:
            due = start_date + relativedelta(
                months=template.offset_months + 12 * year, days=template.offset_days
            )
            if year > 0 and due > planned_end:
                break
            if template.repeats_yearly:
                key, title = f"{template.key}-y{year + 1}", f"{template.title} (year {year + 1})"
            else:
                key, title = template.key, template.title
            planned.append(PlannedMilestone(template, key, title, min(due, planned_end)))
            if not template.repeats_yearly:
                break
            year += 1
    return sorted(planned, key=lambda p: (p.due_date, p.template.order))


def _milestones_generate(*, engagement: Engagement, actor: User | None) -> list[Milestone]:
    """Create the scheduled milestones the engagement does not have yet (safe to re-run)."""
    existing = set(engagement.milestones.values_list("key", flat=True))
    new = [
        Milestone(
            engagement=engagement,
            template=p.template,
            key=p.key,
            title=p.title,
            due_date=p.due_date,
        )
        for p in milestone_schedule(
            phase=engagement.phase,
            start_date=engagement.start_date,
            planned_end=engagement.planned_end,
        )
        if p.key not in existing
    ]
    return bulk_create_with_history(new, Milestone, default_user=actor)


def _lock_site(site: Site) -> Site:
    # Serializes engagement changes per site on PostgreSQL; the unique constraint backs it up.
    return Site.objects.select_for_update().get(pk=site.pk)


@transaction.atomic
def engagement_start(
    *,
    site: Site,
    phase: str,
    start_date: datetime.date,
    actor: User | None = None,
    previous: Engagement | None = None,
    today: datetime.date | None = None,
) -> Engagement:
    """Open a phase for a site and generate its milestones from the templates."""
    today = today or timezone.localdate()
    site = _lock_site(site)
    current = site.engagements.open().first()
    if current is not None:
        raise ValidationError(
            f"{site} already has an open {current.get_phase_display()} engagement "
            f"(started {current.start_date:%-d %B %Y}). Complete, withdraw or transition it "
            "before starting another."
        )
    engagement = Engagement(
        site=site,
        phase=phase,
        start_date=start_date,
        planned_end=phase_planned_end(phase=phase, start_date=start_date),
        status=EngagementStatus.ACTIVE if start_date <= today else EngagementStatus.PLANNED,
        previous=previous,
    )
    validate_and_save(engagement, actor=actor)
    _milestones_generate(engagement=engagement, actor=actor)
    return engagement


@transaction.atomic
def engagement_extend(
    *,
    engagement: Engagement,
    new_planned_end: datetime.date,
    reason: str,
    actor: User | None = None,
) -> Engagement:
    """Move an open engagement's planned end later, recording why; adds any yearly milestones
    the longer phase now owes."""
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if not engagement.is_open:
        raise ValidationError("Only a planned or active engagement can be extended.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the engagement is being extended."})
    if new_planned_end <= engagement.planned_end:
        raise ValidationError(
            {
                "new_planned_end": "The new planned end must be after the current one "
                f"({engagement.planned_end:%-d %B %Y})."
            }
        )
    validate_and_save(
        EngagementExtension(
            engagement=engagement,
            previous_planned_end=engagement.planned_end,
            new_planned_end=new_planned_end,
            reason=reason.strip(),
            extended_by=actor,
        ),
        actor=actor,
    )
    engagement.planned_end = new_planned_end
    validate_and_save(engagement, actor=actor)
    _milestones_generate(engagement=engagement, actor=actor)
    return engagement


def _engagement_close(
    *,
    engagement: Engagement,
    status: str,
    end_date: datetime.date,
    reason: str,
    actor: User | None,
) -> Engagement:
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if not engagement.is_open:
        raise ValidationError(
            f"This engagement is already {engagement.get_status_display().lower()}."
        )
    if end_date < engagement.start_date:
        raise ValidationError(
            {"actual_end": f"The end date cannot be before the start ({engagement.start_date})."}
        )
    engagement.status = status
    engagement.actual_end = end_date
    engagement.close_reason = reason.strip()
    return validate_and_save(engagement, actor=actor)


@transaction.atomic
def engagement_complete(
    *, engagement: Engagement, end_date: datetime.date, actor: User | None = None, note: str = ""
) -> Engagement:
    """Close a phase that ran its course (the site graduates or finishes its Diagnostic)."""
    return _engagement_close(
        engagement=engagement,
        status=EngagementStatus.COMPLETED,
        end_date=end_date,
        reason=note,
        actor=actor,
    )


@transaction.atomic
def engagement_withdraw(
    *, engagement: Engagement, end_date: datetime.date, reason: str, actor: User | None = None
) -> Engagement:
    """Close a phase early because the site or the program withdrew; a reason is required."""
    if not reason.strip():
        raise ValidationError({"close_reason": "Say why the site is withdrawing."})
    return _engagement_close(
        engagement=engagement,
        status=EngagementStatus.WITHDRAWN,
        end_date=end_date,
        reason=reason,
        actor=actor,
    )


@transaction.atomic
def engagement_transition_to_operations(
    *,
    engagement: Engagement,
    start_date: datetime.date,
    actor: User | None = None,
    today: datetime.date | None = None,
) -> Engagement:
    """Move a site from Diagnostic to Operations in one transaction: the Diagnostic engagement
    closes as transitioned on the day Operations starts, and the new one links back to it.
    If anything fails, neither change is kept."""
    if engagement.phase != Phase.DIAGNOSTIC:
        raise ValidationError("Only a Diagnostic engagement can transition to Operations.")
    closed = _engagement_close(
        engagement=engagement,
        status=EngagementStatus.TRANSITIONED,
        end_date=start_date,
        reason="Transitioned to Operations.",
        actor=actor,
    )
    return engagement_start(
        site=closed.site,
        phase=Phase.OPERATIONS,
        start_date=start_date,
        actor=actor,
        previous=closed,
        today=today,
    )


@transaction.atomic
def milestone_complete(
    *,
    milestone: Milestone,
    completed_on: datetime.date,
    actor: User | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> Milestone:
    """Mark a milestone done on a given date, appending the note to its notes."""
    today = today or timezone.localdate()
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.completed_on is not None:
        raise ValidationError(
            f"“{milestone.title}” was already completed on {milestone.completed_on:%-d %B %Y}."
        )
    if completed_on > today:
        raise ValidationError({"completed_on": "A milestone cannot be completed in the future."})
    milestone.completed_on = completed_on
    milestone.completed_by = actor
    if note.strip():
        milestone.notes = f"{milestone.notes}\n\n{note.strip()}".strip()
    milestone = validate_and_save(milestone, actor=actor)
    notifications_cancel(obj=milestone, reason="The milestone was completed.")
    return milestone


@transaction.atomic
def milestone_reschedule(
    *,
    milestone: Milestone,
    due_date: datetime.date,
    reason: str,
    actor: User | None = None,
) -> Milestone:
    """Move an open milestone's due date, noting why, and re-arm its reminder ladder.

    Reminders are keyed on the due date (psp.notifications), so the sweeps start the ladder
    again from the new date on their own; what is still waiting to be sent about the old date
    is cancelled here, in the same transaction as the move.
    """
    milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if milestone.completed_on is not None:
        raise ValidationError(
            f"“{milestone.title}” was completed on {milestone.completed_on:%-d %B %Y}; "
            "a completed milestone cannot be rescheduled."
        )
    if not reason.strip():
        raise ValidationError({"reason": "Say why the due date is moving."})
    if due_date == milestone.due_date:
        raise ValidationError({"due_date": f"The milestone is already due on {due_date}."})
    previous = milestone.due_date
    milestone.due_date = due_date
    milestone.notes = (
        f"{milestone.notes}\n\nDue date moved from {previous:%-d %B %Y} to "
        f"{due_date:%-d %B %Y}: {reason.strip()}"
    ).strip()
    milestone = validate_and_save(milestone, actor=actor)
    notifications_cancel(
        obj=milestone,
        reason=f"The due date moved from {previous} to {due_date}.",
        keep_reference_date=due_date,
    )
    return milestone
