"""The roles of DESIGN.md §2. Each role is a Django group of the same name."""

from django.db import models


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "DOJ coordinator"
    LIAISON = "liaison", "Strategic Site Liaison"
    SITE_CONTACT = "site contact", "Site contact"
    TTA_PROVIDER = "TTA provider", "TTA provider staff"
    INTEGRATION = "integration", "Integration client"


def roles_of(user) -> frozenset[str]:
    """The role names of any user, signed in or not (anonymous users have none)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return user.roles
