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
    site_status_touch_for(instance)
    return instance


# --- Site status change tracking (REST API status feed, issue #6) ---------------------------
# The rows a site's status is computed from (psp.portfolio.selectors), by model label, with the
# attribute path from such a row to its site's id. Every service saves through
# `validate_and_save`, so any write to one of these rows marks its site's status as changed;
# the API's `GET /api/v1/site-status/?updated_since=…` reads `Site.status_changed_at`.
# A new kind of row that the status reads must be added here (tests/portfolio checks each).
SITE_STATUS_SOURCES: dict[str, str] = {
    "sites.site": "pk",
    "sites.engagement": "site_id",
    "sites.milestone": "engagement.site_id",
    "liaisons.assignment": "engagement.site_id",
    "liaisons.sitevisit": "site_id",
    "tta.ttarequest": "site_id",
}


def site_status_touch(*, site_ids: list[int]) -> None:
    """Mark the status of these sites as changed now (one UPDATE; no history row: this is
    bookkeeping for the feed and the stored status rows, not a domain change). Call it from
    any write that changes what a site's status shows without going through
    `validate_and_save` (e.g. a bulk update), in the same transaction."""
    from django.apps import apps
    from django.db.models import F
    from django.utils import timezone

    # By name: psp.domain sits below every domain app in the import order.
    site_model = apps.get_model("sites", "Site")
    site_model.objects.filter(pk__in=site_ids).update(
        status_changed_at=timezone.now(), status_version=F("status_version") + 1
    )


def site_status_touch_for(instance: models.Model) -> None:
    path = SITE_STATUS_SOURCES.get(instance._meta.label_lower)
    if path is None:
        return
    value: object = instance
    for attribute in path.split("."):
        value = getattr(value, attribute)
    site_status_touch(site_ids=[value])


# --- end site status change tracking --------------------------------------------------------


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
