"""Small helpers every domain service uses to write rows the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models

if TYPE_CHECKING:
    from psp.accounts.models import User

M = TypeVar("M", bound=models.Model)


def validate_and_save(instance: M, *, actor: User | None, **save_kwargs) -> M:
    """Run every model and database-constraint check, then save, crediting `actor` in history.

    Outside a request (commands, jobs) the history library cannot see who acted, so services
    pass the actor explicitly; inside a request the middleware already knows and this agrees.
    """
    instance.full_clean()
    if actor is not None:
        instance._history_user = actor
    instance.save(**save_kwargs)
    return instance


class VisibleThroughQuerySet(models.QuerySet):
    """Rows a user may see exactly when they may see the parent row (DESIGN.md §2).

    Subclasses set `parent_field`; the rule itself stays in the parent's `visible_to`.
    """

    parent_field: str = ""

    def visible_to(self, user: User):
        parent = self.model._meta.get_field(self.parent_field).related_model
        return self.filter(
            **{f"{self.parent_field}__in": parent.objects.visible_to(user).values("pk")}
        )

    @classmethod
    def via(cls, parent_field: str) -> type[VisibleThroughQuerySet]:
        return type(f"VisibleThrough_{parent_field}", (cls,), {"parent_field": parent_field})


class ReferenceDataQuerySet(models.QuerySet):
    """Program reference data (core areas, templates): readable by anyone with a role."""

    def visible_to(self, user: User):
        from psp.accounts.roles import roles_of

        return self if roles_of(user) else self.none()
