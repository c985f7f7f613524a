"""Stored site status rows (the dashboard's): always what `site_status_list` says for today,
rebuilt when their site's rows change, when the day moves and when the rules change."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaisons.choices import VisitStatus
from psp.domain import site_status_touch
from psp.portfolio import selectors, services
from psp.portfolio.models import SiteStatusRow
from psp.portfolio.selectors import site_status_list
from psp.portfolio.services import site_status_rows_refresh
from psp.portfolio.tasks import refresh_site_status
from sites.choices import EngagementStatus, Phase
from sites.models import Milestone, Site
from sites.services import milestone_complete
from tests import factories
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 16)  # a Monday


def stored(site) -> tuple:
    row = SiteStatusRow.objects.get(site=site)
    return (
        row.as_of,
        row.engagement_id,
        row.phase,
        row.engagement_status,
        row.current_liaison_id,
        row.last_visit_date,
        (row.milestones_overdue, row.milestones_due_soon),
        row.risk_score,
        row.risk_reasons,
    )


def computed(site, *, today=TODAY) -> tuple:
    (status,) = site_status_list(Site.objects.filter(pk=site.pk), today=today)
    engagement = status.engagement
    # The dashboard's milestone counts: open milestones of every open engagement of the site.
    open_milestones = Milestone.objects.filter(
        engagement__site=site,
        engagement__status__in=[EngagementStatus.PLANNED, EngagementStatus.ACTIVE],
        completed_on__isnull=True,
    )
    return (
        today,
        engagement.pk if engagement else None,
        engagement.phase if engagement else "",
        engagement.status if engagement else "",
        status.current_liaison.pk if status.current_liaison else None,
        status.last_visit_date,
        (
            open_milestones.filter(due_date__lt=today).count(),
            open_milestones.filter(
                due_date__gte=today, due_date__lte=today + datetime.timedelta(days=30)
            ).count(),
        ),
        status.risk_score,
        status.risk_reasons,
    )


@pytest.fixture
def sites():
    """A varied portfolio: healthy, neglected (at risk for several reasons), only planned, no
    engagement at all, and one whose primary liaison has handed over."""
    healthy = factories.EngagementFactory(start_date=D(2025, 1, 15))
    factories.AssignmentFactory(engagement=healthy)
    factories.SiteVisitFactory(engagement=healthy, start_date=D(2026, 3, 1))

    neglected = factories.EngagementFactory(start_date=D(2025, 1, 15))
    factories.SiteVisitFactory(engagement=neglected, start_date=D(2025, 12, 1))
    factories.MilestoneFactory(engagement=neglected, due_date=D(2026, 1, 5))
    factories.TTARequestFactory(site=neglected.site, status=RequestStatus.SUBMITTED)

    planned = factories.EngagementFactory(
        phase=Phase.DIAGNOSTIC,
        status=EngagementStatus.PLANNED,
        start_date=D(2026, 5, 1),
        planned_end=D(2027, 11, 1),
    )
    handed_over = factories.EngagementFactory(start_date=D(2025, 6, 1))
    factories.AssignmentFactory(
        engagement=handed_over, start_date=D(2025, 6, 1), end_date=D(2026, 1, 31)
    )
    return [healthy.site, neglected.site, planned.site, factories.SiteFactory(), handed_over.site]


def test_every_stored_row_is_what_the_status_says_today(sites):
    assert site_status_rows_refresh(Site.objects.all(), today=TODAY) == len(sites)

    for site in sites:
        assert stored(site) == computed(site), site.name
    assert SiteStatusRow.objects.get(site=sites[1]).risk_score >= 3  # the check can fail


def test_current_rows_are_not_rebuilt_and_checking_them_is_one_query(sites):
    site_status_rows_refresh(Site.objects.all(), today=TODAY)

    with CaptureQueriesContext(connection) as captured:
        assert site_status_rows_refresh(Site.objects.all(), today=TODAY) == 0
    assert len(captured) == 1


def test_a_write_through_a_service_makes_only_that_sites_row_stale(sites, coordinator):
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    neglected = sites[1]
    milestone = neglected.engagements.get().milestones.get()

    milestone_complete(milestone=milestone, completed_on=D(2026, 3, 10), actor=coordinator)

    assert site_status_rows_refresh(Site.objects.all(), today=TODAY) == 1
    assert stored(neglected) == computed(neglected)
    assert "1 milestone overdue" not in stored(neglected)[-1]


def test_rows_are_rebuilt_for_a_new_day_because_day_counts_move(sites):
    healthy = sites[0]  # last visit 1 March: 15 days ago today, 46 days ago on 16 April
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    later = D(2026, 4, 16)

    assert site_status_rows_refresh(Site.objects.all(), today=later) == len(sites)
    assert stored(healthy) == computed(healthy, today=later)
    assert "no visit in 46 days" in stored(healthy)[-1]


def test_rows_are_rebuilt_when_the_at_risk_rules_change(sites, settings):
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    settings.PSP_AT_RISK = {**settings.PSP_AT_RISK, "overdue_milestone_points": 2}

    assert site_status_rows_refresh(Site.objects.all(), today=TODAY) == len(sites)
    assert stored(sites[1]) == computed(sites[1])


def test_a_new_rules_format_in_code_makes_every_row_stale(sites, monkeypatch):
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    monkeypatch.setattr(selectors, "STATUS_ROWS_FORMAT", selectors.STATUS_ROWS_FORMAT + 1)

    assert site_status_rows_refresh(Site.objects.all(), today=TODAY) == len(sites)


def test_deleting_what_a_row_names_deletes_the_row_and_it_is_rebuilt(sites):
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    healthy = sites[0]
    liaison = SiteStatusRow.objects.get(site=healthy).current_liaison
    liaison.assignments.all().delete()  # in the admin, which does not go through the services
    liaison.delete()

    assert not SiteStatusRow.objects.filter(site=healthy).exists()
    assert site_status_rows_refresh(Site.objects.all(), today=TODAY) == 1
    assert stored(healthy) == computed(healthy)
    assert stored(healthy)[4] is None


def test_rows_are_rebuilt_in_chunks_of_a_fixed_number_of_queries(sites, monkeypatch):
    monkeypatch.setattr(services, "STATUS_ROWS_CHUNK", 2)

    with CaptureQueriesContext(connection) as captured:
        site_status_rows_refresh(Site.objects.all(), today=TODAY)

    # The stale ids, then per chunk of two: the status's five queries at most (no liaison
    # query when no engagement has one), the milestone counts and one upsert.
    chunks = -(-len(sites) // 2)
    upserts = [q for q in captured if "ON CONFLICT" in q["sql"]]
    assert len(upserts) == chunks
    assert len([q for q in captured if "SAVEPOINT" not in q["sql"]]) <= 1 + 7 * chunks
    for site in sites:
        assert stored(site) == computed(site)


def test_the_nightly_job_rebuilds_every_row_for_the_new_day(sites, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 17, 5, 5, tzinfo=datetime.UTC), tick=False)
    site_status_rows_refresh(Site.objects.all(), today=TODAY)

    assert refresh_site_status() == len(sites)
    assert set(SiteStatusRow.objects.values_list("as_of", flat=True)) == {D(2026, 3, 17)}
    assert refresh_site_status() == 0


def test_a_submitted_visit_counts_and_a_draft_does_not(sites, coordinator):
    neglected = sites[1]
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    visit = factories.SiteVisitFactory(
        site=neglected, start_date=D(2026, 3, 12), status=VisitStatus.DRAFT
    )
    site_status_touch(site_ids=[neglected.pk])  # what the services do in the same transaction
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    assert stored(neglected)[5] == D(2025, 12, 1)

    visit.status = VisitStatus.SUBMITTED
    visit.save()
    site_status_touch(site_ids=[neglected.pk])
    site_status_rows_refresh(Site.objects.all(), today=TODAY)
    assert stored(neglected)[5] == D(2026, 3, 12)
    assert stored(neglected) == computed(neglected)
