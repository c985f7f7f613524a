"""The permission matrix of every endpoint (DESIGN.md §2): anonymous → 401, an object outside
the user's `visible_to` → 404, a read-only token writing → 403, and each role reads exactly
what it may see."""

import pytest
from django.urls import reverse

from liaisons.choices import VisitStatus
from liaisons.models import Liaison, SiteVisit
from psp.accounts.roles import Role
from sites.models import CoreArea
from tests import factories
from tests.api.conftest import client_for
from tta.choices import RequestStatus
from tta.models import TTADelivery, TTAProvider

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "integration", "liaison", "site contact", "provider"]


def expected_rows(w, role):
    """What each role may read, written out from DESIGN.md §2 (not from visible_to)."""
    everything = {
        "site": {w.a, w.b},
        "engagement": {w.eng_a, w.eng_b},
        "milestone": {w.ms_a, w.ms_b},
        "assignment": {w.as_a, w.as_a3, w.as_b},
        "liaison": set(Liaison.objects.all()),
        "site-visit": {w.v_a, w.v_a_draft, w.v_b},
        "tta-request": {w.r_a, w.r_b},
        "tta-delivery": {w.del_b},
        "tta-provider": set(TTAProvider.objects.all()),
        "core-area": set(CoreArea.objects.all()),
        "site-status": {w.a, w.b},
    }
    if role == "coordinator":
        return everything
    if role == "integration":
        return everything | {"site-visit": {w.v_a, w.v_b}}
    if role == "liaison":
        return everything | {
            "site": {w.a},
            "engagement": {w.eng_a},
            "milestone": {w.ms_a},
            "assignment": {w.as_a, w.as_a3},
            "site-visit": {w.v_a, w.v_a_draft},
            "tta-request": {w.r_a},
            "tta-delivery": set(),
            "site-status": {w.a},
        }
    if role == "site contact":
        return everything | {
            "site": {w.a},
            "engagement": {w.eng_a},
            "milestone": {w.ms_a},
            "assignment": {w.as_a, w.as_a3},
            "liaison": {w.l1, w.l3},
            "site-visit": {w.v_a},
            "tta-request": {w.r_a},
            "tta-delivery": set(),
            "site-status": {w.a},
        }
    assert role == "provider"
    return {
        "site": {w.b},
        "engagement": set(),
        "milestone": set(),
        "assignment": set(),
        "liaison": set(),
        "site-visit": set(),
        "tta-request": {w.r_b},
        "tta-delivery": {w.del_b},
        "tta-provider": {w.provider},
        "core-area": set(CoreArea.objects.all()),
        "site-status": set(),
    }


def ids_in(response) -> set:
    assert response.status_code == 200, response.content
    return {row.get("id", row.get("code")) for row in response.json()["results"]}


def key_of(obj):
    return obj.code if isinstance(obj, CoreArea) else obj.pk


