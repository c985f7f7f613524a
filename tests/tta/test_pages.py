"""The TTA pages: who may open what (404 outside `visible_to`), what they can do there, filters
in the URL, and query counts that do not grow with rows."""

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tta import services
from tta.choices import RequestStatus
from tta.models import TTADelivery, TTARequest

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 16, 15, 0, tzinfo=datetime.UTC)  # a Monday


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- permission matrix --------------------------------------------------------------------

WHO = [
    # (user in the world, sees the request at site A assigned to the National TTA Center)
    ("coordinator", 200),
    ("integration", 200),
    ("liaison", 200),
    ("contact", 200),
    ("staff", 200),
    ("other_liaison", 404),
    ("other_contact", 404),
    ("other_staff", 404),
]


@pytest.mark.parametrize(("who", "expected"), WHO)
def test_the_request_page_answers_404_outside_visibility(client, tta_world, who, expected):
    request = tta_world.new_request(RequestStatus.IN_PROGRESS)
    client.force_login(getattr(tta_world, who))
    assert client.get(reverse("tta:request-detail", args=[request.pk])).status_code == expected


@pytest.mark.parametrize(("who", "expected"), WHO)
def test_the_list_shows_exactly_the_visible_requests(client, tta_world, who, expected):
    mine = tta_world.new_request(RequestStatus.IN_PROGRESS, title="Ours")
    tta_world.new_request(site=tta_world.other_site, title="Theirs")
    client.force_login(getattr(tta_world, who))
    response = client.get(reverse("tta:request-list"))
    assert response.status_code == 200
    shown = {r.title for r in response.context["page"]}
    assert ("Ours" in shown) == (expected == 200)
    if who in {"coordinator", "integration"}:
        assert shown == {"Ours", "Theirs"}
    elif who in {"other_liaison", "other_contact"}:
        assert shown == {"Theirs"}
    else:
        assert "Theirs" not in shown
    assert mine.pk  # the request exists either way


@pytest.mark.parametrize(
    "url",
    [
        reverse("tta:request-list"),
        reverse("tta:request-create"),
        reverse("tta:provider-requests"),
        reverse("tta:summit-list"),
        reverse("tta:summit-create"),
        "/tta/1/",
        "/tta/summits/2026/",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("coordinator", 403),
        ("staff", 403),
        ("integration", 403),
        ("contact", 200),
        ("liaison", 200),
    ],
)
def test_only_site_contacts_and_liaisons_open_the_intake_form(client, tta_world, who, expected):
    client.force_login(getattr(tta_world, who))
    assert client.get(reverse("tta:request-create")).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"), [("staff", 200), ("coordinator", 403), ("contact", 403)]
)
def test_the_provider_page_is_for_provider_staff(client, tta_world, who, expected):
    client.force_login(getattr(tta_world, who))
    assert client.get(reverse("tta:provider-requests")).status_code == expected


# --- intake -------------------------------------------------------------------------------


def test_the_intake_form_has_the_documented_accessible_names(client, tta_world):
    client.force_login(tta_world.contact)
    html = client.get(reverse("tta:request-create")).content.decode()
    for field, label in [
        ("site", "Site"),
        ("core_area", "Core area"),
        ("title", "Title"),
        ("description", "Description"),
        ("needed_by", "Needed by"),
    ]:
        assert re.search(rf'<label class="usa-label" for="id_{field}">{label}\b', html), label
    assert '<button type="submit" class="usa-button">Submit request</button>' in html


def test_a_site_contact_submits_and_gets_a_confirmation(client, tta_world):
    w = tta_world
    client.force_login(w.contact)
    form = client.get(reverse("tta:request-create")).context["form"]
    assert list(form.fields["site"].queryset) == [w.site]
    response = client.post(
        reverse("tta:request-create"),
        {
            "site": w.site.pk,
            "core_area": w.gun_violence.pk,
            "title": "Focused deterrence design",
            "description": "Design a call-in with the USAO.",
            "needed_by": "2026-05-01",
            "priority": "high",
        },
        follow=True,
    )
    created = TTARequest.objects.get()
    assert response.redirect_chain[-1][0] == reverse("tta:request-submitted", args=[created.pk])
    assert b"Request submitted" in response.content
    assert (created.requested_by, created.status, created.priority) == (
        w.contact,
        RequestStatus.SUBMITTED,
        "high",
    )
    site_page = client.get(w.site.get_absolute_url()).content.decode()
    assert "Focused deterrence design" in site_page


def test_a_site_contact_cannot_submit_for_another_site(client, tta_world):
    w = tta_world
    client.force_login(w.contact)
    response = client.post(
        reverse("tta:request-create"),
        {
            "site": w.other_site.pk,
            "core_area": w.gun_violence.pk,
            "title": "x",
            "description": "y",
            "priority": "normal",
        },
    )
    assert response.status_code == 200
    assert "site" in response.context["form"].errors
    assert not TTARequest.objects.exists()


# --- actions on the request page ----------------------------------------------------------


