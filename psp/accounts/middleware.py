"""Idle session timeout: a session unused for PSP_SESSION_IDLE_TIMEOUT is signed out."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils import timezone

LAST_SEEN_KEY = "psp_last_seen"
# Writing the session on every request would cost a database write per page; recording
# activity at most every few minutes keeps the timeout accurate to within that.
TOUCH_INTERVAL = datetime.timedelta(minutes=5)


def session_touch(session, *, now: datetime.datetime | None = None) -> None:
    session[LAST_SEEN_KEY] = (now or timezone.now()).timestamp()


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            last_seen = request.session.get(LAST_SEEN_KEY)
            idle = now - datetime.datetime.fromtimestamp(last_seen or 0, tz=datetime.UTC)
            if last_seen is not None and idle > settings.PSP_SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "You were signed out after a period without activity.")
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect_to_login(request.get_full_path())
            if last_seen is None or idle > TOUCH_INTERVAL:
                session_touch(request.session, now=now)
        return self.get_response(request)


# Pages a coordinator can reach before passing the second factor.
TWO_FACTOR_OPEN_PATHS = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/healthz/")


class TwoFactorMiddleware:
    """Coordinators with an authenticator must pass it before any page; with PSP_REQUIRE_2FA
    they must first set one up. Runs after django-otp's OTPMiddleware (`user.is_verified`).
    API tokens are separate credentials and are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_coordinator
            and not user.is_verified()
            and not request.path.startswith(TWO_FACTOR_OPEN_PATHS)
        ):
            from django_otp import user_has_device

            if user_has_device(user):
                return redirect_to_login(request.get_full_path(), login_url="accounts:2fa-verify")
            if settings.PSP_REQUIRE_2FA:
                return redirect_to_login(request.get_full_path(), login_url="accounts:2fa-setup")
        return self.get_response(request)
