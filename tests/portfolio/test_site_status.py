"""`site_status_list`: where each site stands, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaisons.choices import AssignmentRole, VisitStatus
from psp.portfolio.selectors import site_status_get, site_status_list
from sites.choices import EngagementStatus, Phase
from sites.models import CoreArea, Site
from tests import factories
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 15)


def request_at(site, *, area="crime-analysis", status=RequestStatus.SUBMITTED, days_ago=0):
    request = factories.TTARequestFactory(
        site=site,
        core_area=CoreArea.objects.get(code=area),
        status=status,
        provider=factories.TTAProviderFactory() if status == RequestStatus.IN_PROGRESS else None,
    )
    created = datetime.datetime.combine(
        TODAY - datetime.timedelta(days=days_ago), datetime.time(12), tzinfo=datetime.UTC
    )
    type(request).objects.filter(pk=request.pk).update(created_at=created)
    return request


@pytest.fixture
def operations_site():
    engagement = factories.EngagementFactory(
        start_date=D(2025, 1, 15), planned_end=D(2028, 1, 15), phase=Phase.OPERATIONS
    )
    return engagement


def test_a_healthy_site_reports_its_phase_progress_and_no_risk(operations_site):
    engagement = operations_site
    site = engagement.site
    liaison = factories.LiaisonFactory(user__first_name="Ana", user__last_name="Ruiz")
    factories.AssignmentFactory(engagement=engagement, liaison=liaison)
    factories.MilestoneFactory(
        engagement=engagement, due_date=D(2025, 3, 1), completed_on=D(2025, 3, 1)
    )
    factories.MilestoneFactory(engagement=engagement, title="Summit", due_date=D(2026, 6, 1))
    factories.SiteVisitFactory(engagement=engagement, liaison=liaison, start_date=D(2026, 3, 1))
    # A planned visit in the future and a draft do not count as the last visit.
    factories.SiteVisitFactory(
        engagement=engagement,
        liaison=liaison,
        start_date=D(2026, 3, 20),
        status=VisitStatus.PLANNED,
        summary="",
    )
    request_at(site, status=RequestStatus.IN_PROGRESS)

    status = site_status_get(site=site, today=TODAY)

    assert status.engagement == engagement
    assert status.percent_elapsed == 39  # 424 of 1095 days
    assert status.current_liaison == liaison
    assert (status.milestones_done, status.milestones_open, status.milestones_overdue) == (1, 1, 0)
    assert (status.next_milestone.title, status.next_milestone.due_date) == (
        "Summit",
        D(2026, 6, 1),
    )
    assert status.last_visit_date == D(2026, 3, 1)
    assert status.days_since_last_visit == 14
    assert [(r.core_area_code, r.status, r.count) for r in status.open_requests] == [
        ("crime-analysis", "in_progress", 1)
    ]
    assert (status.risk_score, status.risk_reasons, status.at_risk) == (0, [], False)


def test_a_neglected_site_is_at_risk_with_its_reasons_in_words(operations_site, settings):
    engagement = operations_site
    site = engagement.site
    liaison = factories.LiaisonFactory()
    factories.AssignmentFactory(
        engagement=engagement, liaison=liaison, role=AssignmentRole.PRIMARY, end_date=D(2026, 1, 1)
    )
    factories.SiteVisitFactory(engagement=engagement, liaison=liaison, start_date=D(2026, 1, 22))
    factories.MilestoneFactory(engagement=engagement, due_date=D(2026, 2, 1))
    factories.MilestoneFactory(engagement=engagement, due_date=D(2026, 3, 1))
    request_at(site, days_ago=18)
    request_at(site, days_ago=3)

    status = site_status_get(site=site, today=TODAY)

    assert status.risk_reasons == [
        "no primary liaison assigned",
        "no visit in 52 days",
        "2 milestones overdue",
        "TTA request waiting 18 days for triage",
    ]
    assert status.risk_score == 2 + 2 + 2 + 1
    assert status.at_risk
    settings.PSP_AT_RISK = {**settings.PSP_AT_RISK, "threshold": 8}
    assert not site_status_get(site=site, today=TODAY).at_risk


@pytest.mark.parametrize(
    ("days_ago", "status", "waiting"),
    [
        # TODAY is Sunday 15 March 2026; the target is 10 business days.
        (16, RequestStatus.SUBMITTED, False),  # Friday 27 February: exactly 10 business days
        (17, RequestStatus.SUBMITTED, True),  # Thursday 26 February: 11
        (17, RequestStatus.UNDER_REVIEW, True),  # under review is still triage
        (17, RequestStatus.APPROVED, False),  # triaged
    ],
)
def test_waiting_for_triage_follows_the_tta_queues_business_day_target(
    operations_site, days_ago, status, waiting
):
    request_at(operations_site.site, status=status, days_ago=days_ago)

    reasons = site_status_get(site=operations_site.site, today=TODAY).risk_reasons

    assert (f"TTA request waiting {days_ago} days for triage" in reasons) is waiting


def test_a_federal_holiday_does_not_count_toward_the_triage_target(operations_site, settings):
    # 16 February 2026 is Washington's Birthday: from 5 February to 20 February is 10
    # business days with it, 11 without.
    settings.PSP_TTA_TRIAGE_TARGET_BUSINESS_DAYS = 10
    request_at(operations_site.site, days_ago=(TODAY - D(2026, 2, 5)).days)

    on_the_20th = site_status_get(site=operations_site.site, today=D(2026, 2, 20))
    on_the_23rd = site_status_get(site=operations_site.site, today=D(2026, 2, 23))

    assert not any("triage" in reason for reason in on_the_20th.risk_reasons)
    assert "TTA request waiting 18 days for triage" in on_the_23rd.risk_reasons


def test_a_site_never_visited_counts_from_the_engagement_start(operations_site):
    status = site_status_get(site=operations_site.site, today=TODAY)
    assert status.last_visit_date is None
    assert "no visit since the engagement started 424 days ago" in status.risk_reasons


def test_a_finished_site_is_never_at_risk_and_shows_its_last_engagement():
    engagement = factories.EngagementFactory(
        status=EngagementStatus.COMPLETED,
        start_date=D(2020, 1, 1),
        planned_end=D(2023, 1, 1),
        actual_end=D(2022, 12, 1),
    )
    factories.MilestoneFactory(engagement=engagement, due_date=D(2021, 1, 1))
    status = site_status_get(site=engagement.site, today=TODAY)
    assert status.engagement == engagement
    assert status.percent_elapsed == 100
    assert status.milestones_overdue == 1
    assert (status.risk_score, status.risk_reasons) == (0, [])


def test_the_open_engagement_is_current_even_when_a_later_one_is_closed():
    site = factories.SiteFactory()
    open_one = factories.EngagementFactory(site=site, start_date=D(2025, 1, 1))
    factories.EngagementFactory(
        site=site,
        status=EngagementStatus.WITHDRAWN,
        start_date=D(2025, 6, 1),
        planned_end=D(2026, 12, 1),
        actual_end=D(2025, 7, 1),
    )
    assert site_status_get(site=site, today=TODAY).engagement == open_one


def test_a_site_without_engagement_has_an_empty_status():
    status = site_status_get(site=factories.SiteFactory(), today=TODAY)
    assert status.engagement is None
    assert status.percent_elapsed is None
    assert status.risk_score == 0


def test_statuses_of_many_sites_take_five_queries():
    def build(n):
        for _ in range(n):
            engagement = factories.EngagementFactory()
            factories.AssignmentFactory(engagement=engagement)
            factories.MilestoneFactory.create_batch(2, engagement=engagement)
            factories.SiteVisitFactory(engagement=engagement)
            request_at(engagement.site)

    build(2)
    with CaptureQueriesContext(connection) as few:
        assert len(site_status_list(Site.objects.order_by("pk"), today=TODAY)) == 2
    build(10)
    with CaptureQueriesContext(connection) as many:
        statuses = site_status_list(Site.objects.order_by("pk"), today=TODAY)
    assert len(statuses) == 12
    assert all(s.current_liaison is not None for s in statuses)
    # sites (+ current engagement, last visit); engagements (+ milestone counts, next due,
    # primary liaison); liaisons with users; open TTA requests grouped by site/area/status;
    # the core areas that name them
    assert len(few) == len(many) == 5


def test_the_fast_serializer_writes_what_the_declared_fields_do(operations_site):
    from psp.portfolio.api.serializers import FastSiteStatusSerializer, SiteStatusSerializer

    engagement = operations_site
    liaison = factories.LiaisonFactory(user__first_name="Ana", user__last_name="Ruiz")
    factories.AssignmentFactory(engagement=engagement, liaison=liaison)
    factories.MilestoneFactory(engagement=engagement, title="Summit", due_date=D(2026, 6, 1))
    factories.MilestoneFactory(engagement=engagement, due_date=D(2026, 2, 1))
    factories.SiteVisitFactory(engagement=engagement, liaison=liaison, start_date=D(2026, 1, 2))
    request_at(engagement.site, days_ago=30)
    request_at(engagement.site, area="gun-violence", status=RequestStatus.IN_PROGRESS)
    finished = factories.EngagementFactory(
        status=EngagementStatus.COMPLETED, start_date=D(2020, 1, 1), actual_end=D(2023, 1, 1)
    )
    bare = Site.objects.create(slug="bare", name="Bare", state="OH", cohort_year=2024)
    statuses = site_status_list(
        Site.objects.filter(pk__in=[engagement.site_id, finished.site_id, bare.pk]).order_by("pk"),
        today=TODAY,
    )
    assert statuses[0].risk_reasons  # at risk, with a liaison and a next milestone
    assert FastSiteStatusSerializer(statuses, many=True).data == (
        SiteStatusSerializer(statuses, many=True).data
    )
