"""Every write to TTA requests, deliveries and training summits.

Atomic; a refusal raises `ValidationError` (or `PermissionDenied` for a role that may not act)
with a reason a person can read. The rules of the state machine live in `tta.transitions`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from psp.accounts.roles import Role, roles_of
from psp.domain import validate_and_save
from sites.choices import Phase
from sites.models import CoreArea, Engagement, Milestone, Site
from sites.services import milestone_complete
from tta.choices import OPEN_REQUEST_STATUSES, Priority, RequestStatus
from tta.models import (
    OpenRequestTally,
    SummitAttendance,
    TrainingSummit,
    TTADelivery,
    TTAProvider,
    TTARequest,
    TTATransition,
)
from tta.selectors import sites_requestable_by
from tta.transitions import (
    ACTIONS,
    DELIVERY_ROLES,
    DELIVERY_STATUSES,
    PAST_TENSE,
    PREVIOUS,
    SUBMIT_ROLES,
    Action,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from psp.accounts.models import User


class IllegalTransition(ValidationError):
    """The request is not in a state the action starts from (HTTP 409 in the API)."""


def acting_roles(
    *, user: User, request: TTARequest, roles: frozenset[str], today: datetime.date | None = None
) -> frozenset[str]:
    """Which of `roles` the user holds *for this request*: a coordinator for any request, a
    site contact for their own site, a liaison for a site they are assigned to now, provider
    staff for their organization's requests. At most one query per role checked."""
    today = today or timezone.localdate()
    held = roles_of(user) & roles
    reach: set[str] = set()
    if Role.COORDINATOR in held:
        reach.add(Role.COORDINATOR)
    if Role.SITE_CONTACT in held and (
        Site.objects.of_contact(user).filter(pk=request.site_id).exists()
    ):
        reach.add(Role.SITE_CONTACT)
    if Role.LIAISON in held and (
        Site.objects.assigned_to(user, on=today).filter(pk=request.site_id).exists()
    ):
        reach.add(Role.LIAISON)
    if Role.TTA_PROVIDER in held and (
        request.provider_id is not None
        and TTAProvider.objects.filter(pk=request.provider_id, staff=user).exists()
    ):
        reach.add(Role.TTA_PROVIDER)
    return frozenset(reach)


def actions_available(
    *, request: TTARequest, user: User, today: datetime.date | None = None
) -> list[Action]:
    """The actions the user may take on the request now, in table order (for the buttons)."""
    candidates = [a for a in ACTIONS.values() if request.status in a.sources]
    if not candidates:
        return []
    wanted = frozenset().union(*(a.roles for a in candidates))
    reach = acting_roles(user=user, request=request, roles=wanted, today=today)
    return [a for a in candidates if a.roles & reach]


def _refuse_role(user: User, roles: frozenset[str], what: str) -> None:
    if not roles_of(user) & roles:
        raise PermissionDenied(f"Your role cannot {what}.")
    raise PermissionDenied(
        f"You cannot {what}: this request is outside your sites or organization."
    )


@transaction.atomic
def tta_request_submit(
    *,
    site: Site,
    core_area: CoreArea,
    title: str,
    description: str,
    requested_by: User,
    needed_by: datetime.date | None = None,
    priority: str = Priority.NORMAL,
    today: datetime.date | None = None,
) -> TTARequest:
    """File a new request; it starts in `submitted` with its first transition recorded.

    Site contacts file for their own site, liaisons for the sites they are assigned to today.
    """
    today = today or timezone.localdate()
    if not roles_of(requested_by) & SUBMIT_ROLES:
        raise PermissionDenied("Only a site contact or a liaison can request TTA.")
    if not sites_requestable_by(user=requested_by, today=today).filter(pk=site.pk).exists():
        raise ValidationError(
            {"site": f"You cannot request TTA for {site}: it is not one of your current sites."}
        )
    if not core_area.active:
        raise ValidationError({"core_area": f"{core_area} is no longer offered."})
    if needed_by is not None and needed_by < today:
        raise ValidationError({"needed_by": "The needed-by date cannot be in the past."})
    now = timezone.now()
    request = validate_and_save(
        TTARequest(
            site=site,
            core_area=core_area,
            title=title.strip(),
            description=description.strip(),
            requested_by=requested_by,
            needed_by=needed_by,
            priority=priority,
            status=RequestStatus.SUBMITTED,
            status_changed_at=now,
        ),
        actor=requested_by,
    )
    TTATransition.objects.create(
        request=request,
        from_status="",
        to_status=RequestStatus.SUBMITTED,
        actor=requested_by,
        at=now,
    )
    open_request_tally_move(before=None, after=open_request_tally_key(request))
    return request


