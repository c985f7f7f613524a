"""Receivers for authentication and role-change signals: the idle clock and the audit trail.

Signals are used here because these events happen inside Django (sign-in views, the admin's
group editor) where no service of ours runs; no domain rule lives in them.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from psp.accounts.audit import AuditAction, audit_record
from psp.accounts.middleware import session_touch
from psp.accounts.models import User


@receiver(user_logged_in, dispatch_uid="psp_signed_in")
def on_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_touch(request.session)
    audit_record(action=AuditAction.SIGN_IN, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="psp_sign_in_failed")
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    # `credentials` has the password already masked by Django; keep only the username.
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        request=request,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_logged_out, dispatch_uid="psp_signed_out")
def on_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.SIGN_OUT, actor=user, request=request)


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="psp_roles_changed")
def on_roles_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove"} or not pk_set:
        return
    from django.contrib.auth.models import Group

    granted = action == "post_add"
    # Changed from either side: a user's groups, or a group's users.
    pairs = (
        [(user, instance.name) for user in User.objects.filter(pk__in=pk_set)]
        if reverse
        else [
            (instance, name)
            for name in Group.objects.filter(pk__in=pk_set).values_list("name", flat=True)
        ]
    )
    # The history middleware keeps the current request; it tells us who made the change.
    request = getattr(HistoricalRecords.context, "request", None)
    actor = getattr(request, "user", None)
    for user, role in pairs:
        audit_record(
            action=AuditAction.ROLE_GRANTED if granted else AuditAction.ROLE_REVOKED,
            actor=actor if actor is not None and actor.is_authenticated else None,
            request=request,
            target=user,
            role=role,
        )
