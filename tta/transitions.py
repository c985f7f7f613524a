"""The TTA request state machine (DESIGN.md §3): every allowed move and who may make it.

This table is the only place the rules live; the service, the pages and the API read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from psp.accounts.roles import Role
from tta.choices import RequestStatus as S

REQUESTERS = frozenset({Role.SITE_CONTACT, Role.LIAISON})
COORDINATORS = frozenset({Role.COORDINATOR})
PROVIDERS = frozenset({Role.TTA_PROVIDER})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: back to the status the request had before it was put on hold
    roles: frozenset[str]
    note_required: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("review", "Start review", frozenset({S.SUBMITTED}), S.UNDER_REVIEW, COORDINATORS),
        Action(
            "approve",
            "Approve",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
            S.APPROVED,
            COORDINATORS,
        ),
        Action(
            "decline",
            "Decline",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
            S.DECLINED,
            COORDINATORS,
            note_required=True,
        ),
        Action(
            "hold",
            "Put on hold",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.IN_PROGRESS}),
            S.ON_HOLD,
            COORDINATORS,
        ),
        Action("resume", "Resume", frozenset({S.ON_HOLD}), None, COORDINATORS),
        Action("start", "Start work", frozenset({S.APPROVED}), S.IN_PROGRESS, PROVIDERS),
        Action("deliver", "Mark delivered", frozenset({S.IN_PROGRESS}), S.DELIVERED, PROVIDERS),
        Action(
            "close",
            "Close",
            frozenset({S.DELIVERED}),
            S.CLOSED,
            COORDINATORS,
            note_required=True,
        ),
        Action(
            "withdraw",
            "Withdraw",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED}),
            S.WITHDRAWN,
            REQUESTERS | COORDINATORS,
        ),
    ]
}
