"""Every list, detail and the feed runs a fixed number of queries, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.api.conftest import client_for
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db

# Every request authenticated by token starts with the same query:
AUTH = [
    "the token joined with its user and the user's groups (roles); last_used_at is written "
    "at most once a minute",
]
# A page-numbered list reads its total count in the page query (psp.api.pagination).
LIST = ["the page of rows, with the count of all rows"]


def add_rows(w, n):
    """n more rows of every kind, at one more site each."""
    for _ in range(n):
        engagement = factories.EngagementFactory()
        factories.MilestoneFactory(engagement=engagement)
        assignment = factories.AssignmentFactory(engagement=engagement)
        visit = factories.SiteVisitFactory(engagement=engagement, liaison=assignment.liaison)
        visit.core_areas.add(w.area)
        factories.ActionItemFactory(visit=visit)
        request = factories.TTARequestFactory(
            site=engagement.site,
            core_area=w.area,
            status=RequestStatus.IN_PROGRESS,
            provider=w.provider,
        )
        factories.TTATransitionFactory(request=request)
        factories.TTADeliveryFactory(request=request)
        factories.TTAProviderFactory()


def queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


EXPECTED = {
    "/api/v1/sites/": AUTH + LIST,
    "/api/v1/engagements/": AUTH + LIST,  # engagements joined with their site
    "/api/v1/milestones/": AUTH + LIST,  # joined with engagement and site
    "/api/v1/assignments/": AUTH + LIST,  # joined with liaison, user, engagement, site
    "/api/v1/liaisons/": AUTH + LIST,  # joined with user
    # Paged by cursor: no count of every visit.
    "/api/v1/site-visits/": [
        *AUTH,
        "the page of rows",
        "core areas of the page",
        "action items of the page",
    ],
    "/api/v1/tta-requests/": AUTH + LIST + ["transitions of the page"],
    "/api/v1/tta-deliveries/": AUTH + LIST,
    "/api/v1/tta-providers/": AUTH + LIST,
    "/api/v1/core-areas/": AUTH + LIST,
    "/api/v1/site-status/": [
        *AUTH,
        "the page of sites with current engagement and last visit",
        "those engagements with milestone counts, next milestone and primary liaison",
        "the primary liaisons with their users",
        "open TTA requests grouped by site, core area and status",
        "the core areas that name them",
    ],
}


@pytest.mark.parametrize("url", list(EXPECTED))
def test_lists_run_a_fixed_number_of_queries(world, url):
    client = client_for(world.coordinator)
    client.get(url)  # marks the token used, so the counts below do not include that write
    few = queries(client, url)
    add_rows(world, 6)
    many = queries(client, url)
    assert len(few) == len(many) == len(EXPECTED[url]), "\n".join(many)


def detail_expectations(w):
    one = ["the object"]
    return {
        f"/api/v1/sites/{w.a.slug}/": AUTH + one,
        f"/api/v1/engagements/{w.eng_a.pk}/": AUTH + one,
        f"/api/v1/milestones/{w.ms_a.pk}/": AUTH + one,
        f"/api/v1/assignments/{w.as_a.pk}/": AUTH + one,
        f"/api/v1/liaisons/{w.l1.pk}/": AUTH + one,
        f"/api/v1/site-visits/{w.v_a.pk}/": AUTH + one + ["its core areas", "its action items"],
        f"/api/v1/tta-requests/{w.r_a.pk}/": AUTH + one + ["its transitions"],
        f"/api/v1/tta-deliveries/{w.del_b.pk}/": AUTH + one,
        f"/api/v1/tta-providers/{w.provider.slug}/": AUTH + one,
        "/api/v1/core-areas/crime-analysis/": AUTH + one,
        f"/api/v1/sites/{w.a.slug}/status/": [
            *AUTH,
            "the site, if the user may read its status, with current engagement and last visit",
            "the engagement with milestone counts, next milestone and primary liaison",
            "the primary liaison with its user",
            "open TTA requests grouped by core area and status",
            "the core areas that name them",
        ],
    }


def test_details_run_a_fixed_number_of_queries(world):
    client = client_for(world.coordinator)
    client.get("/api/v1/sites/")
    expectations = detail_expectations(world)
    few = {url: queries(client, url) for url in expectations}
    # More rows hanging off the same objects.
    for _ in range(5):
        factories.MilestoneFactory(engagement=world.eng_a)
        factories.ActionItemFactory(visit=world.v_a)
        factories.TTATransitionFactory(request=world.r_a)
        factories.TTARequestFactory(site=world.a, core_area=world.area)
        factories.SiteVisitFactory(engagement=world.eng_a, liaison=world.l1)
    world.v_a.core_areas.add(world.area)
    for url, expected in expectations.items():
        many = queries(client, url)
        assert len(few[url]) == len(many) == len(expected), (url, "\n".join(many))
