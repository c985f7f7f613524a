"""The kinds this app owns: the daily and weekly digests that carry other notices, and the
coordinators' weekly portfolio digest."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.urls import reverse

from psp.accounts.roles import Role
from psp.notifications.choices import Delivery
from psp.notifications.recipients import COORDINATOR_REASON, coordinators
from psp.notifications.registry import NotificationKind, Occurrence, Recipient, register


def _self_only(user, object_id: int):
    # A digest is about its recipient; nobody else's digest can be loaded.
    return user if user.pk == object_id else None


def _inbox(user) -> str:
    return reverse("notifications:list")


for key, label, when in [
    ("digest.daily", "Daily digest", "{:%A %-d %B %Y}"),
    ("digest.weekly", "Weekly digest", "week of {:%-d %B %Y}"),
]:
    register(
        NotificationKind(
            key=key,
            label=label,
            description="Carries the notices you chose to get as a digest.",
            template="digest",
            default_delivery=Delivery.IMMEDIATELY,
            deliveries=(Delivery.IMMEDIATELY,),
            roles=frozenset(),  # not a choice on the preferences page
            model=get_user_model(),
            due=None,
            recipients=lambda obj, today: [],
            subject=lambda user, ref, today, label=label, when=when: (
                f"PSP {label.lower()}: {when.format(ref)}"
            ),
            url=_inbox,
            load=_self_only,
        )
    )


# --- The coordinators' weekly portfolio digest ------------------------------------------------
# Its sections come from the domain apps (`register_portfolio_section`), so this app needs to
# know nothing about milestones, visits or TTA.


@dataclass(frozen=True)
class PortfolioSection:
    title: str
    items: list[tuple[str, str]]  # (text, path)
    total: int


_SECTIONS: list[Callable[[datetime.date], PortfolioSection]] = []


def register_portfolio_section(build: Callable[[datetime.date], PortfolioSection]) -> None:
    if build not in _SECTIONS:
        _SECTIONS.append(build)


def _portfolio_due(today: datetime.date):
    # Monday morning only; the outbox key (one per coordinator per Monday) keeps it to one.
    if today.weekday() != 0:
        return []
    return [Occurrence(r.user, today) for r in coordinators()]


def _portfolio_context(user, notification, today: datetime.date) -> dict:
    from psp.notifications.services import absolute_url

    sections = []
    for build in _SECTIONS:
        section = build(today)
        sections.append(
            {
                "title": section.title,
                "total": section.total,
                "more": section.total - len(section.items),
                "items": [(text, absolute_url(path)) for text, path in section.items],
            }
        )
    return {"sections": sections}


register(
    NotificationKind(
        key="portfolio.weekly",
        label="Weekly portfolio digest",
        description=(
            "Monday morning: overdue milestones, visit write-ups waiting and TTA requests past "
            "the triage target across the portfolio."
        ),
        template="portfolio_digest",
        default_delivery=Delivery.IMMEDIATELY,
        deliveries=(Delivery.IMMEDIATELY, Delivery.OFF),
        roles=frozenset({Role.COORDINATOR}),
        model=get_user_model(),
        due=_portfolio_due,
        recipients=lambda user, today: [Recipient(user, COORDINATOR_REASON)],
        subject=lambda user, ref, today: f"PSP portfolio this week: week of {ref:%-d %B %Y}",
        url=_inbox,
        load=_self_only,
        context=_portfolio_context,
    )
)