def act(client, request, action, **data):
    return client.post(
        reverse("tta:request-act", args=[request.pk]),
        {"action": action, "expected_status": request.status, **data},
    )


def test_the_page_shows_only_the_buttons_the_user_may_press(client, tta_world):
    request = tta_world.new_request()
    client.force_login(tta_world.coordinator)
    html = client.get(reverse("tta:request-detail", args=[request.pk])).content.decode()
    for label in ["Start review", "Approve", "Decline", "Put on hold"]:
        assert f">{label}</button>" in html
    for label in ["Close", "Withdraw", "Start work", "Mark delivered"]:
        assert f">{label}</button>" not in html
    client.force_login(tta_world.contact)
    html = client.get(reverse("tta:request-detail", args=[request.pk])).content.decode()
    assert ">Withdraw</button>" in html
    assert ">Approve</button>" not in html


def test_a_coordinator_approves_and_assigns_a_provider(client, tta_world):
    w = tta_world
    request = w.new_request()
    client.force_login(w.coordinator)
    response = act(client, request, "approve", note="Good fit")
    assert response.status_code == 302
    request.refresh_from_db()
    response = act(client, request, "assign", provider=w.other_provider.slug)
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.provider) == (RequestStatus.APPROVED, w.other_provider)
    html = client.get(reverse("tta:request-detail", args=[request.pk])).content.decode()
    assert "Good fit" in html
    assert "Assigned to Peer Network." in html


def test_an_illegal_or_stale_action_is_refused_with_409_and_a_reason(client, tta_world):
    w = tta_world
    request = w.new_request()
    client.force_login(w.coordinator)
    response = act(client, request, "close", note="x")
    assert response.status_code == 409
    assert "submitted cannot be closed" in response.content.decode()
    act(client, request, "approve")
    # The page was loaded while the request was still "submitted".
    response = act(client, request, "hold")
    assert response.status_code == 409
    assert "is now approved" in response.content.decode()


def test_declining_without_a_reason_comes_back_with_400(client, tta_world):
    request = tta_world.new_request()
    client.force_login(tta_world.coordinator)
    response = act(client, request, "decline")
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()


