from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liaisons.selectors import (
    liaison_current_sites,
    liaison_open_action_items,
    liaison_open_visits,
    visit_needs_write_up,
)
from psp.accounts.roles import Role, roles_of


@login_required
@require_GET
def home(request):
    """Each role's starting page. A liaison's shows their work in flight; other roles get links
    onward (templates/home/ has one block per role, so a role's links are easy to extend)."""
    today = timezone.localdate()
    roles = roles_of(request.user)
    context = {"today": today, "is_liaison": Role.LIAISON in roles}
    if context["is_liaison"]:
        visits = liaison_open_visits(user=request.user)
        for visit in visits:
            visit.needs_write_up = visit_needs_write_up(visit, today=today)
        context.update(
            sites=liaison_current_sites(user=request.user, today=today),
            open_visits=visits,
            action_items=liaison_open_action_items(user=request.user),
        )
    return render(request, "home/home.html", context)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _broker_state() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured (jobs run in-process)"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=1) as broker:
            broker.ensure_connection(max_retries=1)
    except Exception as exc:  # any failure means "not reachable"
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """Health for load balancers and the compose file: the database must answer; a broken
    broker is reported but does not fail the check, because pages keep working without it."""
    database, broker = _database_state(), _broker_state()
    healthy = database == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )
