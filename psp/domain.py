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