@pytest.mark.parametrize(("who", "expected"), [("contact", 403), ("other_contact", 404)])
def test_pressing_a_button_one_may_not_press(client, tta_world, who, expected):
    request = tta_world.new_request()
    client.force_login(getattr(tta_world, who))
    assert act(client, request, "approve").status_code == expected
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_bulk_approve_from_the_queue(client, tta_world):
    w = tta_world
    a, b = w.new_request(), w.new_request(RequestStatus.UNDER_REVIEW)
    closed = w.new_request(RequestStatus.CLOSED)
    client.force_login(w.coordinator)
    response = client.post(
        reverse("tta:request-bulk"),
        {
            "requests": [a.pk, b.pk, closed.pk],
            "action": "approve",
            "next": "/tta/?status=submitted",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/tta/?status=submitted"
    assert set(TTARequest.objects.filter(status=RequestStatus.APPROVED)) == {a, b}
    text = response.content.decode()
    assert "done for 2 requests" in text
    assert "closed cannot be approved" in text


def test_bulk_actions_are_for_coordinators(client, tta_world):
    request = tta_world.new_request()
    client.force_login(tta_world.liaison)
    response = client.post(
        reverse("tta:request-bulk"), {"requests": [request.pk], "action": "approve"}
    )
    assert response.status_code == 403


# --- deliveries ---------------------------------------------------------------------------


def test_provider_staff_record_a_delivery_from_the_request_page(client, tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.IN_PROGRESS)
    client.force_login(w.staff)
    page = client.get(reverse("tta:request-detail", args=[request.pk])).content.decode()
    assert reverse("tta:delivery-create", args=[request.pk]) in page
    response = client.post(
        reverse("tta:delivery-create", args=[request.pk]),
        {
            "date": "2026-03-12",
            "mode": "peer_exchange",
            "hours": "6",
            "participants": "14",
            "host_site": w.other_site.slug,
            "summary": "Pueblo hosted a walk-through of their CGIC.",
        },
    )
    assert response.status_code == 302
    delivery = TTADelivery.objects.get()
    assert (delivery.host_site, delivery.participants, delivery.recorded_by) == (
        w.other_site,
        14,
        w.staff,
    )


@pytest.mark.parametrize(("who", "expected"), [("other_staff", 404), ("coordinator", 403)])
def test_only_the_assigned_providers_staff_open_the_delivery_form(client, tta_world, who, expected):
    request = tta_world.new_request(RequestStatus.IN_PROGRESS)
    client.force_login(getattr(tta_world, who))
    url = reverse("tta:delivery-create", args=[request.pk])
    assert client.get(url).status_code == expected


# --- the triage queue: filters ------------------------------------------------------------


@pytest.fixture
def queue(tta_world):
    w = tta_world
    with time_machine.travel(datetime.datetime(2026, 2, 23, 15, tzinfo=datetime.UTC)):
        w.old = w.new_request(title="Old one")  # 15 business days before NOW
    with time_machine.travel(datetime.datetime(2026, 3, 2, 15, tzinfo=datetime.UTC)):
        w.edge = w.new_request(title="Ten days")  # exactly 10 business days before NOW
    w.fresh = w.new_request(RequestStatus.IN_PROGRESS, title="Fresh")
    w.elsewhere = w.new_request(site=w.other_site, title="Elsewhere")
    return w


def listed(client, query=""):
    response = client.get(reverse("tta:request-list") + query)
    assert response.status_code == 200
    return {r.title for r in response.context["page"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=submitted", {"Old one", "Ten days", "Elsewhere"}),
        ("?status=in_progress&status=approved", {"Fresh"}),
        ("?site=pueblo-co", {"Elsewhere"}),
        ("?provider=national", {"Fresh"}),
        ("?core_area=gun-violence&site=tulsa-ok", {"Old one", "Ten days", "Fresh"}),
        ("?core_area=technology", set()),
        ("?overdue_triage=true", {"Old one"}),
        ("?created_before=2026-03-01", {"Old one"}),
        ("?created_after=2026-03-02", {"Ten days", "Fresh", "Elsewhere"}),
        ("?priority=normal", {"Old one", "Ten days", "Fresh", "Elsewhere"}),
    ],
)
def test_the_queue_filters_in_the_url(client, queue, query, expected):
    client.force_login(queue.coordinator)
    assert listed(client, query) == expected


def test_requests_past_the_triage_target_are_highlighted(client, queue):
    client.force_login(queue.coordinator)
    response = client.get(reverse("tta:request-list"))
    overdue = {r.title for r in response.context["page"] if r.overdue_triage}
    assert overdue == {"Old one"}
    assert response.content.decode().count('tta-overdue-tag">Past triage target') == 1


def test_the_triage_target_follows_the_setting(client, queue, settings):
    settings.PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS = 5
    client.force_login(queue.coordinator)
    assert listed(client, "?overdue_triage=true") == {"Old one", "Ten days"}


def test_a_site_contact_cannot_filter_their_way_to_another_site(client, queue):
    client.force_login(queue.contact)
    # Not a choice for them: the filter is invalid and nothing is listed.
    assert listed(client, "?site=pueblo-co") == set()


# --- query counts -------------------------------------------------------------------------


def test_the_queue_runs_a_fixed_number_of_queries(client, tta_world):
    w = tta_world
    client.force_login(w.coordinator)
    w.new_request()
    few = count_queries(client, reverse("tta:request-list"))
    for _ in range(8):
        w.new_request(RequestStatus.IN_PROGRESS)
    # session, user, roles, the coordinator's two-factor devices, count, the page of requests
    # (joined site, core area, provider, requester), the filter form's choices (core areas,
    # sites, providers), the bulk form's providers, unread notifications (header)
    assert count_queries(client, reverse("tta:request-list")) == few == 11


def test_the_request_page_runs_a_fixed_number_of_queries(client, tta_world):
    w = tta_world
    request = w.new_request(RequestStatus.IN_PROGRESS)
    client.force_login(w.staff)
    url = reverse("tta:request-detail", args=[request.pk])
    few = count_queries(client, url)
    for day in range(1, 6):
        factories.TTADeliveryFactory(request=request, date=datetime.date(2026, 3, day))
        w.new_request()  # a related request in the same core area
    # session, user, roles, the request (joined), transitions, deliveries, the user's reach
    # as provider staff for the buttons, the same for "Record delivery", the related requests,
    # unread notifications (header)
    assert count_queries(client, url) == few == 10


def test_the_provider_page_runs_a_fixed_number_of_queries(client, tta_world):
    w = tta_world
    client.force_login(w.staff)
    w.new_request(RequestStatus.IN_PROGRESS)
    few = count_queries(client, reverse("tta:provider-requests"))
    for _ in range(6):
        factories.TTADeliveryFactory(request=w.new_request(RequestStatus.IN_PROGRESS))
    # session, user, roles, count, the page of requests with delivery totals, unread
    # notifications (header)
    assert count_queries(client, reverse("tta:provider-requests")) == few == 6


def test_the_provider_page_lists_only_the_organizations_requests(client, tta_world):
    w = tta_world
    ours = w.new_request(RequestStatus.IN_PROGRESS, title="Ours")
    theirs = w.new_request(RequestStatus.APPROVED, title="Theirs")
    services.tta_request_assign_provider(request=theirs, provider=w.other_provider, actor=None)
    w.new_request(title="Unassigned")
    factories.TTADeliveryFactory(request=ours, hours=3)
    for who, expected in [(w.staff, {"Ours"}), (w.other_staff, {"Theirs"})]:
        client.force_login(who)
        page = client.get(reverse("tta:provider-requests")).context["page"]
        assert {r.title for r in page} == expected
    client.force_login(w.staff)
    row = client.get(reverse("tta:provider-requests")).context["page"][0]
    assert (row.delivery_count, row.hours_delivered) == (1, 3)
