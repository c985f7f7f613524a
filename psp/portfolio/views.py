from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from psp.accounts.audit import AuditAction, audit_record
from psp.accounts.roles import Role, roles_of
from psp.portfolio import calendar
from psp.portfolio.exports import DATASETS, csv_lines, export_table, xlsx_file
from psp.portfolio.filtersets import PortfolioFilterSet
from psp.portfolio.models import CalendarFeed, QuarterlyReport
from psp.portfolio.pdf import report_pdf_render
from psp.portfolio.selectors import (
    PortfolioDashboard,
    dashboard_portfolio,
    last_full_quarter,
    recent_quarters,
    report_content_build,
    report_item_keys,
    site_status_queryset,
)
from psp.portfolio.services import (
    quarterly_report_create,
    quarterly_report_publish,
    quarterly_report_update,
    site_status_rows_refresh,
)

EXPORT_FORMATS = {"csv", "xlsx"}


def require_coordinator(user) -> None:
    if Role.COORDINATOR not in roles_of(user):
        raise PermissionDenied("Only DOJ coordinators see the portfolio.")


@login_required
@require_GET
def dashboard(request):
    """The coordinators' view of the whole portfolio; the filters in the URL apply to every
    widget (docs/portfolio.md)."""
    require_coordinator(request.user)
    today = timezone.localdate()
    sites = site_status_queryset(user=request.user)
    # The filters and the widgets read the sites' stored status rows: rebuild the stale ones
    # (a write, on a GET: the rows are a cache of what the sites' records say today).
    site_status_rows_refresh(sites, today=today)
    filterset = PortfolioFilterSet(request.GET, queryset=sites)
    # An invalid filter (a cohort that is not a year) shows its error and counts no site.
    sites = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    core_area = filterset.form.cleaned_data.get("core_area") if filterset.is_valid() else None
    dashboard = dashboard_portfolio(sites=sites, today=today, core_area=core_area or None)
    return render(
        request,
        "portfolio/dashboard.html",
        {
            "filterset": filterset,
            "dashboard": dashboard,
            "charts": dashboard_charts(dashboard),
            # The filters in use, for the download links (empty fields left out).
            "query": urlencode([(k, v) for k, v in request.GET.items() if v and k != "page"]),
        },
    )


def dashboard_charts(dashboard: PortfolioDashboard) -> dict:
    """Chart.js data for the dashboard's charts (each also shown as a table)."""
    return {
        "phase_status": {
            "labels": [f"{r.phase_label}: {r.status_label}" for r in dashboard.by_phase_status],
            "datasets": [{"label": "Sites", "data": [r.count for r in dashboard.by_phase_status]}],
        },
        "cohort": {
            "labels": [r.label for r in dashboard.by_cohort],
            "datasets": [{"label": "Sites", "data": [r.count for r in dashboard.by_cohort]}],
        },
        "pipeline": {
            "labels": [r.core_area_name for r in dashboard.pipeline],
            "datasets": [
                {"label": label, "data": [r.by_status.get(value, 0) for r in dashboard.pipeline]}
                for value, label in dashboard.pipeline_statuses
            ],
        },
    }


@login_required
@require_GET
def export(request, dataset: str, fmt: str):
    """Download a dataset the user may see, as CSV or XLSX, streamed row by row."""
    if dataset not in DATASETS or fmt not in EXPORT_FORMATS:
        raise Http404("No such export.")
    spec = DATASETS[dataset]
    # The rows start from what the user may see; the list's own filters then narrow them.
    filterset = spec.filterset(request.GET, queryset=spec.rows(request.user), request=request)
    if not filterset.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in filterset.errors.items())
        return HttpResponseBadRequest(f"Invalid filter. {errors}", content_type="text/plain")
    header, rows = export_table(dataset=spec, user=request.user, queryset=filterset.qs)
    audit_record(
        action=AuditAction.EXPORT,
        actor=request.user,
        request=request,
        dataset=dataset,
        format=fmt,
        filters=request.GET.urlencode(),
    )
    filename = f"psp-{dataset}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        xlsx_file(header, rows, title=spec.title),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def calendar_settings(request):
    """Create, replace or revoke the user's calendar subscription URL."""
    return render(
        request,
        "portfolio/calendar.html",
        {
            "feed": CalendarFeed.objects.filter(user=request.user).first(),
            "new_url": request.session.pop("psp_new_calendar_url", None),
        },
    )


