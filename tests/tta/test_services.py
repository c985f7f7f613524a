"""The TTA services: intake, transitions, deliveries. The full (from, to, role) matrix is in
test_transitions.py."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from psp.accounts.roles import Role
from tests import factories
from tta import services
from tta.choices import DeliveryMode, RequestStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 16)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime.datetime(2026, 3, 16, 15, 0, tzinfo=datetime.UTC)):
        yield


def submit(w, *, requested_by, site, **extra):
    return services.tta_request_submit(
        site=site,
        core_area=w.gun_violence,
        title="  NIBIN build-out ",
        description="Help standing up a crime gun intelligence center.",
        requested_by=requested_by,
        **extra,
    )


def test_submitting_records_the_first_transition(tta_world):
    request = submit(tta_world, requested_by=tta_world.contact, site=tta_world.site)
    transition = request.transitions.get()
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "",
        RequestStatus.SUBMITTED,
        tta_world.contact,
    )
    assert request.title == "NIBIN build-out"


def test_a_site_contact_requests_only_for_their_own_site(tta_world):
    with pytest.raises(ValidationError, match="not one of your current sites"):
        submit(tta_world, requested_by=tta_world.contact, site=tta_world.other_site)


def test_a_liaison_requests_for_sites_they_are_assigned_to_now(tta_world):
    w = tta_world
    assert submit(w, requested_by=w.liaison, site=w.site).requested_by == w.liaison
    with pytest.raises(ValidationError, match="not one of your current sites"):
        submit(w, requested_by=w.liaison, site=w.other_site)
    assignment = w.liaison.liaison.assignments.get()
    assignment.end_date = TODAY - datetime.timedelta(days=1)
    assignment.save()
    with pytest.raises(ValidationError, match="not one of your current sites"):
        submit(w, requested_by=w.liaison, site=w.site)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TTA_PROVIDER, Role.INTEGRATION])
def test_other_roles_cannot_file_requests(tta_world, role):
    with pytest.raises(PermissionDenied):
        submit(tta_world, requested_by=tta_world.by_role[role], site=tta_world.site)


def test_a_needed_by_date_in_the_past_is_refused(tta_world):
    with pytest.raises(ValidationError, match="cannot be in the past"):
        submit(
            tta_world,
            requested_by=tta_world.contact,
            site=tta_world.site,
            needed_by=TODAY - datetime.timedelta(days=1),
        )


def test_an_illegal_transition_says_why_and_changes_nothing(tta_world):
    request = tta_world.new_request()
    with pytest.raises(services.IllegalTransition, match="submitted cannot be closed"):
        services.tta_request_transition(
            request=request, action="close", actor=tta_world.coordinator, note="x"
        )
    request.refresh_from_db()
    assert (request.status, request.transitions.count()) == (RequestStatus.SUBMITTED, 1)


def test_declining_without_a_reason_is_refused_and_leaves_nothing_behind(tta_world):
    w = tta_world
    request = w.new_request()
    with pytest.raises(ValidationError, match="Give a reason"):
        services.tta_request_transition(request=request, action="decline", actor=w.coordinator)
    request.refresh_from_db()
    assert (request.status, request.transitions.count()) == (RequestStatus.SUBMITTED, 1)
    services.tta_request_transition(
        request=request, action="decline", actor=w.coordinator, note="Out of scope"
    )
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (RequestStatus.DECLINED, "Out of scope")


def test_closing_records_the_outcome(tta_world):
    request = tta_world.new_request(RequestStatus.DELIVERED)
    services.tta_request_transition(
        request=request, action="close", actor=tta_world.coordinator, note="Plan in use"
    )
    request.refresh_from_db()
    assert (request.status, request.outcome) == (RequestStatus.CLOSED, "Plan in use")


def test_resume_returns_to_the_status_before_the_hold(tta_world):
    request = tta_world.new_request(RequestStatus.ON_HOLD, before_hold=RequestStatus.IN_PROGRESS)
    services.tta_request_transition(request=request, action="resume", actor=tta_world.coordinator)
    request.refresh_from_db()
    assert request.status == RequestStatus.IN_PROGRESS


def test_assigning_a_provider_is_recorded_in_the_timeline(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.APPROVED)
    services.tta_request_assign_provider(
        request=request, provider=w.other_provider, actor=w.coordinator
    )
    request.refresh_from_db()
    last = request.transitions.last()
    assert request.provider == w.other_provider
    assert (last.from_status, last.to_status) == (RequestStatus.APPROVED, RequestStatus.APPROVED)
    assert last.note == "Assigned to Peer Network."


def test_an_inactive_or_already_assigned_provider_is_refused(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.APPROVED)
    with pytest.raises(ValidationError, match="already assigned"):
        services.tta_request_assign_provider(
            request=request, provider=w.provider, actor=w.coordinator
        )
    w.other_provider.active = False
    w.other_provider.save()
    with pytest.raises(ValidationError, match="no longer an active provider"):
        services.tta_request_assign_provider(
            request=request, provider=w.other_provider, actor=w.coordinator
        )


def test_work_cannot_start_before_a_provider_is_assigned(tta_world):
    request = tta_world.new_request(RequestStatus.UNDER_REVIEW)
    services.tta_request_transition(request=request, action="approve", actor=None)
    with pytest.raises(ValidationError, match="assign a provider first"):
        services.tta_request_transition(request=request, action="start", actor=None)


def record(w, request, actor, **overrides):
    fields = {
        "date": datetime.date(2026, 3, 10),
        "mode": DeliveryMode.WEBINAR,
        "hours": Decimal("2"),
        "participants": 30,
        "summary": "Intro to NIBIN leads.",
        **overrides,
    }
    return services.tta_delivery_record(request=request, actor=actor, **fields)


def test_provider_staff_record_deliveries_for_their_organizations_work(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.IN_PROGRESS)
    delivery = record(w, request, w.staff)
    assert (delivery.recorded_by, delivery.participants) == (w.staff, 30)
    with pytest.raises(PermissionDenied, match="outside your sites or organization"):
        record(w, request, w.other_staff)
    with pytest.raises(PermissionDenied, match="Your role cannot"):
        record(w, request, w.coordinator)


def test_deliveries_are_recorded_only_while_work_is_in_progress(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.DELIVERED)
    with pytest.raises(services.IllegalTransition, match="only be recorded while work"):
        record(w, request, w.staff)


def test_a_peer_exchange_names_its_host_site_and_nothing_else_does(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="which site hosted"):
        record(w, request, w.staff, mode=DeliveryMode.PEER_EXCHANGE)
    with pytest.raises(ValidationError, match="only for a peer exchange"):
        record(w, request, w.staff, host_site=w.other_site)
    delivery = record(w, request, w.staff, mode=DeliveryMode.PEER_EXCHANGE, host_site=w.other_site)
    assert delivery.host_site == w.other_site


def test_a_delivery_in_the_future_or_without_hours_is_refused(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="once it has happened"):
        record(w, request, w.staff, date=TODAY + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="more than zero"):
        record(w, request, w.staff, hours=Decimal("0"))


def test_bulk_actions_apply_where_allowed_and_report_the_rest(tta_world):
    w = tta_world
    first, second = w.new_request(), w.new_request(RequestStatus.UNDER_REVIEW)
    declined = w.new_request(RequestStatus.DECLINED)
    result = services.tta_request_bulk_transition(
        requests=[first, second, declined], action="approve", actor=w.coordinator
    )
    assert [r.pk for r in result.done] == [first.pk, second.pk]
    assert [(r.pk, "declined cannot be approved" in why) for r, why in result.refused] == [
        (declined.pk, True)
    ]
    first.refresh_from_db()
    assert first.status == RequestStatus.APPROVED


def test_actions_available_lists_the_buttons_a_user_may_press(tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.APPROVED)

    def names(user):
        return [a.name for a in services.actions_available(request=request, user=user)]

    assert names(w.coordinator) == ["hold", "assign"]
    assert names(w.contact) == ["withdraw"]
    assert names(w.liaison) == ["withdraw"]
    assert names(w.staff) == ["start"]
    assert names(w.other_staff) == []
    assert names(w.other_contact) == []
    assert names(w.integration) == []


def test_the_triage_target_is_a_setting(settings):
    from tta.selectors import triage_due_date

    settings.PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS = 3
    assert triage_due_date(submitted_on=datetime.date(2026, 3, 13)) == datetime.date(2026, 3, 18)


def test_a_factory_built_summit_attendance_is_valid():
    factories.SummitAttendanceFactory().full_clean()
    factories.SummitSessionFactory().full_clean()