LIST_NAMES = [
    "site",
    "engagement",
    "milestone",
    "assignment",
    "liaison",
    "site-visit",
    "tta-request",
    "tta-delivery",
    "tta-provider",
    "core-area",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", LIST_NAMES)
def test_each_role_lists_exactly_what_it_may_see(world, role, name):
    client = client_for(world.users[role])
    response = client.get(reverse(f"{name}-list"), {"page_size": 200})
    assert ids_in(response) == {key_of(o) for o in expected_rows(world, role)[name]}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_status_of_exactly_the_sites_it_works_on(world, role):
    client = client_for(world.users[role])
    response = client.get(reverse("site-status-list"))
    assert response.status_code == 200
    got = {row["site"]["id"] for row in response.json()["results"]}
    assert got == {s.pk for s in expected_rows(world, role)["site-status"]}


def detail_urls(w):
    """(name, url of the object at site A, url of the object at site B)."""
    return [
        ("site", f"/api/v1/sites/{w.a.slug}/", f"/api/v1/sites/{w.b.slug}/"),
        ("site-status", f"/api/v1/sites/{w.a.slug}/status/", f"/api/v1/sites/{w.b.slug}/status/"),
        ("engagement", f"/api/v1/engagements/{w.eng_a.pk}/", f"/api/v1/engagements/{w.eng_b.pk}/"),
        ("milestone", f"/api/v1/milestones/{w.ms_a.pk}/", f"/api/v1/milestones/{w.ms_b.pk}/"),
        ("assignment", f"/api/v1/assignments/{w.as_a.pk}/", f"/api/v1/assignments/{w.as_b.pk}/"),
        ("site-visit", f"/api/v1/site-visits/{w.v_a.pk}/", f"/api/v1/site-visits/{w.v_b.pk}/"),
        ("tta-request", f"/api/v1/tta-requests/{w.r_a.pk}/", f"/api/v1/tta-requests/{w.r_b.pk}/"),
    ]


@pytest.mark.parametrize("role", ["liaison", "site contact"])
def test_another_sites_objects_are_404_for_those_who_work_one_site(world, role):
    client = client_for(world.users[role])
    for name, mine, theirs in detail_urls(world):
        assert client.get(mine).status_code == 200, name
        response = client.get(theirs)
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "not_found"


def test_provider_staff_get_404_for_what_is_not_their_organizations(world):
    client = client_for(world.provider_user)
    for name, at_a, _ in detail_urls(world):
        assert client.get(at_a).status_code == 404, name
    assert client.get(f"/api/v1/tta-requests/{world.r_b.pk}/").status_code == 200
    assert client.get(f"/api/v1/tta-deliveries/{world.del_b.pk}/").status_code == 200
    # They may name the site of their request, but not read its status.
    assert client.get(f"/api/v1/sites/{world.b.slug}/").status_code == 200
    assert client.get(f"/api/v1/sites/{world.b.slug}/status/").status_code == 404


def test_a_liaison_gets_404_for_another_liaisons_draft_visit(world):
    other_draft = world.v_a_draft
    client = client_for(world.l3.user)  # backup at the same site, but not the author
    assert client.get(f"/api/v1/site-visits/{other_draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/site-visits/{world.v_a.pk}/").status_code == 200


def every_operation(w):
    """(method, url, body) of every endpoint, reads and writes."""
    reads = [("get", reverse(f"{name}-list"), None) for name in LIST_NAMES]
    reads += [("get", reverse("site-status-list"), None)]
    reads += [("get", url, None) for _, url, _ in detail_urls(w)]
    reads += [
        ("get", f"/api/v1/liaisons/{w.l1.pk}/", None),
        ("get", f"/api/v1/tta-deliveries/{w.del_b.pk}/", None),
        ("get", f"/api/v1/tta-providers/{w.provider.slug}/", None),
        ("get", "/api/v1/core-areas/crime-analysis/", None),
    ]
    writes = [
        ("patch", f"/api/v1/sites/{w.a.slug}/", {"lead_agency": "Alpha PD"}),
        ("put", f"/api/v1/sites/{w.a.slug}/", {"name": "Alpha"}),
        ("post", f"/api/v1/milestones/{w.ms_a.pk}/complete/", {}),
        ("post", "/api/v1/tta-requests/", {"site": w.a.slug}),
        ("post", f"/api/v1/tta-requests/{w.r_a.pk}/transitions/", {"action": "review"}),
        ("post", "/api/v1/site-visits/", visit_body(w)),
        ("put", f"/api/v1/site-visits/{w.v_a_draft.pk}/", visit_body(w)),
        ("patch", f"/api/v1/site-visits/{w.v_a_draft.pk}/", {"summary": "Met the chief."}),
        ("post", f"/api/v1/site-visits/{w.v_a_draft.pk}/submit/", None),
        ("post", "/api/v1/tta-deliveries/", delivery_body(w)),
    ]
    return reads, writes


def visit_body(w) -> dict:
    return {
        "site": w.a.slug,
        "start_date": "2026-03-10",
        "mode": "on_site",
        "core_areas": ["crime-analysis"],
        "summary": "Walked through the crime-analysis unit's weekly briefing.",
    }


def delivery_body(w) -> dict:
    return {
        "request": w.r_b.pk,
        "date": "2026-03-12",
        "mode": "virtual",
        "hours": "2.5",
        "participants": 14,
        "summary": "Webinar on NIBIN lead follow-up.",
    }


def test_anonymous_requests_get_401_everywhere(world):
    reads, writes = every_operation(world)
    client = client_for(None)
    for method, url, body in reads + writes:
        response = getattr(client, method)(url, body)
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == 'Token realm="api"'
        assert response.json()["error"]["code"] == "not_authenticated"


def test_a_read_only_token_reads_but_every_write_is_403(world):
    reads, writes = every_operation(world)
    client = client_for(world.coordinator, read_only=True)
    for _method, url, _ in reads:
        assert client.get(url).status_code == 200, url
    for method, url, body in writes:
        response = getattr(client, method)(url, body)
        assert response.status_code == 403, (method, url)
        assert "read-only" in response.json()["error"]["message"]
    world.r_a.refresh_from_db()
    assert world.r_a.status == RequestStatus.SUBMITTED
    world.v_a_draft.refresh_from_db()
    assert world.v_a_draft.status == VisitStatus.DRAFT
    assert SiteVisit.objects.count() == 3
    assert TTADelivery.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 200),
        ("integration", 403),
        ("liaison", 403),
        ("site contact", 403),
        ("provider", 404),
    ],
)
def test_only_coordinators_correct_a_sites_facts(world, role, expected):
    client = client_for(world.users[role])
    response = client.patch(f"/api/v1/sites/{world.a.slug}/", {"lead_agency": "Alpha PD"})
    assert response.status_code == expected, response.content
    world.a.refresh_from_db()
    assert (world.a.lead_agency == "Alpha PD") is (expected == 200)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 200),
        ("liaison", 200),
        ("integration", 403),
        ("site contact", 403),
        ("provider", 404),
    ],
)
def test_coordinators_and_the_sites_liaison_complete_milestones(world, role, expected):
    client = client_for(world.users[role])
    response = client.post(f"/api/v1/milestones/{world.ms_a.pk}/complete/", {"note": "Done."})
    assert response.status_code == expected, response.content
    world.ms_a.refresh_from_db()
    assert (world.ms_a.completed_on is not None) is (expected == 200)


