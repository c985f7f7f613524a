import secrets
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac

from psp.accounts.audit import AuditAction
from psp.accounts.roles import Role


def new_session_nonce() -> str:
    return secrets.token_hex(16)


class User(AbstractUser):
    """A person or service account. What it may see follows from its roles (groups)."""

    session_nonce = models.CharField(
        max_length=32,
        default=new_session_nonce,
        editable=False,
        help_text="Changing it signs the user out of every session.",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names, read once per request; superusers act as coordinators."""
        if not self.is_active:
            return frozenset()
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(Role.COORDINATOR)
        return frozenset(names)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(Role.COORDINATOR)

    def get_session_auth_hash(self) -> str:
        """Sessions carry this hash; mixing in the nonce lets "sign out everywhere" end them
        all without touching the password."""
        return salted_hmac(
            "psp.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_nonce}",
            algorithm="sha256",
        ).hexdigest()


class AuditEvent(models.Model):
    """One security-relevant act (see psp.accounts.audit). Append-only."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    username = models.CharField(max_length=150, blank=True, help_text="As typed or as it was.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["action", "-at"])]

    def __str__(self) -> str:
        who = self.username or "unknown"
        return f"{self.get_action_display()} by {who} at {self.at:%Y-%m-%d %H:%M}"
