"""Each database invariant rejects a violating row, on SQLite and PostgreSQL alike.

Rows are written with plain `create()`/`save()` so the database, not model validation, is
what refuses them.
"""

import datetime

import pytest
from django.db import IntegrityError, transaction

from liaisons.choices import AssignmentRole, VisitStatus
from sites.choices import EngagementStatus, Phase
from tests import factories
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db

D = datetime.date


def assert_rejected(make_row):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_row()


def test_a_site_cannot_have_two_open_engagements():
    engagement = factories.EngagementFactory(status=EngagementStatus.ACTIVE)
    assert_rejected(
        lambda: factories.EngagementFactory(
            site=engagement.site, status=EngagementStatus.PLANNED, phase=Phase.DIAGNOSTIC
        )
    )


def test_a_site_can_have_many_closed_engagements_and_one_open():
    first = factories.EngagementFactory(status=EngagementStatus.COMPLETED, actual_end=D(2026, 1, 1))
    factories.EngagementFactory(
        site=first.site, status=EngagementStatus.WITHDRAWN, actual_end=D(2025, 2, 1)
    )
    factories.EngagementFactory(site=first.site, status=EngagementStatus.ACTIVE)
    assert first.site.engagements.count() == 3


def test_an_engagement_cannot_be_planned_to_end_before_it_starts():
    assert_rejected(
        lambda: factories.EngagementFactory(start_date=D(2025, 5, 1), planned_end=D(2025, 4, 30))
    )


def test_an_engagement_cannot_end_before_it_starts():
    assert_rejected(
        lambda: factories.EngagementFactory(
            status=EngagementStatus.COMPLETED, start_date=D(2025, 5, 1), actual_end=D(2025, 4, 1)
        )
    )


def test_a_closed_engagement_must_record_its_end_and_an_open_one_cannot():
    assert_rejected(lambda: factories.EngagementFactory(status=EngagementStatus.COMPLETED))
    assert_rejected(
        lambda: factories.EngagementFactory(
            status=EngagementStatus.ACTIVE, actual_end=D(2026, 1, 1)
        )
    )


def test_an_extension_must_move_the_end_later_and_give_a_reason():
    engagement = factories.EngagementFactory()
    assert_rejected(
        lambda: factories.EngagementExtensionFactory(
            engagement=engagement,
            previous_planned_end=D(2028, 1, 15),
            new_planned_end=D(2027, 1, 15),
        )
    )
    assert_rejected(lambda: factories.EngagementExtensionFactory(engagement=engagement, reason=""))


def test_an_engagement_has_at_most_one_current_primary_liaison():
    assignment = factories.AssignmentFactory(role=AssignmentRole.PRIMARY)
    assert_rejected(
        lambda: factories.AssignmentFactory(
            engagement=assignment.engagement, role=AssignmentRole.PRIMARY
        )
    )


def test_ended_primaries_and_backups_do_not_count_against_the_current_primary():
    assignment = factories.AssignmentFactory(role=AssignmentRole.PRIMARY, end_date=D(2025, 6, 1))
    engagement = assignment.engagement
    factories.AssignmentFactory(engagement=engagement, role=AssignmentRole.PRIMARY)
    factories.AssignmentFactory(engagement=engagement, role=AssignmentRole.BACKUP)
    assert engagement.assignments.count() == 3


def test_a_liaison_holds_one_current_assignment_per_engagement():
    assignment = factories.AssignmentFactory(role=AssignmentRole.PRIMARY)
    assert_rejected(
        lambda: factories.AssignmentFactory(
            engagement=assignment.engagement,
            liaison=assignment.liaison,
            role=AssignmentRole.BACKUP,
        )
    )


def test_an_assignment_cannot_end_before_it_starts():
    assert_rejected(
        lambda: factories.AssignmentFactory(start_date=D(2025, 5, 1), end_date=D(2025, 4, 1))
    )


def test_a_visit_cannot_end_before_it_starts():
    assert_rejected(
        lambda: factories.SiteVisitFactory(start_date=D(2025, 5, 2), end_date=D(2025, 5, 1))
    )


def test_a_submitted_visit_has_a_summary():
    assert_rejected(lambda: factories.SiteVisitFactory(status=VisitStatus.SUBMITTED, summary=""))
    factories.SiteVisitFactory(status=VisitStatus.DRAFT, summary="")


def test_a_declined_request_has_a_reason():
    assert_rejected(
        lambda: factories.TTARequestFactory(status=RequestStatus.DECLINED, decline_reason="")
    )
    factories.TTARequestFactory(status=RequestStatus.DECLINED, decline_reason="Out of scope.")


def test_work_in_progress_has_a_provider():
    assert_rejected(
        lambda: factories.TTARequestFactory(status=RequestStatus.IN_PROGRESS, provider=None)
    )


def test_a_delivery_has_positive_hours():
    assert_rejected(lambda: factories.TTADeliveryFactory(hours=0))


def test_site_names_are_unique_within_a_state():
    site = factories.SiteFactory(name="Springfield", state="IL")
    factories.SiteFactory(name="Springfield", state="MA")
    assert_rejected(lambda: factories.SiteFactory(name=site.name, state="IL", slug="other"))


def test_a_milestone_key_is_unique_within_its_engagement():
    milestone = factories.MilestoneFactory()
    assert_rejected(
        lambda: factories.MilestoneFactory(engagement=milestone.engagement, key=milestone.key)
    )
