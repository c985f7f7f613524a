import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sites import services
from sites.choices import EngagementStatus, Phase
from sites.models import Engagement, Milestone
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


def due_dates(engagement):
    return dict(engagement.milestones.values_list("key", "due_date"))


def test_starting_a_diagnostic_plans_18_months_and_its_milestones(today):
    site = factories.SiteFactory()
    engagement = services.engagement_start(
        site=site, phase=Phase.DIAGNOSTIC, start_date=D(2025, 4, 10), today=today
    )
    assert engagement.planned_end == D(2026, 10, 10)
    assert engagement.status == EngagementStatus.ACTIVE
    dates = due_dates(engagement)
    assert len(dates) == 8
    assert dates["kickoff"] == D(2025, 5, 10)
    assert dates["transition-decision"] == D(2026, 10, 10)


def test_a_phase_starting_on_31_january_keeps_month_end_dates(today):
    engagement = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 1, 31), today=today
    )
    dates = due_dates(engagement)
    assert engagement.planned_end == D(2028, 1, 31)
    # One month after 31 January is the last day of February, not 3 March.
    assert dates["kickoff"] == D(2025, 2, 28)
    assert dates["site-assessment"] == D(2025, 5, 31)
    assert dates["focus-areas"] == D(2025, 7, 31)
    # Yearly dates are counted from the start, so February in a leap year is the 29th
    # and the following years return to the 30th/31st instead of drifting.
    assert dates["training-summit-y1"] == D(2025, 11, 30)
    assert dates["progress-review-y1"] == D(2026, 1, 31)
    assert dates["progress-review-y2"] == D(2027, 1, 31)
    assert dates["progress-review-y3"] == D(2028, 1, 31)


def test_a_diagnostic_starting_on_31_august_ends_on_the_last_day_of_february(today):
    engagement = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.DIAGNOSTIC, start_date=D(2026, 8, 31), today=today
    )
    assert engagement.planned_end == D(2028, 2, 29)
    assert engagement.status == EngagementStatus.PLANNED


def test_yearly_milestones_repeat_for_each_year_of_operations(today):
    engagement = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 3, 1), today=today
    )
    summits = engagement.milestones.filter(key__startswith="training-summit").order_by("due_date")
    assert [m.due_date for m in summits] == [D(2026, 1, 1), D(2027, 1, 1), D(2028, 1, 1)]
    assert summits[0].title == "Annual training summit (year 1)"
    assert engagement.milestones.count() == 7 + 3 + 3


def test_a_site_cannot_start_a_second_open_engagement(today):
    site = factories.SiteFactory()
    services.engagement_start(
        site=site, phase=Phase.DIAGNOSTIC, start_date=D(2025, 1, 1), today=today
    )
    with pytest.raises(ValidationError, match="already has an open Diagnostic engagement"):
        services.engagement_start(
            site=site, phase=Phase.OPERATIONS, start_date=D(2025, 6, 1), today=today
        )
    assert site.engagements.count() == 1


def test_extending_needs_a_reason_and_a_later_date_and_adds_yearly_milestones(today, coordinator):
    engagement = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 3, 1), today=today
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.engagement_extend(
            engagement=engagement, new_planned_end=D(2029, 3, 1), reason=" ", actor=coordinator
        )
    with pytest.raises(ValidationError, match="must be after the current one"):
        services.engagement_extend(
            engagement=engagement, new_planned_end=D(2027, 3, 1), reason="x", actor=coordinator
        )
    before = engagement.milestones.count()
    services.engagement_extend(
        engagement=engagement,
        new_planned_end=D(2029, 3, 1),
        reason="Site asked for a fourth year.",
        actor=coordinator,
    )
    engagement.refresh_from_db()
    assert engagement.planned_end == D(2029, 3, 1)
    assert engagement.extensions.get().reason == "Site asked for a fourth year."
    assert engagement.milestones.count() == before + 2  # a fourth summit and progress review


