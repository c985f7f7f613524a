"""The TTA service basics; the full (from, to, role) matrix comes with the TTA issue."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from psp.accounts.roles import Role
from sites.models import CoreArea
from tests import factories
from tta import services
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester():
    return factories.UserFactory(roles=[Role.SITE_CONTACT])


@pytest.fixture
def request_(requester):
    return services.tta_request_submit(
        site=factories.SiteFactory(),
        core_area=CoreArea.objects.get(code="gun-violence"),
        title="NIBIN build-out",
        description="Help standing up a crime gun intelligence center.",
        requested_by=requester,
    )


def test_submitting_records_the_first_transition(request_, requester):
    transition = request_.transitions.get()
    assert (transition.from_status, transition.to_status, transition.actor) == (
        "",
        RequestStatus.SUBMITTED,
        requester,
    )


def test_a_transition_is_recorded_with_who_and_note(request_, coordinator):
    services.tta_request_transition(
        request=request_, action="review", actor=coordinator, note="Looking"
    )
    request_.refresh_from_db()
    assert request_.status == RequestStatus.UNDER_REVIEW
    last = request_.transitions.last()
    assert (last.from_status, last.to_status, last.actor, last.note) == (
        RequestStatus.SUBMITTED,
        RequestStatus.UNDER_REVIEW,
        coordinator,
        "Looking",
    )


def test_an_illegal_transition_says_why_and_changes_nothing(request_, coordinator):
    with pytest.raises(services.IllegalTransition, match="cannot be closed"):
        services.tta_request_transition(
            request=request_, action="close", actor=coordinator, note="x"
        )
    request_.refresh_from_db()
    assert request_.status == RequestStatus.SUBMITTED
    assert request_.transitions.count() == 1


def test_declining_without_a_reason_is_refused_and_leaves_nothing_behind(request_, coordinator):
    with pytest.raises(ValidationError, match="Give a reason"):
        services.tta_request_transition(request=request_, action="decline", actor=coordinator)
    request_.refresh_from_db()
    assert (request_.status, request_.transitions.count()) == (RequestStatus.SUBMITTED, 1)
    services.tta_request_transition(
        request=request_, action="decline", actor=coordinator, note="Out of scope"
    )
    request_.refresh_from_db()
    assert (request_.status, request_.decline_reason) == (RequestStatus.DECLINED, "Out of scope")


def test_a_role_cannot_take_an_action_it_does_not_own(request_, requester):
    with pytest.raises(PermissionDenied):
        services.tta_request_transition(request=request_, action="approve", actor=requester)


def test_resume_returns_to_the_status_before_the_hold(request_, coordinator):
    services.tta_request_transition(request=request_, action="approve", actor=coordinator)
    services.tta_request_transition(request=request_, action="hold", actor=coordinator)
    services.tta_request_transition(request=request_, action="resume", actor=coordinator)
    request_.refresh_from_db()
    assert request_.status == RequestStatus.APPROVED


def test_provider_staff_work_only_on_their_organizations_requests(request_, coordinator):
    staff = factories.UserFactory(roles=[Role.TTA_PROVIDER])
    provider = factories.TTAProviderFactory()
    services.tta_request_transition(request=request_, action="approve", actor=coordinator)
    services.tta_request_assign_provider(request=request_, provider=provider, actor=coordinator)
    with pytest.raises(PermissionDenied, match="not assigned to your organization"):
        services.tta_request_transition(request=request_, action="start", actor=staff)
    provider.staff.add(staff)
    services.tta_request_transition(request=request_, action="start", actor=staff)
    delivery = services.tta_delivery_record(
        request=request_,
        date=datetime.date(2026, 2, 1),
        mode="webinar",
        hours=Decimal("2"),
        participants=30,
        actor=staff,
    )
    services.tta_request_transition(request=request_, action="deliver", actor=staff)
    request_.refresh_from_db()
    assert request_.status == RequestStatus.DELIVERED
    assert delivery.recorded_by == staff
