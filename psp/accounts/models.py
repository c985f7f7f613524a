from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from psp.accounts.roles import Role


class User(AbstractUser):
    """A person or service account. What it may see follows from its roles (groups)."""

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
