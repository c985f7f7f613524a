"""The portfolio dashboard: its selector on hand-built cases, who may see it, its filters and
its fixed number of queries."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaisons.choices import AssignmentRole, VisitStatus
from psp.accounts.roles import Role
from psp.portfolio.filtersets import PortfolioFilterSet
from psp.portfolio.selectors import dashboard_portfolio, site_status_queryset
from psp.portfolio.services import site_status_rows_refresh
from sites.choices import EngagementStatus, Phase
from sites.models import CoreArea
from tests import factories
from tta.choices import RequestStatus
from tta.models import TTARequest
from tta.services import open_request_tallies_rebuild

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 15)
NOON = datetime.datetime(2026, 3, 15, 17, tzinfo=datetime.UTC)


def tta_request(site, *, area="crime-analysis", status=RequestStatus.SUBMITTED, days_ago=0):
    request = factories.TTARequestFactory(
        site=site,
        core_area=CoreArea.objects.get(code=area),
        status=status,
        provider=factories.TTAProviderFactory() if status == RequestStatus.IN_PROGRESS else None,
    )
    created = datetime.datetime.combine(
        TODAY - datetime.timedelta(days=days_ago), datetime.time(16), tzinfo=datetime.UTC
    )
    TTARequest.objects.filter(pk=request.pk).update(created_at=created)
    open_request_tallies_rebuild()  # a data load around the services, as seed_demo does
    return request


def current_sites(user):
    sites = site_status_queryset(user=user)
    site_status_rows_refresh(sites, today=TODAY)  # as the view does
    return sites


def dashboard_for(user, **params):
    filterset = PortfolioFilterSet(params, queryset=current_sites(user))
    assert filterset.is_valid(), filterset.errors
    return dashboard_portfolio(sites=filterset.qs, today=TODAY, core_area=params.get("core_area"))


@pytest.fixture
def portfolio(coordinator):
    """Three sites: a healthy Operations site in Texas, a neglected Operations site in Ohio and
    a Diagnostic site in Ohio that has only been planned."""
    ana = factories.LiaisonFactory(user__first_name="Ana", user__last_name="Ruiz")
    healthy = factories.EngagementFactory(
        site__name="Austin", site__state="TX", site__cohort_year=2023, start_date=D(2025, 1, 15)
    )
    factories.AssignmentFactory(engagement=healthy, liaison=ana)
    factories.SiteVisitFactory(engagement=healthy, liaison=ana, start_date=D(2026, 3, 1))
    factories.SiteVisitFactory(
        engagement=healthy,
        liaison=ana,
        start_date=D(2026, 3, 10),
        status=VisitStatus.DRAFT,
    )
    factories.MilestoneFactory(engagement=healthy, title="Summit", due_date=D(2026, 4, 1))
    factories.MilestoneFactory(engagement=healthy, title="Far off", due_date=D(2026, 9, 1))
    tta_request(healthy.site, status=RequestStatus.IN_PROGRESS, days_ago=40)

    neglected = factories.EngagementFactory(
        site__name="Dayton", site__state="OH", site__cohort_year=2024, start_date=D(2025, 1, 15)
    )
    factories.SiteVisitFactory(engagement=neglected, liaison=ana, start_date=D(2025, 12, 1))
    for due in (D(2025, 10, 1), D(2026, 1, 5)):
        factories.MilestoneFactory(engagement=neglected, title="Plan adopted", due_date=due)
    factories.MilestoneFactory(
        engagement=neglected, due_date=D(2025, 9, 1), completed_on=D(2025, 9, 1)
    )
    tta_request(neglected.site, area="technology", days_ago=20)
    tta_request(neglected.site, area="technology", status=RequestStatus.APPROVED, days_ago=120)
    tta_request(neglected.site, area="technology", status=RequestStatus.CLOSED, days_ago=200)

    planned = factories.EngagementFactory(
        site__name="Toledo",
        site__state="OH",
        site__cohort_year=2024,
        phase=Phase.DIAGNOSTIC,
        status=EngagementStatus.PLANNED,
        start_date=D(2026, 5, 1),
        planned_end=D(2027, 11, 1),
    )
    factories.AssignmentFactory(
        engagement=planned, liaison=ana, role=AssignmentRole.BACKUP, start_date=D(2026, 3, 1)
    )
    return {"healthy": healthy, "neglected": neglected, "planned": planned, "ana": ana}


def test_the_dashboard_counts_sites_by_phase_status_and_cohort(coordinator, portfolio):
    dashboard = dashboard_for(coordinator)

    assert dashboard.sites_total == 3
    assert [(r.phase, r.status, r.count) for r in dashboard.by_phase_status] == [
        ("diagnostic", "planned", 1),
        ("operations", "active", 2),
    ]
    assert [(r.label, r.count) for r in dashboard.by_cohort] == [("2023", 1), ("2024", 2)]


def test_the_at_risk_list_gives_its_reasons_in_words(coordinator, portfolio):
    dashboard = dashboard_for(coordinator)

    assert [s.site.name for s in dashboard.at_risk] == ["Dayton"]
    assert dashboard.at_risk[0].risk_reasons == [
        "no primary liaison assigned",
        "no visit in 104 days",
        "2 milestones overdue",
        "TTA request waiting 20 days for triage",
    ]


def test_milestones_list_the_overdue_and_those_due_in_30_days(coordinator, portfolio):
    dashboard = dashboard_for(coordinator)

    assert (dashboard.milestones_overdue, dashboard.milestones_due_soon) == (2, 1)
    assert [(m.engagement.site.name, m.due_date) for m in dashboard.milestones] == [
        ("Dayton", D(2025, 10, 1)),
        ("Dayton", D(2026, 1, 5)),
        ("Austin", D(2026, 4, 1)),
    ]


def test_the_tta_pipeline_counts_open_requests_by_area_status_and_age(coordinator, portfolio):
    dashboard = dashboard_for(coordinator)

    rows = {row.core_area_code: row for row in dashboard.pipeline}
    assert sorted(rows) == ["crime-analysis", "technology"]
    assert rows["technology"].by_status == {"submitted": 1, "approved": 1}
    # 20 days old, 120 days old; the closed request is not in the pipeline.
    assert rows["technology"].by_age == [1, 0, 1]
    assert rows["technology"].oldest_days == 120
    assert rows["crime-analysis"].by_age == [0, 1, 0]
    assert dashboard.pipeline_total == 3


def test_visit_cadence_lists_active_sites_without_a_visit_in_the_set_days(
    coordinator, portfolio, settings
):
    assert [s.site.name for s in dashboard_for(coordinator).no_recent_visit] == ["Dayton"]

    settings.PSP_VISIT_CADENCE_DAYS = 10
    names = [s.site.name for s in dashboard_for(coordinator).no_recent_visit]
    assert names == ["Dayton", "Austin"]  # the longest without a visit first


def test_liaison_workload_counts_current_assignments_and_visits(coordinator, portfolio):
    (row,) = dashboard_for(coordinator).workload

    assert row.liaison == portfolio["ana"]
    # Primary at Austin, backup at Toledo; two submitted visits in 90 days is only Austin's
    # (Dayton's was 104 days ago); the draft of 10 March is still to write up.
    assert (row.primary_sites, row.backup_sites, row.recent_visits, row.visits_to_write_up) == (
        1,
        1,
        1,
        1,
    )


def test_a_filter_applies_to_every_widget(coordinator, portfolio):
    dashboard = dashboard_for(coordinator, state="tx")

    assert dashboard.sites_total == 1
    assert dashboard.at_risk == []
    assert [m.title for m in dashboard.milestones] == ["Summit"]
    assert [row.core_area_code for row in dashboard.pipeline] == ["crime-analysis"]
    assert dashboard.no_recent_visit == []
    assert [(r.primary_sites, r.backup_sites) for r in dashboard.workload] == [(1, 0)]


@pytest.mark.parametrize(
    ("params", "sites"),
    [
        ({"phase": "diagnostic"}, ["Toledo"]),
        ({"status": "active"}, ["Austin", "Dayton"]),
        ({"cohort": "2024"}, ["Dayton", "Toledo"]),
        ({"core_area": "technology"}, ["Dayton"]),
    ],
)
def test_each_filter_narrows_the_sites(coordinator, portfolio, params, sites):
    filterset = PortfolioFilterSet(params, queryset=current_sites(coordinator))
    assert sorted(site.name for site in filterset.qs) == sites


def test_the_liaison_filter_keeps_the_sites_a_liaison_works_on(coordinator, portfolio):
    other = factories.AssignmentFactory(engagement=portfolio["neglected"])
    dashboard = dashboard_for(coordinator, liaison=str(other.liaison.pk))

    assert dashboard.sites_total == 1
    assert [s.site.name for s in dashboard.at_risk] == ["Dayton"]
    assert "no primary liaison assigned" not in dashboard.at_risk[0].risk_reasons
    assert [row.liaison for row in dashboard.workload] == [other.liaison]


def test_the_core_area_filter_narrows_the_pipeline_to_that_area(coordinator, portfolio):
    factories.TTARequestFactory(site=portfolio["neglected"].site)  # crime analysis, Dayton

    dashboard = dashboard_for(coordinator, core_area="technology")

    assert [row.core_area_code for row in dashboard.pipeline] == ["technology"]


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LIAISON, Role.SITE_CONTACT, Role.TTA_PROVIDER])
def test_only_coordinators_may_open_the_dashboard(client, role):
    client.force_login(factories.UserFactory(roles=[role]))
    assert client.get(reverse("portfolio:dashboard")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse("portfolio:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@time_machine.travel(NOON, tick=False)
def test_a_coordinator_sees_every_widget(client, coordinator, portfolio):
    client.force_login(coordinator)

    response = client.get(reverse("portfolio:dashboard"))

    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "Sites at risk",
        "No primary liaison assigned; no visit in 104 days",
        "Sites by phase and status",
        "Milestones overdue and due in the next 30 days",
        "TTA pipeline",
        "Visit cadence",
        "Liaison workload",
        'id="chart-pipeline"',
    ]:
        assert text in page


@time_machine.travel(NOON, tick=False)
def test_the_download_links_keep_the_current_filters(client, coordinator, portfolio):
    client.force_login(coordinator)

    page = client.get(reverse("portfolio:dashboard"), {"state": "OH", "cohort": "2024"})

    assert reverse("portfolio:export", args=["sites", "csv"]) + "?state=OH&amp;cohort=2024" in (
        page.content.decode()
    )


def test_an_invalid_filter_shows_its_error_and_counts_nothing(client, coordinator, portfolio):
    client.force_login(coordinator)

    response = client.get(reverse("portfolio:dashboard"), {"cohort": "soon"})

    assert response.status_code == 200
    assert response.context["dashboard"].sites_total == 0
    assert "Enter a whole number" in response.content.decode()


@time_machine.travel(NOON, tick=False)
def test_the_dashboard_runs_a_fixed_number_of_queries(client, coordinator):
    client.force_login(coordinator)
    liaison = factories.LiaisonFactory()

    def grow(n):
        for _ in range(n):
            engagement = factories.EngagementFactory()
            factories.AssignmentFactory(engagement=engagement, liaison=liaison)
            factories.AssignmentFactory(engagement=engagement, role=AssignmentRole.BACKUP)
            factories.SiteVisitFactory(engagement=engagement, start_date=D(2026, 3, 1))
            factories.MilestoneFactory(engagement=engagement, due_date=D(2026, 3, 1))
            tta_request(engagement.site, days_ago=30)
            tta_request(engagement.site, area="technology", status=RequestStatus.APPROVED)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("portfolio:dashboard"), {"phase": "operations"})
        assert response.status_code == 200
        return len(captured), response.context["dashboard"].sites_total

    grow(2)
    stale, sites = queries()  # the first view stores the sites' status rows
    few, sites = queries()
    assert sites == 2
    grow(10)
    rebuilt, sites = queries()
    many, sites = queries()
    assert sites == 12
    # session, user, roles, two-factor devices; stale status rows (none); sites by phase and
    # status, by cohort; milestone counts; at-risk sites and their count; sites without a
    # recent visit and their count; milestone rows; TTA pipeline (counts, core areas); liaison
    # workload (assignments, then visits and liaisons of the listed rows); unread notifications
    # in the header; the liaison and core-area choices of the filter form
    assert many == few == 21
    # Rebuilding stale rows costs, per 500 sites, the status's five queries, the milestone
    # counts and one upsert.
    assert rebuilt == stale == few + 7


def test_every_site_unfiltered_counts_the_same_as_every_site_named(coordinator, portfolio):
    # Unfiltered, the widgets skip narrowing their rows to the sites (every site is in).
    everything = current_sites(coordinator)
    assert not everything.query.has_filters()
    named = everything.filter(pk__in=list(everything.values_list("pk", flat=True)))

    unfiltered = dashboard_portfolio(sites=everything, today=TODAY)
    narrowed = dashboard_portfolio(sites=named, today=TODAY)

    assert unfiltered == narrowed
    assert unfiltered.at_risk_total == 1
    assert unfiltered.pipeline_total == 3
    assert dashboard_portfolio(sites=everything.none(), today=TODAY).pipeline_total == 0
