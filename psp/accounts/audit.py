"""The audit trail coordinators read: who signed in, failed to, changed roles, exported…

Model history (django-simple-history) answers "how did this row change"; the audit trail
answers "what did this person do" for security-relevant acts that change no domain row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django.http import HttpRequest

    from psp.accounts.models import User


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", "Signed out everywhere"
    ROLE_GRANTED = "role_granted", "Role granted"
    ROLE_REVOKED = "role_revoked", "Role revoked"
    ASSIGNMENT_CHANGED = "assignment_changed", "Liaison assignment changed"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    EXPORT = "export", "Data exported"


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    username: str = "",
    **detail: Any,
):
    """Append one event. Never raises for a missing actor: failed sign-ins have none."""
    from psp.accounts.models import AuditEvent

    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        username=username or (actor.get_username() if actor is not None else ""),
        ip_address=client_ip(request),
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        detail=detail,
    )
