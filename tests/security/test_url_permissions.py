"""Every URL the project defines, for anonymous users and each role (issue: security).

URLs are discovered from the resolver, so a new page or endpoint cannot be forgotten: one
without an entry in EXPECTED fails `test_every_url_has_an_expected_row`, and one that answers
an anonymous visitor without being on the PUBLIC list fails
`test_anonymous_visitors_get_nothing_but_public_pages` — shown with a temporary unprotected view
in `test_an_unprotected_view_is_caught`.

Each EXPECTED row is the GET status for: anonymous, coordinator, liaison (assigned to site A),
another liaison (site B), site contact (site A), TTA provider staff (request at site B), and an
integration client. The objects in the URLs all belong to site A (or to the liaison), except
where the row says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse

from liaisons.choices import VisitStatus
from psp.accounts.roles import Role
from psp.portfolio.calendar import calendar_feed_create
from psp.portfolio.services import quarterly_report_create, quarterly_report_publish
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "coordinator",
    "liaison",
    "other_liaison",
    "site_contact",
    "provider",
    "integration",
]

# Library routes that are not pages of ours.
SKIPPED_PREFIXES = ("admin/", "static/")


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    kwargs: tuple[str, ...]


def discover(resolver=None, prefix: str = "", namespace: str = "") -> list[Route]:
    resolver = resolver or get_resolver()
    routes: list[Route] = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            routes += discover(pattern, route, inner)
        elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            routes.append(Route(route, name, tuple(pattern.pattern.regex.groupindex)))
    return routes


@pytest.fixture
def world(db):
    """Two sites. A: the liaison's current site, with the site contact. B: the other liaison's
    site, where the provider works a request."""
    w = {}
    w["coordinator"] = factories.UserFactory(username="w-coordinator", roles=[Role.COORDINATOR])
    w["integration"] = factories.UserFactory(username="w-integration", roles=[Role.INTEGRATION])
    liaison = factories.LiaisonFactory(user__username="w-liaison")
    other = factories.LiaisonFactory(user__username="w-other-liaison")
    w["liaison"], w["other_liaison"] = liaison.user, other.user
    w["assignment"] = factories.AssignmentFactory(liaison=liaison)
    engagement = w["assignment"].engagement
    w["site"] = engagement.site
    w["engagement"] = engagement
    site_b = factories.AssignmentFactory(liaison=other).engagement
    w["site_contact"] = factories.UserFactory(username="w-contact", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=w["site"], user=w["site_contact"])
    w["milestone"] = factories.MilestoneFactory(engagement=engagement)
    w["draft"] = factories.SiteVisitFactory(
        engagement=engagement, liaison=liaison, status=VisitStatus.DRAFT, summary=""
    )
    w["visit"] = factories.SiteVisitFactory(engagement=engagement, liaison=liaison)
    w["action_item"] = factories.ActionItemFactory(visit=w["draft"], owner=liaison.user)
    w["request"] = factories.TTARequestFactory(site=w["site"], requested_by=w["site_contact"])
    w["provider_user"] = factories.UserFactory(username="w-provider", roles=[Role.TTA_PROVIDER])
    w["provider"] = factories.TTAProviderFactory()
    w["provider"].staff.add(w["provider_user"])
    w["delivery"] = factories.TTADeliveryFactory(
        request__site=site_b.site, request__provider=w["provider"]
    )
    w["core_area"] = w["request"].core_area
    w["notification"] = factories.NotificationFactory(
        recipient=liaison.user, subject_object=w["milestone"]
    )
    w["token"] = factories.ApiTokenFactory(user=liaison.user)
    w["calendar_token"] = calendar_feed_create(user=liaison.user)
    w["summit"] = factories.TrainingSummitFactory()
    w["report"] = quarterly_report_publish(
        report=quarterly_report_create(year=2026, quarter=1, actor=w["coordinator"]),
        actor=w["coordinator"],
    )
    return w


def url_kwargs(route: Route, w: dict) -> dict:
    """Concrete arguments for a route: the object named in its row of KWARGS, else by kind."""
    by_name = KWARGS.get(route.name, {})
    values = {}
    for kwarg in route.kwargs:
        if kwarg in by_name:
            values[kwarg] = by_name[kwarg](w)
        elif kwarg in DEFAULT_KWARGS:
            values[kwarg] = DEFAULT_KWARGS[kwarg](w)
        else:
            raise LookupError(f"Add the argument {kwarg!r} of {route.route} to KWARGS")
    return values


DEFAULT_KWARGS = {
    "slug": lambda w: w["site"].slug,
    "format": lambda w: "json",
    "code": lambda w: w["core_area"].code,
    "year": lambda w: w["summit"].year,
}

KWARGS = {
    "sites:milestone-complete": {"pk": lambda w: w["milestone"].pk},
    "liaisons:visit-detail": {"pk": lambda w: w["draft"].pk},
    "liaisons:visit-edit": {"pk": lambda w: w["draft"].pk},
    "liaisons:visit-return": {"pk": lambda w: w["visit"].pk},
    "liaisons:action-item-done": {"pk": lambda w: w["action_item"].pk},
    "portfolio:export": {"dataset": lambda w: "visits", "fmt": lambda w: "csv"},
    "portfolio:calendar-feed": {"token": lambda w: w["calendar_token"]},
    "portfolio:report": {"pk": lambda w: w["report"].pk},
    "portfolio:report-update": {"pk": lambda w: w["report"].pk},
    "portfolio:report-publish": {"pk": lambda w: w["report"].pk},
    "portfolio:report-pdf": {"pk": lambda w: w["report"].pk},
    "notifications:open": {"pk": lambda w: w["notification"].pk},
    "accounts:token-revoke": {"pk": lambda w: w["token"].pk},
    "engagement-detail": {"pk": lambda w: w["engagement"].pk},
    "milestone-detail": {"pk": lambda w: w["milestone"].pk},
    "milestone-complete": {"pk": lambda w: w["milestone"].pk},
    "liaison-detail": {"pk": lambda w: w["liaison"].liaison.pk},
    "assignment-detail": {"pk": lambda w: w["assignment"].pk},
    "site-visit-detail": {"pk": lambda w: w["visit"].pk},
    "site-visit-submit": {"pk": lambda w: w["draft"].pk},
    "tta-request-detail": {"pk": lambda w: w["request"].pk},
    "tta-request-transitions": {"pk": lambda w: w["request"].pk},
    "tta-delivery-detail": {"pk": lambda w: w["delivery"].pk},
    "tta-provider-detail": {"slug": lambda w: w["provider"].slug},
    "tta:request-detail": {"pk": lambda w: w["request"].pk},
    "tta:request-submitted": {"pk": lambda w: w["request"].pk},
    "tta:request-act": {"pk": lambda w: w["request"].pk},
    "tta:delivery-create": {"pk": lambda w: w["delivery"].request.pk},
}


def client_for(role: str, w: dict) -> Client:
    client = Client()
    if role != "anonymous":
        user = w["provider_user"] if role == "provider" else w[role]
        client.force_login(user)
    return client


def named_routes() -> list[Route]:
    # The only unnamed route is the API's catch-all, which answers a JSON 404 for any path.
    return [route for route in discover() if route.name is not None]


def anonymous_problems() -> list[str]:
    """Every route not on the PUBLIC list must turn an anonymous visitor away: to the sign-in
    page, or 401/403/404/405. Arguments are placeholders: protection must come first."""
    client = Client()
    problems = []
    for route in named_routes():
        if route.name in PUBLIC:
            continue
        kwargs = {kwarg: PLACEHOLDERS.get(kwarg, "1") for kwarg in route.kwargs}
        response = client.get(reverse(route.name, kwargs=kwargs))
        redirected_to_sign_in = response.status_code == 302 and response["Location"].startswith(
            ("/accounts/login/", "/admin/login/")
        )
        if not (redirected_to_sign_in or response.status_code in {401, 403, 404, 405}):
            problems.append(f"{route.route} answers {response.status_code} to anonymous visitors")
    return problems


PLACEHOLDERS = {
    "slug": "placeholder",
    "format": "json",
    "fmt": "csv",
    "dataset": "sites",
    "year": "2026",
}

# Pages anyone may open: signing in, health checks, the API's own documentation (no data), and
# the calendar feed, whose secret token in the URL is the credential (checked below).
PUBLIC = {"login", "healthz", "api-schema", "api-docs", "portfolio:calendar-feed"}

# Columns: anonymous, coordinator, liaison, other liaison, site contact, provider, integration.
SIGNED_IN = (302, 200, 200, 200, 200, 200, 200)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405)
COORDINATORS_ONLY = (302, 200, 403, 403, 403, 403, 403)
API_LIST = (401, 200, 200, 200, 200, 200, 200)
API_SITE_A = (401, 200, 200, 404, 200, 404, 200)  # an object of site A
API_POST_ONLY = (401, 405, 405, 405, 405, 405, 405)
EXPECTED = {
    "home": SIGNED_IN,
    "healthz": (200, 200, 200, 200, 200, 200, 200),
    "login": (200, 302, 302, 302, 302, 302, 302),  # signed-in users go on to their home
    "logout": (405, 405, 405, 405, 405, 405, 405),  # POST only
    "accounts:security": SIGNED_IN,
    "accounts:sign-out-everywhere": POST_ONLY,
    "accounts:audit": (302, 200, 403, 403, 403, 403, 403),
    "accounts:2fa-setup": SIGNED_IN,
    "accounts:2fa-verify": SIGNED_IN,
    "accounts:tokens": SIGNED_IN,
    "accounts:token-revoke": (405, 405, 405, 405, 405, 405, 405),
    "sites:list": SIGNED_IN,
    "sites:detail": (302, 200, 200, 404, 200, 404, 200),
    "sites:history": (302, 200, 200, 404, 200, 404, 200),
    "sites:milestone-complete": POST_ONLY,
    "liaisons:visit-list": SIGNED_IN,
    "liaisons:visit-create": (302, 403, 200, 200, 403, 403, 403),  # liaisons log visits
    "liaisons:action-item-row": (302, 404, 200, 200, 404, 404, 404),
    "liaisons:visit-detail": (302, 200, 200, 404, 404, 404, 404),  # a draft: DOJ staff only
    "liaisons:visit-edit": (302, 404, 200, 404, 404, 404, 404),  # only its liaison edits it
    "liaisons:visit-return": POST_ONLY,
    "liaisons:action-item-done": POST_ONLY,
    "portfolio:export": SIGNED_IN,  # rows narrowed by visible_to (tests/portfolio)
    "portfolio:calendar": SIGNED_IN,
    "portfolio:dashboard": COORDINATORS_ONLY,
    "portfolio:reports": COORDINATORS_ONLY,
    "portfolio:report": COORDINATORS_ONLY,  # a published report
    "portfolio:report-update": POST_ONLY,
    "portfolio:report-publish": POST_ONLY,
    "portfolio:report-pdf": COORDINATORS_ONLY,
    "portfolio:calendar-create": POST_ONLY,
    "portfolio:calendar-revoke": POST_ONLY,
    "portfolio:calendar-feed": (200, 200, 200, 200, 200, 200, 200),  # the liaison's token
    "tta:request-list": SIGNED_IN,  # rows narrowed by visible_to (tests/tta/test_pages.py)
    "tta:request-create": (302, 403, 200, 200, 200, 403, 403),  # sites and their liaisons ask
    "tta:request-bulk": POST_ONLY,
    "tta:provider-requests": (302, 403, 403, 403, 403, 200, 403),
    "tta:request-detail": (302, 200, 200, 404, 200, 404, 200),
    "tta:request-submitted": (302, 200, 200, 404, 200, 404, 200),
    "tta:request-act": POST_ONLY,
    # A request at site B in progress with the provider: only its staff record deliveries.
    "tta:delivery-create": (302, 403, 404, 403, 404, 200, 403),
    "tta:summit-list": SIGNED_IN,  # the program's own summits: nothing site-private
    "tta:summit-create": (302, 200, 403, 403, 403, 403, 403),
    "tta:summit-detail": SIGNED_IN,
    "tta:summit-session-add": POST_ONLY,
    "tta:summit-attendance-record": POST_ONLY,
    "notifications:list": SIGNED_IN,
    "notifications:preferences": SIGNED_IN,
    "notifications:mark-all-read": POST_ONLY,
    "notifications:open": (302, 404, 302, 404, 404, 404, 404),  # the liaison's own notice
    "api-root": API_LIST,
    "api-schema": (200, 200, 200, 200, 200, 200, 200),
    "api-docs": (200, 200, 200, 200, 200, 200, 200),
    "site-status-list": API_LIST,
    "site-status-detail": API_SITE_A,
    "site-list": API_LIST,
    "site-detail": API_SITE_A,
    "engagement-list": API_LIST,
    "engagement-detail": API_SITE_A,
    "milestone-list": API_LIST,
    "milestone-detail": API_SITE_A,
    "milestone-complete": API_POST_ONLY,
    "core-area-list": API_LIST,
    "core-area-detail": API_LIST,
    "liaison-list": API_LIST,
    "liaison-detail": (401, 200, 200, 200, 200, 404, 200),  # providers see no liaisons
    "assignment-list": API_LIST,
    "assignment-detail": API_SITE_A,
    "site-visit-list": API_LIST,
    "site-visit-detail": API_SITE_A,  # a submitted visit
    "site-visit-submit": API_POST_ONLY,  # the liaison's draft
    "tta-request-list": API_LIST,
    "tta-request-detail": API_SITE_A,
    "tta-request-transitions": API_POST_ONLY,
    "tta-delivery-list": API_LIST,
    "tta-delivery-detail": (401, 200, 404, 200, 404, 200, 200),  # a delivery at site B
    "tta-provider-list": API_LIST,
    "tta-provider-detail": API_LIST,
}


def test_every_url_has_an_expected_row():
    missing = sorted({route.route for route in named_routes() if route.name not in EXPECTED})
    assert not missing, f"Add these routes to EXPECTED: {missing}"


def test_every_url_answers_each_role_as_expected(world):
    clients = {role: client_for(role, world) for role in ROLES}
    mismatches = []
    for route in named_routes():
        url = reverse(route.name, kwargs=url_kwargs(route, world))
        got = tuple(clients[role].get(url).status_code for role in ROLES)
        if got != EXPECTED.get(route.name):
            mismatches.append(f"{route.route}: expected {EXPECTED.get(route.name)}, got {got}")
    assert not mismatches, "\n".join(mismatches)


def test_anonymous_visitors_get_nothing_but_public_pages(db):
    assert anonymous_problems() == []


def test_a_wrong_calendar_token_is_404(client):
    assert client.get(reverse("portfolio:calendar-feed", args=["guessed"])).status_code == 404


def leaky_view(request):
    return HttpResponse("internal notes")


# A copy of the project's URLs plus a view someone forgot to protect.
urlpatterns = [*get_resolver("psp.urls").url_patterns, path("leaky/", leaky_view, name="leaky")]


def test_an_unprotected_view_is_caught(db):
    with override_settings(ROOT_URLCONF=__name__):
        assert anonymous_problems() == ["leaky/ answers 200 to anonymous visitors"]
        missing = [route.route for route in named_routes() if route.name not in EXPECTED]
        assert missing == ["leaky/"]