def _status_before_hold(request: TTARequest) -> str:
    last_hold = request.transitions.filter(to_status=RequestStatus.ON_HOLD).order_by("-at", "-pk")
    return last_hold.values_list("from_status", flat=True).first() or RequestStatus.SUBMITTED


def _status_label(status: str) -> str:
    return RequestStatus(status).label.lower()


@transaction.atomic
def tta_request_transition(
    *,
    request: TTARequest,
    action: str,
    actor: User | None,
    note: str = "",
    provider: TTAProvider | None = None,
    expected_status: str | None = None,
    today: datetime.date | None = None,
) -> TTARequest:
    """Apply one action of the state machine (`tta.transitions.ACTIONS`) and record it.

    `actor=None` is the system itself (a data load). `expected_status` is the status the actor
    saw when they chose the action; if the request has moved on since, the action is refused.

    Locking: the request row is locked (`SELECT … FOR UPDATE`) before its status is read, so of
    two people acting at once the second waits, sees the first one's result and is refused.
    """
    if action not in ACTIONS:
        raise ValidationError(f"Unknown action “{action}”.")
    spec = ACTIONS[action]
    if actor is not None and not roles_of(actor) & spec.roles:
        _refuse_role(actor, spec.roles, f"{spec.label.lower()} a TTA request")
    request = TTARequest.objects.select_for_update().get(pk=request.pk)
    if expected_status is not None and request.status != expected_status:
        raise IllegalTransition(
            f"This request was {_status_label(expected_status)} when you opened it and is now "
            f"{_status_label(request.status)}; nothing was changed. Check the timeline and try "
            "again."
        )
    if request.status not in spec.sources:
        raise IllegalTransition(
            f"A request that is {_status_label(request.status)} cannot be "
            f"{PAST_TENSE[spec.name]}; allowed only when "
            + " or ".join(_status_label(s) for s in sorted(spec.sources))
            + "."
        )
    if actor is not None and not acting_roles(
        user=actor, request=request, roles=spec.roles, today=today
    ):
        _refuse_role(actor, spec.roles, f"{spec.label.lower()} this request")
    note = note.strip()
    if spec.note_required and not note:
        raise ValidationError({"note": f"Give a reason to {spec.label.lower()} this request."})
    if spec.needs_provider:
        if provider is None:
            raise ValidationError({"provider": "Choose the provider to assign."})
        if not provider.active:
            raise ValidationError({"provider": f"{provider} is no longer an active provider."})
        if provider.pk == request.provider_id:
            raise ValidationError({"provider": f"{provider} is already assigned."})
        request.provider = provider
        note = f"Assigned to {provider}." + (f" {note}" if note else "")
    if spec.name == "start" and request.provider_id is None:
        raise ValidationError({"provider": "A coordinator must assign a provider first."})

    from_status = request.status
    tally_before = open_request_tally_key(request)
    before_hold = _status_before_hold(request) if spec.target == PREVIOUS else None
    request.status = spec.targets_from(from_status, before_hold=before_hold)
    if spec.name == "decline":
        request.decline_reason = note
    if spec.name == "close":
        request.outcome = note
    now = timezone.now()
    if request.status != from_status:
        request.status_changed_at = now
    validate_and_save(request, actor=actor)
    TTATransition.objects.create(
        request=request,
        from_status=from_status,
        to_status=request.status,
        actor=actor,
        at=now,
        note=note,
    )
    open_request_tally_move(before=tally_before, after=open_request_tally_key(request))
    return request


