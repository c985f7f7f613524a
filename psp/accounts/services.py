"""Writes to accounts: signing a user out of every session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from psp.accounts.audit import AuditAction, audit_record
from psp.accounts.models import User, new_session_nonce

if TYPE_CHECKING:
    from django.http import HttpRequest


@transaction.atomic
def user_sign_out_everywhere(*, user: User, request: HttpRequest | None = None) -> None:
    """End every session of the user, on every device, including the current one."""
    user.session_nonce = new_session_nonce()
    user.save(update_fields=["session_nonce"])
    audit_record(action=AuditAction.SIGNED_OUT_EVERYWHERE, actor=user, request=request)
