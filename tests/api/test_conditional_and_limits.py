"""ETags and conditional requests, throttling, and the one error shape."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import client_for
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db


def test_a_detail_carries_an_etag_and_answers_304_while_unchanged(world):
    client = client_for(world.coordinator)
    url = f"/api/v1/tta-requests/{world.r_a.pk}/"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # Weak form and lists are understood too.
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    world.r_a.title = "Renamed"
    world.r_a.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_site_status_has_an_etag_that_moves_when_what_it_shows_changes(world):
    client = client_for(world.coordinator)
    url = f"/api/v1/sites/{world.a.slug}/status/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A milestone completed elsewhere changes the counts, so the tag.
    world.ms_a.completed_on = world.ms_a.due_date
    world.ms_a.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_transition_with_a_stale_if_match_is_412_and_changes_nothing(world):
    client = client_for(world.coordinator)
    url = f"/api/v1/tta-requests/{world.r_a.pk}/"
    etag = client.get(url)["ETag"]
    # Someone else moves the request on after we read it.
    client_for(world.coordinator).post(f"{url}transitions/", {"action": "review"})
    response = client.post(f"{url}transitions/", {"action": "approve"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    world.r_a.refresh_from_db()
    assert world.r_a.status == RequestStatus.UNDER_REVIEW


def test_a_transition_with_the_current_if_match_goes_through_and_returns_the_new_etag(world):
    client = client_for(world.coordinator)
    url = f"/api/v1/tta-requests/{world.r_a.pk}/"
    etag = client.get(url)["ETag"]
    response = client.post(f"{url}transitions/", {"action": "review"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["status"] == "under_review"
    assert response["ETag"] == client.get(url)["ETag"] != etag


@pytest.mark.parametrize("method", ["put", "patch"])
def test_put_and_patch_honour_if_match(world, method):
    client = client_for(world.coordinator)
    url = f"/api/v1/sites/{world.a.slug}/"
    etag = client.get(url)["ETag"]
    body = {"name": "Alpha", "lead_agency": "Alpha Police Department"}
    ok = getattr(client, method)(url, body, HTTP_IF_MATCH=etag)
    assert ok.status_code == 200, ok.content
    assert ok.json()["lead_agency"] == "Alpha Police Department"
    stale = getattr(client, method)(
        url, {"name": "Alpha", "lead_agency": "Other"}, HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    world.a.refresh_from_db()
    assert world.a.lead_agency == "Alpha Police Department"


def test_milestone_completion_honours_if_match(world):
    client = client_for(world.coordinator)
    url = f"/api/v1/milestones/{world.ms_a.pk}/"
    assert client.post(f"{url}complete/", {}, HTTP_IF_MATCH='"stale"').status_code == 412
    etag = client.get(url)["ETag"]
    response = client.post(f"{url}complete/", {"completed_on": "2026-03-01"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["completed_on"] == "2026-03-01"


def test_completing_a_milestone_twice_is_a_400_with_the_reason(world):
    client = client_for(world.coordinator)
    url = f"/api/v1/milestones/{world.ms_a.pk}/complete/"
    assert client.post(url, {}).status_code == 200
    again = client.post(url, {})
    assert again.status_code == 400
    assert "already completed" in again.json()["error"]["message"]


def test_validation_errors_use_the_error_shape_with_fields(world):
    response = client_for(world.users["liaison"]).post(
        "/api/v1/tta-requests/", {"site": "alpha-tx"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"core_area", "title", "description"}
    assert error["fields"]["title"] == ["This field is required."]


def test_a_token_over_its_budget_gets_429_with_retry_after(world, settings):
    settings.PSP_API_THROTTLE_RATE = "3/minute"
    client = client_for(world.integration)
    for _ in range(3):
        assert client.get("/api/v1/sites/").status_code == 200
    response = client.get("/api/v1/sites/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"
    # Budgets are per token: another integration is not slowed down by the first.
    assert client_for(world.integration).get("/api/v1/sites/").status_code == 200


def test_the_budget_fails_open_while_its_cache_is_unreachable(world, settings, monkeypatch):
    # Production keeps the counters in Redis; a Redis restart must not turn the API into 500s.
    from psp.api.throttling import PerTokenRateThrottle

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    settings.PSP_API_THROTTLE_RATE = "3/minute"
    monkeypatch.setattr(PerTokenRateThrottle.cache, "get", unreachable)
    client = client_for(world.integration)
    for _ in range(5):
        assert client.get("/api/v1/sites/").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/core-areas/", "/api/v1/site-status/"])
def test_page_size_is_chosen_by_the_client_up_to_the_cap(world, settings, url):
    settings.PSP_API_MAX_PAGE_SIZE = 3
    client = client_for(world.coordinator)
    response = client.get(url, {"page_size": 1})
    assert len(response.json()["results"]) == 1
    assert response.json()["next"] is not None
    response = client.get("/api/v1/core-areas/", {"page_size": 10_000})
    assert len(response.json()["results"]) == 3


def test_lists_filter_and_order_with_explicit_fields(world):
    client = client_for(world.coordinator)
    got = client.get("/api/v1/tta-requests/", {"site": "alpha-tx"}).json()["results"]
    assert [r["id"] for r in got] == [world.r_a.pk]
    got = client.get("/api/v1/tta-requests/", {"status": "in_progress"}).json()["results"]
    assert [r["id"] for r in got] == [world.r_b.pk]
    got = client.get("/api/v1/sites/", {"ordering": "-name"}).json()["results"]
    assert [s["slug"] for s in got] == ["bravo-tx", "alpha-tx"]
    # Ordering by a field that is not offered is ignored rather than leaking other columns.
    got = client.get("/api/v1/sites/", {"ordering": "notes"}).json()["results"]
    assert [s["slug"] for s in got] == ["alpha-tx", "bravo-tx"]
    bad = client.get("/api/v1/tta-requests/", {"status": "nonsense"})
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]


def test_session_writes_need_the_csrf_token(world):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(world.coordinator)
    assert browser.get("/api/v1/sites/").status_code == 200
    response = browser.patch(f"/api/v1/sites/{world.a.slug}/", {"lead_agency": "X"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("url", "params"),
    [
        # Found by Schemathesis: PostgreSQL rejects offsets beyond ±15:59 ...
        ("/api/v1/site-visits/", {"updated_since": "0786-09-07T22:22:14+22:19"}),
        ("/api/v1/site-status/", {"updated_since": "2026-03-15T10:00:00-23:59"}),
        # ... and a time before year 1 in UTC does not exist.
        ("/api/v1/tta-requests/", {"updated_since": "0001-01-01T00:00:00+05:00"}),
        # NumberFilter would pass 1e308 to an integer column.
        ("/api/v1/milestones/", {"engagement": "-1.7976931348623155e+308"}),
        ("/api/v1/sites/", {"cohort": "99999999999999999999999"}),
    ],
)
def test_out_of_range_filters_are_400_or_harmless_never_500(world, url, params):
    response = client_for(world.coordinator).get(url, params)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "invalid"