@login_required
@require_POST
def calendar_create(request):
    token = calendar.calendar_feed_create(user=request.user)
    # Shown once on the next page, never stored in the clear.
    request.session["psp_new_calendar_url"] = request.build_absolute_uri(
        calendar.calendar_feed_path(token)
    )
    messages.success(request, "Your calendar URL is ready. Copy it now: it is shown only once.")
    return redirect("portfolio:calendar")


@login_required
@require_POST
def calendar_revoke(request):
    if calendar.calendar_feed_revoke(user=request.user):
        messages.success(
            request, "Your calendar URL no longer works. Calendars using it stop updating."
        )
    return redirect("portfolio:calendar")


@require_GET
def calendar_feed(request, token: str):
    """The iCalendar file itself. The secret in the URL is the credential: calendar apps
    cannot sign in. An unknown or revoked token is a 404."""
    user = calendar.calendar_feed_user(token=token)
    if user is None:
        raise Http404("No such calendar.")
    entries = calendar.calendar_entries_for(user=user, today=timezone.localdate())
    body = calendar.calendar_render(
        entries=entries,
        base_url=request.build_absolute_uri("/"),
        name=f"PSP — {user}",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="psp.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- The quarterly report -----------------------------------------------------------------------


@login_required
def report_list(request):
    """The reports so far, and a form to start the draft of a quarter."""
    require_coordinator(request.user)
    today = timezone.localdate()
    if request.method == "POST":
        try:
            year, quarter = (int(part) for part in request.POST.get("quarter", "").split("-"))
            report = quarterly_report_create(year=year, quarter=quarter, actor=request.user)
        except ValueError:
            messages.error(request, "Choose a quarter.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("portfolio:report", pk=report.pk)
    return render(
        request,
        "portfolio/report_list.html",
        {
            "reports": QuarterlyReport.objects.select_related("published_by"),
            "quarters": recent_quarters(today),
            "suggested": last_full_quarter(today),
        },
    )


def _report_for(request, pk: int) -> QuarterlyReport:
    require_coordinator(request.user)
    return get_object_or_404(QuarterlyReport, pk=pk)


@login_required
@require_GET
def report_detail(request, pk: int):
    """A draft shows everything recorded in the quarter, each item with an "Include" box; a
    published report shows its frozen content."""
    report = _report_for(request, pk)
    if report.is_published:
        content = report.content
    else:
        content = report_content_build(year=report.year, quarter=report.quarter)
    return render(
        request,
        "portfolio/report_detail.html",
        {"report": report, "content": content, "excluded": set(report.excluded_keys)},
    )


@login_required
@require_POST
def report_update(request, pk: int):
    report = _report_for(request, pk)
    content = report_content_build(year=report.year, quarter=report.quarter)
    included = set(request.POST.getlist("include"))
    try:
        quarterly_report_update(
            report=report,
            introduction=request.POST.get("introduction", ""),
            excluded_keys=[key for key in report_item_keys(content) if key not in included],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Draft saved.")
    return redirect("portfolio:report", pk=report.pk)


@login_required
@require_POST
def report_publish(request, pk: int):
    report = _report_for(request, pk)
    try:
        quarterly_report_publish(report=report, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The {report.label} report is published.")
    return redirect("portfolio:report", pk=report.pk)


@login_required
@require_GET
def report_pdf(request, pk: int):
    """The published report as a PDF (WeasyPrint), with the same print stylesheet."""
    report = _report_for(request, pk)
    if not report.is_published:
        raise Http404("Only a published report has a PDF.")
    pdf = report_pdf_render(report=report, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="psp-report-{report.year}-q{report.quarter}.pdf"'
    )
    return response
