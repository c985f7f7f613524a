"""Pages for site visits: the list, the form (create and edit), a visit, and returning one.

Thin: parse, authorize through `visible_to`, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from liaisons import services
from liaisons.choices import VisitStatus
from liaisons.filtersets import VisitListFilterSet
from liaisons.forms import (
    ACTION_ITEMS_PREFIX,
    ActionItemFormSet,
    VisitForm,
    action_items_initial,
    apply_service_errors,
    mark_invalid_fields,
    visit_comparison,
    visit_initial,
    visit_input,
)
from liaisons.models import ActionItem
from liaisons.selectors import (
    may_log_visits,
    sees_internal_notes,
    visit_detail_for,
    visit_for_edit,
    visit_list_for,
    visit_needs_write_up,
)
from psp.accounts.roles import Role, roles_of
from psp.paginator import CappedPaginator
from sites.models import Site

VISITS_PER_PAGE = 25


@login_required
@require_GET
def visit_list(request):
    filterset = VisitListFilterSet(
        request.GET, queryset=visit_list_for(user=request.user), request=request
    )
    # An invalid filter (a site that is not yours, a bad date) shows its error and no rows.
    visits = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = CappedPaginator(visits, VISITS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "liaisons/visit_list.html",
        {
            "filterset": filterset,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "can_log": may_log_visits(request.user),
        },
    )


@login_required
@require_GET
def visit_detail(request, pk: int):
    visit = visit_detail_for(user=request.user, pk=pk)
    return _render_detail(request, visit)


def _render_detail(request, visit, *, return_error: str = "", status: int = 200):
    today = timezone.localdate()
    return render(
        request,
        "liaisons/visit_detail.html",
        {
            "visit": visit,
            "show_internal": sees_internal_notes(request.user),
            "can_edit": visit.liaison.user_id == request.user.pk
            and visit.status != VisitStatus.SUBMITTED,
            "can_return": Role.COORDINATOR in roles_of(request.user)
            and visit.status == VisitStatus.SUBMITTED,
            "needs_write_up": visit_needs_write_up(visit, today=today),
            "return_error": return_error,
        },
        status=status,
    )


def _writable_sites(user):
    return Site.objects.assigned_to(user, on=timezone.localdate())


def _visit_form_page(request, *, visit=None):
    if not may_log_visits(request.user):
        raise PermissionDenied("Only Strategic Site Liaisons log site visits.")
    sites = _writable_sites(request.user)
    conflict, comparison = None, []
    if request.method == "POST":
        form = VisitForm(request.POST, sites=sites)
        formset = ActionItemFormSet(request.POST, prefix=ACTION_ITEMS_PREFIX)
        if form.is_valid() and formset.is_valid():
            submit = "submit" in request.POST
            service = services.visit_submit if submit else services.visit_save_draft
            try:
                saved = service(
                    data=visit_input(form, formset),
                    actor=request.user,
                    visit=visit,
                    version=form.cleaned_data.get("version"),
                )
            except services.VisitEditConflict as exc:
                conflict = exc.current
                comparison = visit_comparison(visit_input(form, formset), conflict)
                # The next save is a deliberate choice made after seeing both versions.
                form.data = form.data.copy()
                form.data["version"] = conflict.version
            except ValidationError as exc:
                apply_service_errors(exc, form, formset)
            else:
                if submit:
                    messages.success(request, f"Visit to {saved.site} submitted.")
                elif saved.status == VisitStatus.PLANNED:
                    messages.success(request, f"Planned visit to {saved.site} saved.")
                else:
                    messages.success(request, f"Draft visit to {saved.site} saved.")
                return redirect("liaisons:visit-detail", pk=saved.pk)
        status = 409 if conflict else 400
        for item_form in [form, *formset.forms]:
            mark_invalid_fields(item_form)
    else:
        if visit is None:
            initial = {"start_date": timezone.localdate()}
            site_slug = request.GET.get("site")
            if site_slug:
                initial["site"] = sites.filter(slug=site_slug).values_list("pk", flat=True).first()
            form = VisitForm(initial=initial, sites=sites)
            formset = ActionItemFormSet(prefix=ACTION_ITEMS_PREFIX)
        else:
            form = VisitForm(initial=visit_initial(visit), sites=sites)
            formset = ActionItemFormSet(
                prefix=ACTION_ITEMS_PREFIX,
                initial=action_items_initial(list(visit.action_items.all())),
            )
        status = 200
    return render(
        request,
        "liaisons/visit_form.html",
        {
            "form": form,
            "formset": formset,
            "visit": visit,
            "conflict": conflict,
            "comparison": comparison,
            "has_errors": request.method == "POST" and conflict is None,
        },
        status=status,
    )


@login_required
def visit_create(request):
    return _visit_form_page(request)


@login_required
def visit_edit(request, pk: int):
    visit = visit_for_edit(user=request.user, pk=pk)
    if visit.status == VisitStatus.SUBMITTED:
        messages.info(request, "This visit has been submitted and can no longer be changed.")
        return redirect("liaisons:visit-detail", pk=visit.pk)
    return _visit_form_page(request, visit=visit)


@login_required
@require_GET
def action_item_row(request):
    """One empty "next step" row for the visit form (htmx), and the formset's new total."""
    if not may_log_visits(request.user):
        raise Http404
    try:
        index = int(request.GET.get(f"{ACTION_ITEMS_PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        index = 0
    index = max(0, min(index, 200))
    formset = ActionItemFormSet(prefix=ACTION_ITEMS_PREFIX)
    form = formset._construct_form(index, empty_permitted=True, use_required_attribute=False)
    return render(
        request,
        "liaisons/_action_item_row.html",
        {"item": form, "total": index + 1, "prefix": ACTION_ITEMS_PREFIX, "oob": True},
    )


@login_required
@require_POST
def visit_return(request, pk: int):
    visit = visit_detail_for(user=request.user, pk=pk)
    if Role.COORDINATOR not in roles_of(request.user):
        raise PermissionDenied("Only a DOJ coordinator can return a visit.")
    try:
        services.visit_return_to_draft(
            visit=visit, note=request.POST.get("returned_note", ""), actor=request.user
        )
    except ValidationError as exc:
        return _render_detail(request, visit, return_error=" ".join(exc.messages), status=400)
    messages.success(request, f"Visit returned to {visit.liaison} with your note.")
    return redirect("liaisons:visit-detail", pk=visit.pk)


@login_required
@require_POST
def action_item_done(request, pk: int):
    item = get_object_or_404(ActionItem.objects.visible_to(request.user), pk=pk)
    try:
        services.action_item_complete(item=item, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Marked done: {item.text}")
    return redirect("home")
