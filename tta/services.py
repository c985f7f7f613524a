"""Every write to TTA requests and deliveries. Atomic; raise `ValidationError` with a reason."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from psp.accounts.roles import Role, roles_of
from psp.domain import validate_and_save
from sites.models import CoreArea, Site
from tta.choices import Priority, RequestStatus
from tta.models import TTADelivery, TTAProvider, TTARequest, TTATransition
from tta.transitions import ACTIONS, Action

if TYPE_CHECKING:
    from psp.accounts.models import User


class IllegalTransition(ValidationError):
    """The request is not in a state the action starts from (HTTP 409 in the API)."""


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
) -> TTARequest:
    """File a new request; it starts in `submitted` with its first transition recorded."""
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
    return request


def _resume_target(request: TTARequest) -> str:
    last_hold = request.transitions.filter(to_status=RequestStatus.ON_HOLD).order_by("-at", "-pk")
    return last_hold.values_list("from_status", flat=True).first() or RequestStatus.SUBMITTED


def action_allowed_for(action: Action, user: User | None) -> bool:
    """Whether the user's roles allow the action (None: the system itself, e.g. a data load)."""
    return user is None or bool(action.roles & roles_of(user))


@transaction.atomic
def tta_request_transition(
    *,
    request: TTARequest,
    action: str,
    actor: User | None,
    note: str = "",
    provider: TTAProvider | None = None,
) -> TTARequest:
    """Apply one action of the state machine and record it.

    The row is locked first, so of two people acting at once the second sees the first's
    result and is refused rather than overwriting it.
    """
    if action not in ACTIONS:
        raise ValidationError(f"Unknown action “{action}”.")
    spec = ACTIONS[action]
    if not action_allowed_for(spec, actor):
        raise PermissionDenied(f"Your role cannot {spec.label.lower()} a TTA request.")
    request = TTARequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in spec.sources:
        raise IllegalTransition(
            f"A request that is {request.get_status_display().lower()} cannot be "
            f"{_past(spec)}; allowed from: "
            + ", ".join(RequestStatus(s).label.lower() for s in sorted(spec.sources))
            + "."
        )
    if spec.note_required and not note.strip():
        raise ValidationError({"note": f"Give a reason to {spec.label.lower()} this request."})
    provider_staff_only = actor is not None and roles_of(actor) == {Role.TTA_PROVIDER}
    if provider_staff_only and not (
        request.provider and request.provider.staff.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied("This request is not assigned to your organization.")
    if action == "start":
        request.provider = provider or request.provider
        if request.provider is None:
            raise ValidationError({"provider": "Assign a provider before work starts."})

    from_status = request.status
    request.status = spec.target or _resume_target(request)
    if action == "decline":
        request.decline_reason = note.strip()
    if action == "close":
        request.outcome = note.strip()
    now = timezone.now()
    request.status_changed_at = now
    validate_and_save(request, actor=actor)
    TTATransition.objects.create(
        request=request,
        from_status=from_status,
        to_status=request.status,
        actor=actor,
        at=now,
        note=note.strip(),
    )
    return request


def _past(spec: Action) -> str:
    return {
        "review": "put under review",
        "approve": "approved",
        "decline": "declined",
        "hold": "put on hold",
        "resume": "resumed",
        "start": "started",
        "deliver": "marked delivered",
        "close": "closed",
        "withdraw": "withdrawn",
    }[spec.name]


@transaction.atomic
def tta_request_assign_provider(
    *, request: TTARequest, provider: TTAProvider, actor: User | None
) -> TTARequest:
    """A coordinator assigns (or reassigns) the organization that will deliver the TTA."""
    if actor is not None and not actor.is_coordinator:
        raise PermissionDenied("Only a coordinator can assign a provider.")
    request = TTARequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in {RequestStatus.APPROVED, RequestStatus.IN_PROGRESS}:
        raise IllegalTransition("A provider can only be assigned to an approved request.")
    if not provider.active:
        raise ValidationError({"provider": f"{provider} is no longer an active provider."})
    request.provider = provider
    return validate_and_save(request, actor=actor)


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
) -> TTADelivery:
    """Record one delivered session against a request that is in progress."""
    request = TTARequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.IN_PROGRESS:
        raise IllegalTransition("Deliveries can only be recorded while work is in progress.")
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
