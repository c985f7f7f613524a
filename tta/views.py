"""TTA pages: thin — parse, authorize through `visible_to`, call one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from psp.accounts.roles import Role, roles_of
from tta import forms, selectors, services
from tta.filtersets import TTARequestFilterSet
from tta.models import TrainingSummit, TTAProvider, TTARequest
from tta.transitions import ACTIONS, SUBMIT_ROLES

SORTS = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "needed_by": ("needed_by", "created_at"),
    "site": ("site__name", "created_at"),
}


def _errors_of(error: ValidationError) -> list[str]:
    return list(error.messages)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def request_list(request):
    """The TTA requests page; for a coordinator, the triage queue with bulk actions."""
    user = request.user
    filterset = TTARequestFilterSet(
        request.GET, queryset=selectors.tta_request_list(user=user), request=request
    )
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "oldest"
    queryset = (
        filterset.qs.order_by(*SORTS[sort]) if filterset.is_valid() else TTARequest.objects.none()
    )
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    is_coordinator = Role.COORDINATOR in roles_of(user)
    return render(
        request,
        "tta/request_list.html",
        {
            "page": page,
            "filter": filterset,
            "sort": sort,
            "sorts": [
                ("oldest", "Oldest first"),
                ("newest", "Newest first"),
                ("needed_by", "Needed soonest"),
                ("site", "Site"),
            ],
            "can_request": bool(roles_of(user) & SUBMIT_ROLES),
            "bulk_form": forms.BulkTransitionForm() if is_coordinator else None,
            "triage_days": selectors.triage_target_days(),
            "is_provider": Role.TTA_PROVIDER in roles_of(user),
        },
    )


@login_required
def request_create(request):
    """The intake form: a site contact for their site, a liaison for their current sites."""
    if not roles_of(request.user) & SUBMIT_ROLES:
        raise PermissionDenied("Only site contacts and liaisons request TTA.")
    form = forms.TTARequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            tta_request = services.tta_request_submit(
                requested_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("tta:request-submitted", pk=tta_request.pk)
    return render(request, "tta/request_form.html", {"form": form})


@login_required
def request_submitted(request, pk: int):
    """The requester's confirmation page."""
    tta_request = get_object_or_404(
        TTARequest.objects.visible_to(request.user).select_related("site", "core_area"), pk=pk
    )
    return render(request, "tta/request_submitted.html", {"tta_request": tta_request})


NOTE_LABELS = {"decline": "Reason for declining", "close": "Outcome"}


def _render_detail(request, tta_request: TTARequest, *, error: str = "", status: int = 200):
    actions = services.actions_available(request=tta_request, user=request.user)
    buttons = [
        {
            "action": action,
            "note_label": NOTE_LABELS.get(action.name, f"Note on “{action.label}” (optional)"),
        }
        for action in actions
    ]
    providers = (
        TTAProvider.objects.filter(active=True) if any(a.needs_provider for a in actions) else []
    )
    return render(
        request,
        "tta/request_detail.html",
        {
            "tta_request": tta_request,
            "timeline": selectors.tta_request_timeline(request=tta_request),
            "buttons": buttons,
            "providers": providers,
            "related": selectors.tta_request_related(user=request.user, request=tta_request),
            "can_record_delivery": (
                tta_request.status in services.DELIVERY_STATUSES
                and bool(
                    services.acting_roles(
                        user=request.user, request=tta_request, roles=services.DELIVERY_ROLES
                    )
                )
            ),
            "triage_due": selectors.triage_due_date(
                submitted_on=timezone.localtime(tta_request.created_at).date()
            ),
            "error": error,
        },
        status=status,
    )


@login_required
def request_detail(request, pk: int):
    """The request page: timeline, the buttons the user may press, related requests."""
    return _render_detail(request, selectors.tta_request_detail(user=request.user, pk=pk))


@login_required
@require_POST
def request_act(request, pk: int):
    """One action button: refused actions come back to the page saying why (409 when the
    request is not in a state the action starts from)."""
    tta_request = get_object_or_404(TTARequest.objects.visible_to(request.user), pk=pk)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        return _render_detail(
            request,
            selectors.tta_request_detail(user=request.user, pk=pk),
            error="That action could not be read; reload the page and try again.",
            status=400,
        )
    data = form.cleaned_data
    try:
        services.tta_request_transition(
            request=tta_request,
            action=data["action"],
            actor=request.user,
            note=data["note"],
            provider=data["provider"],
            expected_status=data["expected_status"],
        )
    except services.IllegalTransition as error:
        message, status = " ".join(_errors_of(error)), 409
    except ValidationError as error:
        message, status = " ".join(_errors_of(error)), 400
    except PermissionDenied as error:
        message, status = str(error), 403
    else:
        messages.success(request, f"{ACTIONS[data['action']].label}: done.")
        return redirect("tta:request-detail", pk=pk)
    return _render_detail(
        request,
        selectors.tta_request_detail(user=request.user, pk=pk),
        error=message,
        status=status,
    )


