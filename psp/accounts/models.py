from functools import cached_property

from django.contrib.auth.models import AbstractUser

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