def tta_request_assign_provider(
    *,
    request: TTARequest,
    provider: TTAProvider,
    actor: User | None,
    note: str = "",
    expected_status: str | None = None,
) -> TTARequest:
    """A coordinator assigns (or reassigns) the organization that will deliver the TTA.

    The "assign" action of the table, recorded in the timeline like any other.
    """
    return tta_request_transition(
        request=request,
        action="assign",
        actor=actor,
        note=note,
        provider=provider,
        expected_status=expected_status,
    )


@dataclass
class BulkResult:
    done: list[TTARequest] = field(default_factory=list)
    refused: list[tuple[TTARequest, str]] = field(default_factory=list)


def tta_request_bulk_transition(
    *,
    requests: Iterable[TTARequest],
    action: str,
    actor: User,
    note: str = "",
    provider: TTAProvider | None = None,
) -> BulkResult:
    """Apply one action to several requests (the triage queue's bulk actions).

    Deliberately not one transaction: each request goes through `tta_request_transition` in its
    own, so one request that cannot take the action is reported and does not undo the others.
    """
    result = BulkResult()
    for request in requests:
        try:
            changed = tta_request_transition(
                request=request, action=action, actor=actor, note=note, provider=provider
            )
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            result.refused.append((request, " ".join(messages)))
        else:
            result.done.append(changed)
    return result


@transaction.atomic
def tta_delivery_record(
    *,
    request: TTARequest,
    date: datetime.date,
    mode: str,
    hours: Decimal,
    participants: int,
    actor: User | None,
    summary: str = "",
    host_site: Site | None = None,
    today: datetime.date | None = None,
) -> TTADelivery:
    """Provider staff record one delivered session against their request in progress."""
    today = today or timezone.localdate()
    request = TTARequest.objects.select_for_update().get(pk=request.pk)
    if actor is not None and not acting_roles(
        user=actor, request=request, roles=DELIVERY_ROLES, today=today
    ):
        _refuse_role(actor, DELIVERY_ROLES, "record a delivery for this request")
    if request.status not in DELIVERY_STATUSES:
        raise IllegalTransition(
            f"Deliveries can only be recorded while work is in progress; this request is "
            f"{_status_label(request.status)}."
        )
    if date > today:
        raise ValidationError({"date": "Record a delivery once it has happened."})
    if mode == "peer_exchange" and host_site is None:
        raise ValidationError({"host_site": "Say which site hosted the peer exchange."})
    if mode != "peer_exchange" and host_site is not None:
        raise ValidationError({"host_site": "A host site is recorded only for a peer exchange."})
    return validate_and_save(
        TTADelivery(
            request=request,
            date=date,
            mode=mode,
            hours=hours,
            participants=participants,
            host_site=host_site,
            summary=summary.strip(),
            recorded_by=actor,
        ),
        actor=actor,
    )


# --- Open requests by core area, status and day submitted (the dashboard's TTA pipeline) ------

TallyKey = tuple[int, str, datetime.date]  # core area id, status, local day submitted


def open_request_tally_key(request: TTARequest) -> TallyKey | None:
    """The tally `request` counts in, or None once it is closed (delivered, declined...)."""
    if request.status not in OPEN_REQUEST_STATUSES:
        return None
    return (request.core_area_id, request.status, timezone.localdate(request.created_at))


def open_request_tally_move(*, before: TallyKey | None, after: TallyKey | None) -> None:
    """Move one request from the tally it counted in `before` a write to the one it counts in
    `after` it. Call it inside the write's transaction, so the counts commit with the write."""
    if before == after:
        return
    # Rows are updated in key order, so two requests moving opposite ways between the same two
    # tallies wait for each other instead of deadlocking.
    for key, delta in sorted(
        [(key, delta) for key, delta in [(before, -1), (after, 1)] if key is not None]
    ):
        fields = dict(zip(("core_area_id", "status", "submitted_on"), key, strict=True))
        tally = OpenRequestTally.objects.filter(**fields)
        if delta < 0:
            # Never below zero: a tally already wrong (a data load) waits for the rebuild
            # rather than refusing a person's transition.
            tally.filter(count__gt=0).update(count=F("count") - 1)
        elif not tally.update(count=F("count") + 1):
            # The day's first request of its kind; another one may be inserting it right now.
            OpenRequestTally.objects.bulk_create(
                [OpenRequestTally(**fields, count=0)], ignore_conflicts=True
            )
            tally.update(count=F("count") + 1)


