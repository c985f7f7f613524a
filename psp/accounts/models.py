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
        return self.display_name(self.first_name, self.last_name, self.username)

    @staticmethod
    def display_name(first_name: str, last_name: str, username: str) -> str:
        """How a person is named on pages: full name, else username (also from plain rows)."""
        return f"{first_name} {last_name}".strip() or username

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names, read once per request; superusers act as coordinators."""
        if not self.is_active:
            return frozenset()
        return self._roles_of_groups(self.groups.values_list("name", flat=True))

    def _roles_of_groups(self, names) -> frozenset[str]:
        roles = {name for name in names if name is not None}
        if self.is_superuser:
            roles.add(Role.COORDINATOR)
        return frozenset(roles)

    def set_roles_from_groups(self, names) -> None:
        """Fill `roles` from group names read with the user (None for a user in no group),
        sparing its query; what `roles` would read, for this request."""
        self.__dict__["roles"] = self._roles_of_groups(names) if self.is_active else frozenset()

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


# --- API tokens (REST API, issue #6) --------------------------------------------------------
class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApiTokenQuerySet":
        """A user sees (and revokes) only their own tokens, whatever their role."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def usable(self, *, now) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A key an integration (or a person's script) sends as `Authorization: Token <key>`.

    Only a SHA-256 digest of the key is stored: the key is 256 random bits, so a fast hash is
    enough (no salt or slow hash needed, unlike passwords) and lets authentication look the
    token up by an indexed column. The short prefix is kept in clear so people can tell their
    tokens apart; the full key is shown once, when it is created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(
        default=True, help_text="A read-only token can only make GET, HEAD and OPTIONS requests."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
