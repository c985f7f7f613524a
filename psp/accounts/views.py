from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psp.accounts.audit import AuditAction
from psp.accounts.models import AuditEvent
from psp.accounts.services import user_sign_out_everywhere


@login_required
def account_security(request):
    return render(request, "accounts/security.html")


@login_required
@require_POST
def sign_out_everywhere(request):
    user_sign_out_everywhere(user=request.user, request=request)
    messages.success(request, "You were signed out on every device. Sign in again to continue.")
    return redirect("login")


@login_required
def audit_log(request):
    """The audit trail, newest first, filterable by action and username (coordinators only)."""
    if not request.user.is_coordinator:
        raise PermissionDenied("The audit trail is for DOJ coordinators.")
    events = AuditEvent.objects.select_related("actor")
    action = request.GET.get("action", "")
    if action in AuditAction.values:
        events = events.filter(action=action)
    username = request.GET.get("username", "").strip()
    if username:
        events = events.filter(username__iexact=username)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "actions": AuditAction.choices, "action": action, "username": username},
    )