def test_a_liaison_cannot_complete_another_sites_milestone(world):
    response = client_for(world.l1.user).post(f"/api/v1/milestones/{world.ms_b.pk}/complete/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 403),  # intake is for the site and its liaisons (tta.services)
        ("liaison", 201),
        ("site contact", 201),
        ("integration", 403),
        ("provider", 403),
    ],
)
def test_site_contacts_and_liaisons_file_tta_requests(world, role, expected):
    client = client_for(world.users[role])
    response = client.post(
        "/api/v1/tta-requests/",
        {
            "site": world.a.slug,
            "core_area": "gun-violence",
            "title": "NIBIN build-out",
            "description": "Help standing up a crime gun intelligence center.",
        },
    )
    assert response.status_code == expected, response.content
    if expected == 201:
        body = response.json()
        assert body["status"] == "submitted"
        assert body["site_summary"]["slug"] == world.a.slug
        assert [t["to_status"] for t in body["transitions"]] == ["submitted"]


def test_a_site_contact_cannot_file_for_another_site(world):
    response = client_for(world.contact).post(
        "/api/v1/tta-requests/",
        {"site": world.b.slug, "core_area": "gun-violence", "title": "X", "description": "Y"},
    )
    assert response.status_code == 400
    assert "site" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        ("coordinator", "review", 200),
        ("liaison", "withdraw", 200),
        ("site contact", "withdraw", 200),
        ("site contact", "review", 403),
        ("integration", "review", 403),
        ("provider", "review", 404),
    ],
)
def test_transitions_follow_the_state_machines_roles(world, role, action, expected):
    client = client_for(world.users[role])
    response = client.post(f"/api/v1/tta-requests/{world.r_a.pk}/transitions/", {"action": action})
    assert response.status_code == expected, response.content
    world.r_a.refresh_from_db()
    assert (world.r_a.status != RequestStatus.SUBMITTED) is (expected == 200)


