"""The site-status feed: which sites a sync returns, and paging that neither skips nor repeats
a site while data changes."""

import datetime
import zoneinfo

import pytest
import time_machine

from liaisons.choices import VisitStatus
from liaisons.services import assignment_create
from psp.accounts.roles import Role
from psp.domain import SITE_STATUS_SOURCES, validate_and_save
from psp.portfolio.services import site_status_rows_refresh
from sites.choices import Phase
from sites.models import CoreArea, Site
from sites.services import engagement_start, milestone_complete, site_update
from tests import factories
from tests.api.conftest import client_for
from tta.services import tta_request_submit, tta_request_transition

pytestmark = pytest.mark.django_db

ET = zoneinfo.ZoneInfo("America/New_York")


def at(hour, minute=0):
    return datetime.datetime(2026, 3, 15, hour, minute, tzinfo=ET)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["site"]["slug"] for row in response.json()["results"]]


def changes(w):
    """One write through a service for each kind of row a site's status is computed from."""
    coordinator, area = w.coordinator, CoreArea.objects.get(code="gun-violence")
    return {
        "sites.site": lambda site: site_update(site=site, actor=coordinator, lead_agency="PD"),
        "sites.engagement": lambda site: engagement_start(
            site=site, phase=Phase.DIAGNOSTIC, start_date=datetime.date(2026, 3, 1)
        ),
        "sites.milestone": lambda site: milestone_complete(
            milestone=factories.MilestoneFactory(engagement__site=site),
            completed_on=datetime.date(2026, 3, 10),
            actor=coordinator,
        ),
        "liaisons.assignment": lambda site: assignment_create(
            liaison=factories.LiaisonFactory(),
            engagement=factories.EngagementFactory(site=site),
            start_date=datetime.date(2026, 3, 1),
            actor=coordinator,
        ),
        "liaisons.sitevisit": lambda site: validate_and_save(
            factories.SiteVisitFactory.build(
                site=site,
                engagement=None,
                liaison=factories.LiaisonFactory(),
                status=VisitStatus.DRAFT,
            ),
            actor=coordinator,
        ),
        "tta.ttarequest": lambda site: tta_request_transition(
            request=tta_request_submit(
                site=site,
                core_area=area,
                title="T",
                description="D",
                # Requests are filed by the site's own contact (tta.services).
                requested_by=factories.SiteContactFactory(
                    site=site, user=factories.UserFactory(roles=[Role.SITE_CONTACT])
                ).user,
            ),
            action="review",
            actor=coordinator,
        ),
    }


@pytest.mark.parametrize("source", sorted(SITE_STATUS_SOURCES))
def test_a_change_to_anything_the_status_reads_puts_the_site_in_the_feed(world, source):
    # Parametrized over SITE_STATUS_SOURCES: a new source without a case here is a KeyError.
    client = client_for(world.integration)
    quiet, changed = factories.SiteFactory(), factories.SiteFactory()
    with time_machine.travel(at(12, 20), tick=False):
        site_status_rows_refresh(Site.objects.all(), today=at(12).date())
    with time_machine.travel(at(12, 30), tick=False):
        changes(world)[source](changed)
    response = client.get("/api/v1/site-status/", {"updated_since": at(12, 15).isoformat()})
    assert slugs(response) == [changed.slug]
    assert quiet.slug not in slugs(response)
    # ... and the dashboard's stored row of that site (only) is no longer current.
    assert site_status_rows_refresh(Site.objects.all(), today=at(12).date()) == 1


def test_nothing_changed_means_an_empty_feed(world):
    client = client_for(world.integration)
    response = client.get("/api/v1/site-status/", {"updated_since": at(12, 1).isoformat()})
    assert slugs(response) == []


def test_a_sync_spanning_midnight_returns_every_site_because_day_counts_moved(world):
    client = client_for(world.integration)
    yesterday = at(0) - datetime.timedelta(minutes=1)
    response = client.get("/api/v1/site-status/", {"updated_since": yesterday.isoformat()})
    assert set(slugs(response)) == set(Site.objects.values_list("slug", flat=True))


def test_paging_the_feed_while_sites_change_never_skips_or_repeats_a_site(world):
    factories.SiteFactory.create_batch(23)
    before = list(Site.objects.order_by("pk"))  # 25 sites
    reader = client_for(world.integration)
    writer = client_for(world.coordinator)
    seen, pages, marks = [], 0, set()
    url, params = "/api/v1/site-status/", {"page_size": 4}
    while url:
        body = reader.get(url, params).json()
        marks.add(body["next_updated_since"])
        seen += [row["site"]["id"] for row in body["results"]]
        pages += 1
        # Between pages, others change sites already read, sites not read yet, and add one.
        writer.patch(f"/api/v1/sites/{before[0].slug}/", {"lead_agency": f"Read {pages}"})
        writer.patch(f"/api/v1/sites/{before[-1].slug}/", {"lead_agency": f"Unread {pages}"})
        writer.post(
            "/api/v1/tta-requests/",
            {
                "site": before[pages % 25].slug,
                "core_area": "crime-analysis",
                "title": "Analyst",
                "description": "Help",
            },
        )
        factories.SiteFactory()
        url, params = body["next"], None
    assert len(seen) == len(set(seen)), "a site was repeated"
    assert {s.pk for s in before} <= set(seen), "a site was skipped"
    assert pages >= 7
    # Every page of one sync gives the same place to resume from ...
    (mark,) = marks
    # ... and resuming from it returns the sites changed while the client was paging.
    changed = slugs(reader.get("/api/v1/site-status/", {"updated_since": mark, "page_size": 200}))
    assert {before[0].slug, before[-1].slug} <= set(changed)


def test_next_updated_since_is_the_sync_start_minus_the_overlap(world, settings):
    settings.PSP_STATUS_FEED_OVERLAP_SECONDS = 90
    client = client_for(world.integration)
    with time_machine.travel(at(13), tick=False):
        first = client.get("/api/v1/site-status/", {"page_size": 1}).json()
    with time_machine.travel(at(14), tick=False):
        second = client.get(first["next"]).json()
    expected = at(13) - datetime.timedelta(seconds=90)
    for page in (first, second):
        assert datetime.datetime.fromisoformat(page["next_updated_since"]) == expected


@pytest.mark.parametrize("cursor", ["nonsense", "cD0x", "cz1ub3QtYS1kYXRl"])
def test_a_broken_cursor_is_a_404_in_the_error_shape(world, cursor):
    response = client_for(world.integration).get("/api/v1/site-status/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_feed_filters_by_phase_state_cohort_liaison_and_core_area(world):
    client = client_for(world.coordinator)
    other = factories.EngagementFactory(
        site__name="Charlie", site__state="CO", site__cohort_year=2019, phase=Phase.DIAGNOSTIC
    ).site

    def feed(**params):
        return set(slugs(client.get("/api/v1/site-status/", params)))

    assert feed(phase="diagnostic") == {other.slug}
    assert feed(state="co") == {other.slug}
    assert feed(cohort=2019) == {other.slug}
    assert feed(liaison=world.l2.pk) == {world.b.slug}
    assert feed(core_area="crime-analysis") == {world.a.slug, world.b.slug}
    assert feed(core_area="gun-violence") == set()
