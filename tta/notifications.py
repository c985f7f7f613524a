"""TTA requests past the triage target, to coordinators (registered with psp.notifications).

The target is counted in business days (weekdays that are not federal holidays) from the day a
request was submitted, by the same rule as the triage queue: `tta.selectors.triage_due_date`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from psp.accounts.roles import Role
from psp.notifications.choices import Delivery
from psp.notifications.kinds import PortfolioSection, register_portfolio_section
from psp.notifications.recipients import coordinators
from psp.notifications.registry import SWEEP_CHUNK, NotificationKind, Occurrence, register
from tta import selectors
from tta.choices import RequestStatus
from tta.models import TTARequest


def triage_due_date(request: TTARequest) -> datetime.date:
    """The last day a submitted request may wait for a coordinator's first decision."""
    return selectors.triage_due_date(submitted_on=timezone.localdate(request.created_at))


def request_url(request: TTARequest) -> str:
    # The TTA pages are built separately; until they exist the link goes to the site.
    try:
        return reverse("tta:request-detail", kwargs={"pk": request.pk})
    except NoReverseMatch:
        return request.site.get_absolute_url()


def _triage_candidates(today: datetime.date):
    # A target of N business days is at least N calendar days: narrow in SQL, decide in Python.
    cutoff = timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=selectors.triage_target_days()), datetime.time.min
        )
    )
    return TTARequest.objects.filter(
        status=RequestStatus.SUBMITTED, created_at__lt=cutoff
    ).select_related("site", "core_area")


def iter_requests_past_triage(today: datetime.date) -> Iterator[TTARequest]:
    """Submitted requests past their triage target, oldest first, read in chunks."""
    candidates = _triage_candidates(today).order_by("created_at", "pk")
    for request in candidates.iterator(chunk_size=SWEEP_CHUNK):
        if triage_due_date(request) < today:
            yield request


def requests_past_triage(today: datetime.date) -> list[TTARequest]:
    return list(iter_requests_past_triage(today))


register(
    NotificationKind(
        key="tta.triage_overdue",
        label="TTA request past the triage target",
        description=(
            f"A submitted request nobody has reviewed within {selectors.triage_target_days()} "
            "business days."
        ),
        template="tta_triage",
        default_delivery=Delivery.IMMEDIATELY,
        roles=frozenset({Role.COORDINATOR}),
        model=TTARequest,
        due=lambda today: (
            Occurrence(r, triage_due_date(r)) for r in iter_requests_past_triage(today)
        ),
        recipients=lambda request, today: coordinators(
            "You are a DOJ coordinator; coordinators triage TTA requests."
        ),
        subject=lambda r, ref, today: (
            f"{r.site}: TTA request “{r.title}” is past its triage target ({ref:%-d %B %Y})"
        ),
        url=request_url,
        still_applies=lambda r, n, today: r.status == RequestStatus.SUBMITTED,
        context=lambda r, n, today: {
            "request": r,
            "target": n.reference_date,
            "target_days": selectors.triage_target_days(),
        },
    )
)


def triage_section(today: datetime.date) -> PortfolioSection:
    late = requests_past_triage(today)
    return PortfolioSection(
        "TTA requests past the triage target",
        [
            (
                f"{r.site}: {r.title} (submitted {timezone.localdate(r.created_at):%-d %b %Y})",
                request_url(r),
            )
            for r in late[:25]
        ],
        len(late),
    )


register_portfolio_section(triage_section)
