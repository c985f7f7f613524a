"""Every write to liaison assignments (DESIGN.md §4). Atomic; raise `ValidationError`."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from liaisons.choices import AssignmentRole
from liaisons.models import Assignment, Liaison
from psp.accounts.audit import AuditAction, audit_record
from psp.domain import validate_and_save
from sites.choices import Phase
from sites.models import Engagement
from sites.services import milestone_complete

if TYPE_CHECKING:
    from psp.accounts.models import User

SSL_ASSIGNED_MILESTONE_KEY = "ssl-assigned"


@transaction.atomic
def assignment_create(
    *,
    liaison: Liaison,
    engagement: Engagement,
    start_date: datetime.date,
    role: str = AssignmentRole.PRIMARY,
    actor: User | None = None,
    today: datetime.date | None = None,
) -> Assignment:
    """Put a liaison on an open engagement. The first primary SSL of an Operations engagement
    completes its "SSL assigned" milestone."""
    today = today or timezone.localdate()
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if not engagement.is_open:
        raise ValidationError("Liaisons can only be assigned to a planned or active engagement.")
    if not liaison.active:
        raise ValidationError({"liaison": f"{liaison} is not an active liaison."})
    if start_date < engagement.start_date:
        raise ValidationError(
            {
                "start_date": "The assignment cannot start before the engagement "
                f"({engagement.start_date})."
            }
        )
    assignment = validate_and_save(
        Assignment(liaison=liaison, engagement=engagement, role=role, start_date=start_date),
        actor=actor,
    )
    audit_record(
        action=AuditAction.ASSIGNMENT_CHANGED,
        actor=actor,
        target=assignment,
        change="assigned",
        start_date=start_date.isoformat(),
    )
    if role == AssignmentRole.PRIMARY and engagement.phase == Phase.OPERATIONS:
        milestone = engagement.milestones.open().filter(key=SSL_ASSIGNED_MILESTONE_KEY).first()
        if milestone is not None:
            milestone_complete(
                milestone=milestone,
                completed_on=min(start_date, today),
                actor=actor,
                note=f"{liaison} assigned as primary SSL.",
                today=today,
            )
    return assignment


@transaction.atomic
def assignment_end(
    *,
    assignment: Assignment,
    end_date: datetime.date,
    handoff_note: str = "",
    actor: User | None = None,
) -> Assignment:
    """End a current assignment, keeping the hand-off note for whoever comes next."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.end_date is not None:
        raise ValidationError(f"This assignment already ended on {assignment.end_date}.")
    assignment.end_date = end_date
    if handoff_note.strip():
        assignment.handoff_note = handoff_note.strip()
    validate_and_save(assignment, actor=actor)
    audit_record(
        action=AuditAction.ASSIGNMENT_CHANGED,
        actor=actor,
        target=assignment,
        change="ended",
        end_date=end_date.isoformat(),
    )
    return assignment


@transaction.atomic
def liaison_reassign(
    *,
    engagement: Engagement,
    new_liaison: Liaison,
    start_date: datetime.date,
    handoff_note: str,
    actor: User | None = None,
    today: datetime.date | None = None,
) -> Assignment:
    """Hand an engagement from its current primary SSL to another in one transaction.

    The outgoing assignment ends the day the new one starts and keeps the hand-off note.
    """
    if not handoff_note.strip():
        raise ValidationError({"handoff_note": "Write a hand-off note for the incoming liaison."})
    current = (
        Assignment.objects.select_for_update()
        .filter(engagement=engagement, role=AssignmentRole.PRIMARY, end_date__isnull=True)
        .first()
    )
    if current is None:
        raise ValidationError("This engagement has no current primary liaison to hand off from.")
    if current.liaison_id == new_liaison.pk:
        raise ValidationError({"liaison": f"{new_liaison} is already the primary liaison."})
    if start_date < current.start_date:
        raise ValidationError(
            {
                "start_date": "The hand-off cannot be before the current assignment began "
                f"({current.start_date})."
            }
        )
    assignment_end(assignment=current, end_date=start_date, handoff_note=handoff_note, actor=actor)
    # A backup stepping up to primary ends their backup assignment first.
    for backup in Assignment.objects.filter(
        engagement=engagement, liaison=new_liaison, end_date__isnull=True
    ):
        assignment_end(assignment=backup, end_date=start_date, actor=actor)
    return assignment_create(
        liaison=new_liaison,
        engagement=engagement,
        start_date=start_date,
        role=AssignmentRole.PRIMARY,
        actor=actor,
        today=today,
    )