@login_required
@require_POST
def request_bulk(request):
    """Apply one triage action to the requests ticked in the queue (coordinators)."""
    if Role.COORDINATOR not in roles_of(request.user):
        raise PermissionDenied("Only coordinators triage requests.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("tta:request-list")
    back = back or reverse("tta:request-list")
    form = forms.BulkTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick at least one request and choose an action.")
        return redirect(back)
    data = form.cleaned_data
    chosen = TTARequest.objects.visible_to(request.user).filter(pk__in=data["requests"])
    result = services.tta_request_bulk_transition(
        requests=chosen.order_by("pk"),
        action=data["action"],
        actor=request.user,
        note=data["note"],
        provider=data["provider"],
    )
    label = ACTIONS[data["action"]].label
    if result.done:
        messages.success(
            request, f"{label}: done for {len(result.done)} request{'s' * (len(result.done) > 1)}."
        )
    for refused, why in result.refused:
        messages.error(request, f"“{refused.title}” ({refused.site}): {why}")
    return redirect(back)


@login_required
def delivery_create(request, pk: int):
    """Provider staff record a delivered session."""
    tta_request = get_object_or_404(
        TTARequest.objects.visible_to(request.user).select_related("site", "provider"), pk=pk
    )
    form = forms.DeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tta_delivery_record(
                request=tta_request, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Delivery recorded.")
            return redirect("tta:request-detail", pk=pk)
    elif not services.acting_roles(
        user=request.user, request=tta_request, roles=services.DELIVERY_ROLES
    ):
        raise PermissionDenied("Only the assigned provider's staff record deliveries.")
    return render(request, "tta/delivery_form.html", {"form": form, "tta_request": tta_request})


@login_required
def provider_requests(request):
    """Provider staff: the requests assigned to their organization, with delivery totals."""
    if Role.TTA_PROVIDER not in roles_of(request.user):
        raise PermissionDenied("This page is for TTA provider staff.")
    page = Paginator(selectors.provider_workload(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "tta/provider_requests.html", {"page": page})


# --- The annual training summit -----------------------------------------------------------


@login_required
def summit_list(request):
    return render(
        request,
        "tta/summit_list.html",
        {
            "summits": selectors.summit_list(user=request.user),
            "is_coordinator": Role.COORDINATOR in roles_of(request.user),
        },
    )


@login_required
def summit_create(request):
    if Role.COORDINATOR not in roles_of(request.user):
        raise PermissionDenied("Only coordinators record training summits.")
    form = forms.SummitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            summit = services.training_summit_save(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{summit} recorded.")
            return redirect(summit.get_absolute_url())
    return render(request, "tta/summit_form.html", {"form": form})


def _render_summit(request, summit, *, session_form=None, attendance_form=None, status=200):
    is_coordinator = Role.COORDINATOR in roles_of(request.user)
    return render(
        request,
        "tta/summit_detail.html",
        {
            "summit": summit,
            "is_coordinator": is_coordinator,
            "session_form": session_form or (forms.SummitSessionForm() if is_coordinator else None),
            "attendance_form": attendance_form
            or (forms.SummitAttendanceForm() if is_coordinator else None),
        },
        status=status,
    )


@login_required
def summit_detail(request, year: int):
    return _render_summit(request, selectors.summit_detail(user=request.user, year=year))


@login_required
@require_POST
def summit_session_add(request, year: int):
    summit = get_object_or_404(TrainingSummit.objects.visible_to(request.user), year=year)
    form = forms.SummitSessionForm(request.POST)
    if form.is_valid():
        try:
            services.summit_session_add(summit=summit, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Session added.")
            return redirect(summit.get_absolute_url())
    return _render_summit(
        request,
        selectors.summit_detail(user=request.user, year=year),
        session_form=form,
        status=400,
    )


@login_required
@require_POST
def summit_attendance_record(request, year: int):
    summit = get_object_or_404(TrainingSummit.objects.visible_to(request.user), year=year)
    form = forms.SummitAttendanceForm(request.POST)
    if form.is_valid():
        try:
            attendance = services.summit_attendance_record(
                summit=summit, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"{attendance.site}: {attendance.attendees} people recorded.")
            return redirect(summit.get_absolute_url())
    return _render_summit(
        request,
        selectors.summit_detail(user=request.user, year=year),
        attendance_form=form,
        status=400,
    )