def test_transition_to_operations_closes_diagnostic_and_links_the_new_phase(today, coordinator):
    site = factories.SiteFactory()
    diagnostic = services.engagement_start(
        site=site, phase=Phase.DIAGNOSTIC, start_date=D(2024, 1, 10), today=today
    )
    operations = services.engagement_transition_to_operations(
        engagement=diagnostic, start_date=D(2025, 2, 1), actor=coordinator, today=today
    )
    diagnostic.refresh_from_db()
    assert diagnostic.status == EngagementStatus.TRANSITIONED
    assert diagnostic.actual_end == D(2025, 2, 1)
    assert operations.previous == diagnostic
    assert operations.phase == Phase.OPERATIONS
    assert operations.status == EngagementStatus.ACTIVE
    assert operations.planned_end == D(2028, 2, 1)


def test_a_failed_transition_leaves_nothing_half_done(today, monkeypatch):
    site = factories.SiteFactory()
    diagnostic = services.engagement_start(
        site=site, phase=Phase.DIAGNOSTIC, start_date=D(2024, 1, 10), today=today
    )

    # Fail after the Diagnostic engagement was closed and the Operations one saved.
    def broken(**kwargs):
        raise IntegrityError("simulated failure while generating milestones")

    monkeypatch.setattr(services, "_milestones_generate", broken)
    with pytest.raises(IntegrityError):
        services.engagement_transition_to_operations(
            engagement=diagnostic, start_date=D(2025, 2, 1), today=today
        )
    diagnostic.refresh_from_db()
    assert diagnostic.status == EngagementStatus.ACTIVE
    assert diagnostic.actual_end is None
    assert list(Engagement.objects.filter(site=site)) == [diagnostic]


def test_only_a_diagnostic_can_transition(today):
    operations = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 1, 1), today=today
    )
    with pytest.raises(ValidationError, match="Only a Diagnostic"):
        services.engagement_transition_to_operations(
            engagement=operations, start_date=D(2025, 6, 1), today=today
        )


def test_complete_and_withdraw_close_an_engagement_once(today):
    first = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.DIAGNOSTIC, start_date=D(2024, 1, 1), today=today
    )
    services.engagement_complete(engagement=first, end_date=D(2025, 7, 1))
    first.refresh_from_db()
    assert (first.status, first.actual_end) == (EngagementStatus.COMPLETED, D(2025, 7, 1))
    with pytest.raises(ValidationError, match="already completed"):
        services.engagement_withdraw(engagement=first, end_date=D(2025, 8, 1), reason="x")

    second = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 1, 1), today=today
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.engagement_withdraw(engagement=second, end_date=D(2025, 8, 1), reason="")
    with pytest.raises(ValidationError, match="cannot be before the start"):
        services.engagement_withdraw(engagement=second, end_date=D(2024, 8, 1), reason="Budget")
    services.engagement_withdraw(engagement=second, end_date=D(2025, 8, 1), reason="New mayor")
    second.refresh_from_db()
    assert second.status == EngagementStatus.WITHDRAWN
    assert second.close_reason == "New mayor"


def test_completing_a_milestone_records_who_when_and_a_note(today, coordinator):
    engagement = services.engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 1, 1), today=today
    )
    milestone = engagement.milestones.get(key="strategic-plan")
    services.milestone_complete(
        milestone=milestone,
        completed_on=D(2025, 10, 2),
        actor=coordinator,
        note="Adopted by council.",
        today=today,
    )
    milestone.refresh_from_db()
    assert milestone.completed_on == D(2025, 10, 2)
    assert milestone.completed_by == coordinator
    assert "Adopted by council." in milestone.notes
    with pytest.raises(ValidationError, match="already completed"):
        services.milestone_complete(milestone=milestone, completed_on=D(2025, 10, 3), today=today)


def test_a_milestone_cannot_be_completed_in_the_future(today):
    milestone = factories.MilestoneFactory()
    with pytest.raises(ValidationError, match="future"):
        services.milestone_complete(
            milestone=milestone, completed_on=today + datetime.timedelta(days=1), today=today
        )
    assert Milestone.objects.get(pk=milestone.pk).completed_on is None


def test_overdue_milestones_are_the_open_ones_past_due(today):
    engagement = factories.EngagementFactory()
    late = factories.MilestoneFactory(
        engagement=engagement, due_date=today - datetime.timedelta(days=1)
    )
    factories.MilestoneFactory(engagement=engagement, due_date=today)
    factories.MilestoneFactory(
        engagement=engagement, due_date=D(2025, 1, 1), completed_on=D(2025, 1, 2)
    )
    assert list(Milestone.objects.overdue(today)) == [late]
