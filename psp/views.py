from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@login_required
def home(request):
    # The role-specific home pages come with the liaison and TTA pages; until then every
    # role starts from the list of sites it may see.
    return redirect("sites:list")


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and the compose file: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        database = f"error: {exc.__class__.__name__}"
    healthy = database == "ok"
    return JsonResponse({"status": "ok" if healthy else "error", "database": database},
                        status=200 if healthy else 503)
