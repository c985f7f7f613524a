"""The shared filtersets, through the API: each filter narrows the list as its name says."""

import datetime

import pytest
import time_machine

from liaisons.choices import VisitStatus
from sites.models import CoreArea
from tests import factories
from tests.api.conftest import client_for
from tta.choices import Priority

pytestmark = pytest.mark.django_db


def ids(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_site_visit_filters(world):
    client = client_for(world.coordinator)
    world.v_a.core_areas.add(CoreArea.objects.get(code="gun-violence"))
    late = factories.SiteVisitFactory(
        engagement=world.eng_a, liaison=world.l1, start_date=datetime.date(2026, 2, 1)
    )
    url = "/api/v1/site-visits/"
    assert ids(client, url, site="bravo-tx") == {world.v_b.pk}
    assert ids(client, url, liaison=world.l2.pk) == {world.v_b.pk}
    assert ids(client, url, status=VisitStatus.DRAFT) == {world.v_a_draft.pk}
    assert ids(client, url, core_area="gun-violence") == {world.v_a.pk}
    assert ids(client, url, date_after="2026-01-01") == {late.pk}
    assert late.pk not in ids(client, url, date_before="2025-12-31")


def test_tta_request_filters(world):
    client = client_for(world.coordinator)
    with time_machine.travel(datetime.datetime(2026, 1, 5, 12, tzinfo=datetime.UTC)):
        urgent = factories.TTARequestFactory(
            site=world.a,
            core_area=CoreArea.objects.get(code="gun-violence"),
            priority=Priority.URGENT,
        )
    url = "/api/v1/tta-requests/"
    assert ids(client, url, status="in_progress") == {world.r_b.pk}
    assert ids(client, url, core_area="gun-violence") == {urgent.pk}
    assert ids(client, url, site="alpha-tx") == {world.r_a.pk, urgent.pk}
    assert ids(client, url, provider=world.provider.slug) == {world.r_b.pk}
    assert ids(client, url, priority="urgent") == {urgent.pk}
    assert ids(client, url, created_before="2026-01-31") == {urgent.pk}
    assert urgent.pk not in ids(client, url, created_after="2026-02-01")


def test_site_filters_read_the_current_engagement_place_cohort_and_liaison(world):
    client = client_for(world.coordinator)
    other = factories.SiteFactory(name="Charlie", state="CO", cohort_year=2019)
    url = "/api/v1/sites/"
    assert ids(client, url, status="active") == {world.a.pk, world.b.pk}
    assert ids(client, url, phase="operations") == {world.a.pk, world.b.pk}
    assert ids(client, url, state="co") == {other.pk}
    assert ids(client, url, cohort=2019) == {other.pk}
    assert ids(client, url, liaison=world.l2.pk) == {world.b.pk}


def test_updated_since_on_lists(world):
    client = client_for(world.coordinator)
    mark = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(mark + datetime.timedelta(minutes=5), tick=False):
        world.ms_b.notes = "Moved"
        world.ms_b.save()
        client_for(world.coordinator).patch(f"/api/v1/sites/{world.a.slug}/", {"population": 5})
    since = (mark + datetime.timedelta(minutes=1)).isoformat()
    assert ids(client, "/api/v1/milestones/", updated_since=since) == {world.ms_b.pk}
    assert ids(client, "/api/v1/sites/", updated_since=since) == {world.a.pk}


def test_site_visits_page_by_cursor_without_skipping_or_repeating_while_visits_are_added(world):
    """Visits are paged by cursor (no total count): newest first, and visits logged while a
    client pages through neither shift it onto rows it has read nor make it skip any."""
    client = client_for(world.coordinator)
    for day in range(1, 8):
        factories.SiteVisitFactory(
            engagement=world.eng_a, liaison=world.l1, start_date=datetime.date(2025, 3, day)
        )
    expected = [
        row["id"]
        for row in client.get("/api/v1/site-visits/", {"page_size": 100}).json()["results"]
    ]
    seen, url, params = [], "/api/v1/site-visits/", {"page_size": 3}
    while url:
        body = client.get(url, params).json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        # Someone logs a visit between pages: newest first, it lands before the cursor.
        factories.SiteVisitFactory(
            engagement=world.eng_a, liaison=world.l1, start_date=datetime.date(2027, 1, 1)
        )
        url, params = body["next"], None
    assert seen == expected  # under page numbers each new visit would repeat a row
    dates = [client.get(f"/api/v1/site-visits/{pk}/").json()["start_date"] for pk in seen[:4]]
    assert dates == sorted(dates, reverse=True)


def test_a_request_without_filters_skips_the_form_and_gets_the_same_rows(world, monkeypatch):
    """psp.api.filtering.FilterBackend: no filter parameter, no filterset; the same answer."""
    from django_filters.rest_framework import DjangoFilterBackend

    from psp.api import filtering

    client = client_for(world.coordinator)
    urls = ["/api/v1/sites/", "/api/v1/sites/?page_size=1", "/api/v1/site-visits/"]
    urls += ["/api/v1/sites/?ordering=-name", "/api/v1/site-status/"]

    def answer(url):
        body = client.get(url).json()
        body.pop("next_updated_since", None)  # the moment of the request
        return body

    fast = {url: answer(url) for url in urls}
    built = []
    original = DjangoFilterBackend.filter_queryset

    def counting(self, request, queryset, view):
        built.append(request.path)
        return original(self, request, queryset, view)

    monkeypatch.setattr(DjangoFilterBackend, "filter_queryset", counting)
    assert [answer(url) for url in urls] == list(fast.values())
    assert built == []
    monkeypatch.setattr(filtering, "NOT_FILTERS", frozenset())
    assert [answer(url) for url in urls] == list(fast.values())
    assert len(built) == 2  # the two with a parameter; no parameter at all still skips
    assert client.get("/api/v1/sites/?state=zz").json()["results"] == []
