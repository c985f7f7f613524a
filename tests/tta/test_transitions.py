"""Every (from, to, role) combination of the TTA state machine, generated from the table in
`tta/transitions.py`: a change to the table changes these tests.

For each action, each status a request can be in (and, for "on hold", each status it was put on
hold from) and each role: if the table allows it, the action succeeds and is recorded with from,
to, who and note; otherwise it is refused and nothing changes.
"""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection

from psp.accounts.roles import Role
from tests.tta.conftest import PATH_TO
from tta import services
from tta.choices import RequestStatus
from tta.models import TTARequest, TTATransition
from tta.transitions import ACTIONS

ROLES = [Role.COORDINATOR, Role.LIAISON, Role.SITE_CONTACT, Role.TTA_PROVIDER, Role.INTEGRATION]
HOLD_ORIGINS = sorted(ACTIONS["hold"].sources)


def combinations():
    for action in ACTIONS.values():
        for status in RequestStatus:
            origins = HOLD_ORIGINS if status == RequestStatus.ON_HOLD else [None]
            for origin in origins:
                for role in ROLES:
                    allowed = status in action.sources and role in action.roles
                    target = action.targets_from(status, before_hold=origin)
                    shown = f"{status}(from {origin})" if origin else status
                    verdict = f"->{target}" if allowed else ":refused"
                    yield pytest.param(
                        action.name,
                        status,
                        origin,
                        role,
                        target if allowed else None,
                        id=f"{action.name}:{shown}{verdict}:{role.replace(' ', '-')}",
                    )


def test_the_statuses_reached_by_the_paths_cover_every_status_but_on_hold():
    assert set(PATH_TO) | {RequestStatus.ON_HOLD} == set(RequestStatus)


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status", "origin", "role", "target"), list(combinations()))
def test_the_state_machine_allows_exactly_what_the_table_says(
    tta_world, action, status, origin, role, target
):
    w = tta_world
    request = w.new_request(status, before_hold=origin)
    assert request.status == status
    actor = w.by_role[role]
    logged = request.transitions.count()
    kwargs = {"note": "Because", "provider": w.other_provider}
    if target is None:
        with pytest.raises((PermissionDenied, ValidationError)):
            services.tta_request_transition(request=request, action=action, actor=actor, **kwargs)
        request.refresh_from_db()
        assert request.status == status
        assert request.transitions.count() == logged
        return
    services.tta_request_transition(request=request, action=action, actor=actor, **kwargs)
    request.refresh_from_db()
    assert request.status == target
    last = request.transitions.last()
    assert (last.from_status, last.to_status, last.actor) == (status, target, actor)
    assert last.note.endswith("Because")
    assert request.transitions.count() == logged + 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status"),
    [(a.name, sorted(a.sources)[0]) for a in ACTIONS.values() if a.roles - {Role.COORDINATOR}],
)
def test_a_role_outside_its_reach_is_refused(tta_world, action, status):
    """A liaison of another site, a contact of another site, staff of another organization."""
    w = tta_world
    request = w.new_request(status)
    for role in ACTIONS[action].roles - {Role.COORDINATOR}:
        with pytest.raises(PermissionDenied, match="outside your sites or organization"):
            services.tta_request_transition(
                request=request, action=action, actor=w.outsider_by_role[role], note="x"
            )
    request.refresh_from_db()
    assert request.status == status


@pytest.mark.django_db
def test_a_liaison_whose_assignment_ended_can_no_longer_withdraw(tta_world):
    w = tta_world
    request = w.new_request()
    assignment = w.liaison.liaison.assignments.get()
    assignment.end_date = assignment.start_date
    assignment.save()
    with pytest.raises(PermissionDenied):
        services.tta_request_transition(request=request, action="withdraw", actor=w.liaison)


@pytest.mark.django_db
def test_an_action_on_a_request_that_moved_on_since_it_was_shown_is_refused(tta_world):
    w = tta_world
    request = w.new_request()
    services.tta_request_transition(request=request, action="approve", actor=w.coordinator)
    # "Put on hold" is legal from approved, but the second coordinator chose it on "submitted".
    with pytest.raises(services.IllegalTransition, match="now approved"):
        services.tta_request_transition(
            request=request,
            action="hold",
            actor=w.coordinator,
            expected_status=RequestStatus.SUBMITTED,
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("first", "second"), [("approve", "decline"), ("approve", "hold")])
def test_of_two_simultaneous_transitions_only_one_wins(tta_world, first, second):
    """Two coordinators act on the same submitted request at the same moment, each in their own
    connection. The first holds the row lock while the second arrives; the second then sees the
    first one's result and is refused."""
    w = tta_world
    request = w.new_request()
    both_started = threading.Barrier(2, timeout=10)
    outcomes: dict[str, str] = {}

    def act(name: str, hold_lock: bool):
        try:
            if hold_lock:
                from django.db import transaction

                with transaction.atomic():
                    services.tta_request_transition(
                        request=request,
                        action=name,
                        actor=w.coordinator,
                        note="Mine",
                        expected_status=RequestStatus.SUBMITTED,
                    )
                    both_started.wait()
                    # Keep the lock while the other thread runs into it.
                    threading.Event().wait(0.5)
            else:
                both_started.wait()
                services.tta_request_transition(
                    request=request,
                    action=name,
                    actor=w.coordinator,
                    note="Mine",
                    expected_status=RequestStatus.SUBMITTED,
                )
            outcomes[name] = "won"
        except services.IllegalTransition:
            outcomes[name] = "refused"
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=act, args=(first, True)),
        threading.Thread(target=act, args=(second, False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert outcomes == {first: "won", second: "refused"}
    request.refresh_from_db()
    assert request.status == ACTIONS[first].target
    assert TTATransition.objects.filter(request=request).count() == 2  # submitted + the winner


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_racing_to_approve_and_decline_leave_exactly_one_result(tta_world):
    w = tta_world
    request = w.new_request()
    start = threading.Barrier(2, timeout=10)
    results: list[str] = []

    def act(name: str):
        start.wait()
        try:
            services.tta_request_transition(
                request=request,
                action=name,
                actor=w.coordinator,
                note="Reason",
                expected_status=RequestStatus.SUBMITTED,
            )
            results.append(name)
        except services.IllegalTransition:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(n,)) for n in ("approve", "decline")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results)[1] == "refused" or sorted(results)[0] == "refused"
    assert results.count("refused") == 1
    winner = next(r for r in results if r != "refused")
    assert TTARequest.objects.get(pk=request.pk).status == ACTIONS[winner].target