@transaction.atomic
def open_request_tallies_rebuild() -> int:
    """Count every open request afresh: nightly, and after a data load that wrote requests
    around the services (seed_demo, seed_bench). Returns the number of tallies."""
    if connection.vendor == "postgresql":
        # Submissions and transitions wait until the new counts are in, so none is lost.
        table = connection.ops.quote_name(OpenRequestTally._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    OpenRequestTally.objects.all().delete()
    counts = (
        TTARequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
        .annotate(submitted_on=TruncDate("created_at"))
        .values("core_area_id", "status", "submitted_on")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return len(
        OpenRequestTally.objects.bulk_create(
            (OpenRequestTally(**row) for row in counts.iterator()), batch_size=2000
        )
    )


# --- The annual training summit -----------------------------------------------------------


def _require_coordinator(actor: User | None, what: str) -> None:
    if actor is not None and not actor.is_coordinator:
        raise PermissionDenied(f"Only a coordinator can {what}.")


@transaction.atomic
def training_summit_save(
    *,
    year: int,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    location: str,
    actor: User | None,
    notes: str = "",
    summit: TrainingSummit | None = None,
) -> TrainingSummit:
    """Record (or correct) a year's summit: its dates and place."""
    _require_coordinator(actor, "record a training summit")
    summit = summit or TrainingSummit()
    if start_date.year != year:
        raise ValidationError({"start_date": f"The {year} summit must start in {year}."})
    summit.year, summit.title, summit.location = year, title.strip(), location.strip()
    summit.start_date, summit.end_date, summit.notes = start_date, end_date, notes.strip()
    return validate_and_save(summit, actor=actor)


@transaction.atomic
def summit_session_add(
    *,
    summit: TrainingSummit,
    core_area: CoreArea,
    title: str,
    actor: User | None,
    description: str = "",
):
    """Add a session in one core area to a summit's programme."""
    from tta.models import SummitSession

    _require_coordinator(actor, "change a summit's sessions")
    return validate_and_save(
        SummitSession(
            summit=summit, core_area=core_area, title=title.strip(), description=description
        ),
        actor=actor,
    )


def summit_milestone_for(*, site: Site, summit: TrainingSummit) -> Milestone | None:
    """The yearly "training-summit-yN" milestone the summit counts for at the site, if any.

    It belongs to the site's Operations engagement running on the summit's first day; N is the
    engagement year the summit falls in (year 1 = the first 12 months from its start).
    """
    day = summit.start_date
    engagement = (
        Engagement.objects.filter(site=site, phase=Phase.OPERATIONS, start_date__lte=day)
        .order_by("-start_date")
        .first()
    )
    if engagement is None or day > (engagement.actual_end or engagement.planned_end):
        return None
    elapsed = relativedelta(day, engagement.start_date)
    year = elapsed.years + 1
    return engagement.milestones.filter(key=f"training-summit-y{year}").first()


@transaction.atomic
def summit_attendance_record(
    *,
    summit: TrainingSummit,
    site: Site,
    attendees: int,
    actor: User | None,
    today: datetime.date | None = None,
) -> SummitAttendance:
    """Record how many people a site sent to a summit (again: corrects the number).

    An Operations site's yearly summit milestone is completed on the summit's last day (or
    today, if it is still running) unless it was already completed.
    """
    today = today or timezone.localdate()
    _require_coordinator(actor, "record summit attendance")
    if summit.start_date > today:
        raise ValidationError("Attendance can be recorded once the summit has begun.")
    attendance = (
        SummitAttendance.objects.select_for_update().filter(summit=summit, site=site).first()
    ) or SummitAttendance(summit=summit, site=site)
    attendance.attendees = attendees
    attendance.recorded_by = actor
    validate_and_save(attendance, actor=actor)
    milestone = summit_milestone_for(site=site, summit=summit)
    if milestone is not None and milestone.completed_on is None:
        milestone_complete(
            milestone=milestone,
            completed_on=min(summit.end_date, today),
            actor=actor,
            note=f"Attended {summit} with {attendees} people.",
            today=today,
        )
    return attendance
