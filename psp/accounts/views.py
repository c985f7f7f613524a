from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from psp.accounts import two_factor
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


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return "/"


@login_required
def two_factor_setup(request):
    """Show a new authenticator key (QR code and text) and confirm it with a first code."""
    device = two_factor.totp_device_pending(user=request.user)
    form = two_factor.CodeForm(request.POST or None)
    if form.is_valid():
        if two_factor.totp_device_confirm(
            request=request, device=device, code=form.cleaned_data["code"]
        ):
            messages.success(request, "Two-factor sign-in is on for your account.")
            return redirect(_next_url(request))
        form.add_error(
            "code", "That code did not match. Check the time on your phone and try again."
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": two_factor.qr_code_data_uri(device),
            "secret": two_factor.secret_text(device),
            "next": _next_url(request),
        },
    )


@login_required
def two_factor_verify(request):
    """The second step of signing in for a user with an authenticator."""
    form = two_factor.CodeForm(request.POST or None)
    if form.is_valid():
        if two_factor.totp_verify(request=request, code=form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", "That code did not match. Try the newest code in your app.")
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )
