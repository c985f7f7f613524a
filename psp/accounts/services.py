"""Writes to accounts: signing out everywhere and API tokens (DESIGN.md §5)."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from psp.accounts.audit import AuditAction, audit_record
from psp.accounts.models import ApiToken, User, new_session_nonce
from psp.db import CompiledQuery
from psp.domain import validate_and_save

if TYPE_CHECKING:
    from django.http import HttpRequest


@transaction.atomic
def user_sign_out_everywhere(*, user: User, request: HttpRequest | None = None) -> None:
    """End every session of the user, on every device, including the current one."""
    user.session_nonce = new_session_nonce()
    user.save(update_fields=["session_nonce"])
    audit_record(action=AuditAction.SIGNED_OUT_EVERYWHERE, actor=user, request=request)


# Keys look like `psp_<43 url-safe characters>`; the prefix shown afterwards is `psp_` and the
# next 8 characters.
KEY_PREFIX = "psp_"
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 8
# last_used_at is written at most this often per token, so a busy integration does not turn
# every read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    read_only: bool = True,
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with its key. The key is not stored anywhere:
    the caller shows it once."""
    if not user.is_active:
        raise ValidationError({"user": f"{user} is not an active user."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=key[:SHOWN_PREFIX_LENGTH],
        key_hash=api_token_hash(key),
        read_only=read_only,
        expires_at=expires_at,
    )
    validate_and_save(token, actor=user)
    audit_record(action=AuditAction.TOKEN_CREATED, actor=user, target=token, read_only=read_only)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token now. Revoking twice keeps the first time (it is not an error: the
    person wanted it dead and it is)."""
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    if revoked:
        audit_record(action=AuditAction.TOKEN_REVOKED, actor=actor, target=token)
    return token


# The token's and its user's columns, in model order, as `ApiToken.from_db` and `User.from_db`
# take them.
_TOKEN_FIELDS = [f.attname for f in ApiToken._meta.concrete_fields]
_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
# One row per group of the user (one row with None for a user in no group).
_TOKEN_READ = CompiledQuery(
    lambda key_hash: (
        ApiToken.objects.filter(key_hash=key_hash)
        .order_by()
        .values_list(
            *_TOKEN_FIELDS,
            *(f"user__{name}" for name in _USER_FIELDS),
            "user__groups__name",
        )
    ),
    parameters=1,
)


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The usable token for a presented key (with its user and the user's roles loaded), or
    None.

    One query: the token by its unique hash, joined to its user and the user's groups (one row
    per group), so the roles every API request needs cost no second round trip. The query is
    compiled once per connection (psp.db.CompiledQuery: building and compiling it cost more
    than running it) and its rows become the instances the ORM would build (a test holds them
    equal). Usability is checked on the row (ApiToken.is_usable), which spares the ORDER BY and
    the OR of the `usable()` filter. Marks it used with a conditional UPDATE, at most once per
    LAST_USED_RESOLUTION."""
    now = timezone.now()
    rows = _TOKEN_READ.rows(api_token_hash(key))
    if not rows:
        return None
    row, users_at = rows[0], len(_TOKEN_FIELDS)
    groups_at = users_at + len(_USER_FIELDS)
    token = ApiToken.from_db(DEFAULT_DB_ALIAS, _TOKEN_FIELDS, row[:users_at])
    token.user = User.from_db(DEFAULT_DB_ALIAS, _USER_FIELDS, row[users_at:groups_at])
    if not token.is_usable(now=now) or not token.user.is_active:
        return None
    token.user.set_roles_from_groups(row[groups_at] for row in rows)
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
