"""DRF authentication and permission for API tokens (docs/api.md)."""

from __future__ import annotations

from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from psp.accounts.models import ApiToken
from psp.accounts.services import api_token_authenticate

KEYWORDS = {"token", "bearer"}


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` or `Authorization: Bearer <key>`.

    A token acts as its user: everything it reads starts from that user's `visible_to`."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as `Authorization: Token <key>` (or `Bearer <key>`)."
            )
        try:
            key = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("The token contains invalid characters.") from exc
        token = api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is invalid, expired or revoked.")
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Token realm="api"'


class TokenScopeAllowsMethod(permissions.BasePermission):
    """A read-only token may only read; sessions and read-write tokens fall through to the
    role checks of the services."""

    message = "This token is read-only; create a read-write token to make changes."

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True
