"""Every write to liaison assignments, site visits and their action items (DESIGN.md §4).

Atomic; raise `ValidationError` (with field names where a form can show them next to a field).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from liaisons.choices import AssignmentRole, VisitMode, VisitStatus
from liaisons.models import ActionItem, Assignment, Liaison, SiteVisit
from psp.accounts.audit import AuditAction, audit_record
from psp.accounts.roles import Role, roles_of
from psp.domain import validate_and_save
from sites.choices import Phase
from sites.models import CoreArea, Engagement, Site
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


# --- Site visits ------------------------------------------------------------------------------


class VisitEditConflict(Exception):
    """Someone saved the visit after this edit began; nothing was written.

    Carries the stored visit so the caller can show both versions side by side.
    """

    def __init__(self, current: SiteVisit):
        super().__init__(
            "This visit was saved somewhere else (another tab or another person) after you "
            "opened it, so your changes were not saved. Compare both versions below."
        )
        self.current = current


class VisitAlreadySubmitted(ValidationError):
    """The visit is submitted and locked; only a coordinator's return reopens it (HTTP 409 in
    the API)."""


class VisitNotYours(ValidationError):
    """Only the liaison who logged a visit changes it (HTTP 403 in the API)."""


@dataclass(frozen=True)
class ActionItemInput:
    """One next step as typed on the visit form. `pk` is set for rows already saved."""

    text: str
    owner_name: str = ""
    due_date: datetime.date | None = None
    pk: int | None = None


@dataclass(frozen=True)
class VisitInput:
    """Everything the visit form collects; services decide what is valid when."""

    site: Site
    start_date: datetime.date
    end_date: datetime.date | None = None
    mode: str = VisitMode.ON_SITE
    purpose: str = ""
    core_areas: Sequence[CoreArea] = ()
    people_met: str = ""
    goals: str = ""
    lessons_learned: str = ""
    summary: str = ""
    internal_notes: str = ""
    action_items: Sequence[ActionItemInput] = field(default_factory=tuple)


def _liaison_of(actor: User) -> Liaison:
    liaison = Liaison.objects.filter(user=actor, active=True).first()
    if liaison is None or Role.LIAISON not in roles_of(actor):
        raise ValidationError("Only an active Strategic Site Liaison can log site visits.")
    return liaison


def _check_assigned(*, site: Site, actor: User, today: datetime.date) -> Engagement:
    """The open engagement of a site the actor is assigned to today (checked on every write,
    so a tampered form cannot log a visit for someone else's site)."""
    if not Site.objects.assigned_to(actor, on=today).filter(pk=site.pk).exists():
        raise ValidationError({"site": "You can only log visits for sites you are assigned to."})
    engagement = site.engagements.open().first()
    assert engagement is not None  # assigned_to only returns sites with an open engagement
    return engagement


def _visit_write(
    *, visit: SiteVisit, data: VisitInput, actor: User, today: datetime.date
) -> SiteVisit:
    visit.engagement = _check_assigned(site=data.site, actor=actor, today=today)
    visit.site = data.site
    visit.start_date = data.start_date
    visit.end_date = data.end_date
    visit.mode = data.mode
    visit.purpose = data.purpose.strip()
    visit.people_met = data.people_met.strip()
    visit.goals = data.goals.strip()
    visit.lessons_learned = data.lessons_learned.strip()
    visit.summary = data.summary.strip()
    visit.internal_notes = data.internal_notes.strip()
    # A visit dated in the future is a plan; once the day comes it needs a write-up.
    visit.status = VisitStatus.PLANNED if data.start_date > today else VisitStatus.DRAFT
    errors: dict[str, list[str]] = {}
    if data.end_date is not None and data.end_date < data.start_date:
        errors["end_date"] = ["The end date cannot be before the visit date."]
    if errors:
        raise ValidationError(errors)
    validate_and_save(visit, actor=actor)
    visit.core_areas.set(data.core_areas)
    _action_items_replace(visit=visit, items=data.action_items, actor=actor)
    return visit


def _action_items_replace(
    *, visit: SiteVisit, items: Sequence[ActionItemInput], actor: User
) -> None:
    """Make the visit's action items exactly `items`: update kept rows (keeping `done_on`),
    add new ones, delete the ones removed from the form."""
    existing = {item.pk: item for item in visit.action_items.all()}
    kept: set[int] = set()
    for row in items:
        item = existing.get(row.pk) if row.pk is not None else None
        if item is None:
            item = ActionItem(visit=visit)
        item.text = row.text.strip()
        item.owner_name = row.owner_name.strip()
        # An action item without a named owner belongs to the liaison who logged it.
        item.owner = actor if not item.owner_name else None
        item.due_date = row.due_date
        validate_and_save(item, actor=actor)
        kept.add(item.pk)
    for pk, item in existing.items():
        if pk not in kept:
            item._history_user = actor
            item.delete()


def _visit_claim(*, visit: SiteVisit, version: int, actor: User) -> SiteVisit:
    """Claim the right to write: bump the version only if it is still the one the editor saw.

    The conditional UPDATE also takes the row lock (PostgreSQL), so two saves of the same draft
    are serialized and the second one sees "0 rows updated" — a conflict, never an overwrite.
    """
    claimed = SiteVisit.objects.filter(pk=visit.pk, version=version).update(
        version=F("version") + 1
    )
    current = SiteVisit.objects.select_related("site", "liaison__user").get(pk=visit.pk)
    if not claimed:
        raise VisitEditConflict(current)
    if current.liaison.user_id != actor.pk:
        raise VisitNotYours("Only the liaison who logged this visit can change it.")
    if current.status == VisitStatus.SUBMITTED:
        raise VisitAlreadySubmitted("This visit has been submitted and can no longer be changed.")
    return current


def _submit_errors(data: VisitInput, *, today: datetime.date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.start_date > today:
        errors["start_date"] = ["A visit can be submitted once it has taken place."]
    if not data.summary.strip():
        errors["summary"] = ["Write the summary you are sharing with the site before submitting."]
    if not data.core_areas:
        errors["core_areas"] = ["Choose at least one core area."]
    for index, item in enumerate(data.action_items):
        if item.due_date is None:
            errors[f"action_items.{index}.due_date"] = ["Give this next step a due date."]
    return errors


@transaction.atomic
def visit_save_draft(
    *,
    data: VisitInput,
    actor: User,
    visit: SiteVisit | None = None,
    version: int | None = None,
    today: datetime.date | None = None,
) -> SiteVisit:
    """Create a visit or save changes to one that is not submitted; stays editable.

    Dated in the future it is saved as planned, otherwise as a draft. Editing an existing
    visit needs the `version` the editor started from (see `VisitEditConflict`).
    """
    today = today or timezone.localdate()
    liaison = _liaison_of(actor)
    if visit is None:
        visit = SiteVisit(liaison=liaison)
    else:
        visit = _visit_claim(visit=visit, version=version or 0, actor=actor)
    return _visit_write(visit=visit, data=data, actor=actor, today=today)


@transaction.atomic
def visit_submit(
    *,
    data: VisitInput,
    actor: User,
    visit: SiteVisit | None = None,
    version: int | None = None,
    today: datetime.date | None = None,
) -> SiteVisit:
    """Validate a visit completely and lock it as submitted (sites and colleagues see it).

    Raises `ValidationError` with one message per field and writes nothing when incomplete.
    """
    today = today or timezone.localdate()
    liaison = _liaison_of(actor)
    if visit is not None:
        visit = _visit_claim(visit=visit, version=version or 0, actor=actor)
    else:
        visit = SiteVisit(liaison=liaison)
    errors = _submit_errors(data, today=today)
    if data.end_date is not None and data.end_date < data.start_date:
        errors["end_date"] = ["The end date cannot be before the visit date."]
    if not Site.objects.assigned_to(actor, on=today).filter(pk=data.site.pk).exists():
        errors["site"] = ["You can only log visits for sites you are assigned to."]
    if errors:
        raise ValidationError(errors)
    visit = _visit_write(visit=visit, data=data, actor=actor, today=today)
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at = timezone.now()
    visit.returned_note = ""
    return validate_and_save(visit, actor=actor)


@transaction.atomic
def visit_return_to_draft(
    *, visit: SiteVisit, note: str, actor: User, version: int | None = None
) -> SiteVisit:
    """A coordinator sends a submitted visit back to its liaison with a note saying why."""
    if Role.COORDINATOR not in roles_of(actor):
        raise ValidationError("Only a DOJ coordinator can return a visit to draft.")
    if not note.strip():
        raise ValidationError({"returned_note": "Tell the liaison what needs to change."})
    visit = SiteVisit.objects.select_for_update().get(pk=visit.pk)
    if version is not None and visit.version != version:
        raise VisitEditConflict(visit)
    if visit.status != VisitStatus.SUBMITTED:
        raise ValidationError("Only a submitted visit can be returned to draft.")
    visit.status = VisitStatus.DRAFT
    visit.returned_note = note.strip()
    visit.submitted_at = None
    visit.version += 1
    return validate_and_save(visit, actor=actor)


@transaction.atomic
def action_item_complete(
    *, item: ActionItem, actor: User, done_on: datetime.date | None = None
) -> ActionItem:
    """Mark a next step done (by the liaison who logged the visit, its owner or a coordinator)."""
    item = ActionItem.objects.select_for_update().select_related("visit__liaison").get(pk=item.pk)
    allowed = (
        Role.COORDINATOR in roles_of(actor)
        or item.owner_id == actor.pk
        or item.visit.liaison.user_id == actor.pk
    )
    if not allowed:
        raise ValidationError("Only the visit's liaison, the owner or a coordinator can do that.")
    if item.done_on is not None:
        raise ValidationError(f"This action item was already done on {item.done_on}.")
    item.done_on = done_on or timezone.localdate()
    return validate_and_save(item, actor=actor)