def test_an_illegal_transition_is_409_with_the_reason(world):
    response = client_for(world.coordinator).post(
        f"/api/v1/tta-requests/{world.r_a.pk}/transitions/", {"action": "close", "note": "x"}
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "cannot be closed" in error["message"]


def test_a_transition_on_another_sites_request_is_404(world):
    response = client_for(world.l1.user).post(
        f"/api/v1/tta-requests/{world.r_b.pk}/transitions/", {"action": "withdraw"}
    )
    assert response.status_code == 404
    world.r_b.refresh_from_db()
    assert world.r_b.status == RequestStatus.IN_PROGRESS


def test_visit_internal_notes_are_for_doj_staff_only(world):
    url = f"/api/v1/site-visits/{world.v_a.pk}/"
    for role, sees in [("coordinator", True), ("liaison", True), ("integration", False)]:
        notes = client_for(world.users[role]).get(url).json()["internal_notes"]
        assert (notes == world.v_a.internal_notes) is sees, role
    assert client_for(world.contact).get(url).json()["internal_notes"] is None


# --- Visit writes: liaisons, for the sites they are assigned to, their own visits -------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 403),  # coordinators read and return visits; liaisons log them
        ("liaison", 201),
        ("integration", 403),
        ("site contact", 403),
        ("provider", 403),
    ],
)
def test_only_liaisons_log_visits(world, role, expected):
    response = client_for(world.users[role]).post("/api/v1/site-visits/", visit_body(world))
    assert response.status_code == expected, response.content
    assert SiteVisit.objects.count() == (4 if expected == 201 else 3)
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_liaison_cannot_log_a_visit_for_a_site_they_are_not_assigned_to(world):
    response = client_for(world.l2.user).post("/api/v1/site-visits/", visit_body(world))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["site"] == [
        "You can only log visits for sites you are assigned to."
    ]
    assert SiteVisit.objects.count() == 3


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 403),  # sees the draft, may not write it
        ("liaison", 200),  # its author
        ("integration", 404),  # integrations see submitted visits only
        ("site contact", 404),
        ("provider", 404),
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_only_its_liaison_changes_a_draft_visit(world, role, method, expected):
    client = client_for(world.users[role])
    body = visit_body(world) | {"summary": "Changed."}
    response = getattr(client, method)(f"/api/v1/site-visits/{world.v_a_draft.pk}/", body)
    assert response.status_code == expected, response.content
    world.v_a_draft.refresh_from_db()
    assert (world.v_a_draft.summary == "Changed.") is (expected == 200)


def test_another_liaisons_draft_is_404_to_write_and_their_submitted_visit_403(world):
    client = client_for(world.l3.user)  # backup at site A, not the author
    body = visit_body(world)
    assert client.patch(f"/api/v1/site-visits/{world.v_a_draft.pk}/", body).status_code == 404
    assert client.post(f"/api/v1/site-visits/{world.v_a_draft.pk}/submit/").status_code == 404
    response = client.patch(f"/api/v1/site-visits/{world.v_a.pk}/", body)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == (
        "Only the liaison who logged this visit can change it."
    )
    # Site B's visit is invisible to liaison 1.
    other = client_for(world.l1.user).patch(f"/api/v1/site-visits/{world.v_b.pk}/", body)
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 403),
        ("liaison", 200),
        ("integration", 404),
        ("site contact", 404),
        ("provider", 404),
    ],
)
def test_only_its_liaison_submits_a_visit(world, role, expected):
    world.v_a_draft.core_areas.add(world.area)
    response = client_for(world.users[role]).post(
        f"/api/v1/site-visits/{world.v_a_draft.pk}/submit/"
    )
    assert response.status_code == expected, response.content
    world.v_a_draft.refresh_from_db()
    submitted = world.v_a_draft.status == VisitStatus.SUBMITTED
    assert submitted is (expected == 200)


# --- TTA deliveries: the assigned provider's staff, on their request in progress -----------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", 403),
        ("liaison", 403),
        ("integration", 403),
        ("site contact", 403),
        ("provider", 201),
    ],
)
def test_only_the_providers_staff_record_deliveries(world, role, expected):
    response = client_for(world.users[role]).post("/api/v1/tta-deliveries/", delivery_body(world))
    assert response.status_code == expected, response.content
    assert TTADelivery.objects.count() == (2 if expected == 201 else 1)


def test_staff_of_another_provider_cannot_record_on_its_request(world):
    other = factories.UserFactory(username="other-provider", roles=[Role.TTA_PROVIDER])
    factories.TTAProviderFactory().staff.add(other)
    response = client_for(other).post("/api/v1/tta-deliveries/", delivery_body(world))
    # The request is not theirs to see: the same answer as for one that does not exist.
    assert response.status_code == 400
    assert "request" in response.json()["error"]["fields"]
    assert TTADelivery.objects.count() == 1
