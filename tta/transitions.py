"""The TTA request state machine (DESIGN.md §3): every allowed move and who may make it.

This table is the only place the rules live; the service, the pages, the tests and the API read
it. Each action names the statuses it starts from, the status it leads to and the roles that may
take it. A role is only ever exercised within its reach (see `tta.services.actor_may_act`):
a site contact on their own site's requests, a liaison on the sites they are assigned to now,
provider staff on their organization's requests, a coordinator on any request.
"""

from __future__ import annotations

from dataclasses import dataclass

from psp.accounts.roles import Role
from tta.choices import RequestStatus as S

REQUESTERS = frozenset({Role.SITE_CONTACT, Role.LIAISON})
COORDINATORS = frozenset({Role.COORDINATOR})
PROVIDERS = frozenset({Role.TTA_PROVIDER})

# Targets that are not a fixed status.
PREVIOUS = "previous"  # back to the status the request had before it was put on hold
UNCHANGED = "unchanged"  # a recorded step that keeps the status (assigning a provider)

# Statuses in which a request waits for a coordinator's triage (the triage target applies).
TRIAGE_STATUSES = frozenset({S.SUBMITTED, S.UNDER_REVIEW})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    note_required: bool = False
    needs_provider: bool = False  # the action takes the provider to assign

    def targets_from(self, status: str, *, before_hold: str | None = None) -> str:
        """The status the action leads to from `status`."""
        if self.target == PREVIOUS:
            return before_hold or S.SUBMITTED
        if self.target == UNCHANGED:
            return status
        return self.target


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
        Action("resume", "Resume", frozenset({S.ON_HOLD}), PREVIOUS, COORDINATORS),
        Action(
            "assign",
            "Assign provider",
            frozenset({S.APPROVED, S.IN_PROGRESS}),
            UNCHANGED,
            COORDINATORS,
            needs_provider=True,
        ),
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
        # Before work starts only: once a provider is at work the coordinator puts it on hold.
        Action(
            "withdraw",
            "Withdraw",
            frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED}),
            S.WITHDRAWN,
            REQUESTERS,
        ),
    ]
}

# Filing a request: who may, and the status it starts in (recorded as a transition from "").
SUBMIT_ROLES = REQUESTERS

# Recording a delivered session: who may, and while the request is in which status.
DELIVERY_ROLES = PROVIDERS
DELIVERY_STATUSES = frozenset({S.IN_PROGRESS})

# What the past tense of each action reads like in an error message.
PAST_TENSE = {
    "review": "put under review",
    "approve": "approved",
    "decline": "declined",
    "hold": "put on hold",
    "resume": "resumed",
    "assign": "assigned a provider",
    "start": "started",
    "deliver": "marked delivered",
    "close": "closed",
    "withdraw": "withdrawn",
}
