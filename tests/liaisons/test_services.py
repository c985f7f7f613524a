import datetime

import pytest
from django.core.exceptions import ValidationError

from liaisons import services
from liaisons.choices import AssignmentRole
from liaisons.models import Assignment
from sites.choices import Phase
from sites.services import engagement_start
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def operations(today):
    return engagement_start(
        site=factories.SiteFactory(), phase=Phase.OPERATIONS, start_date=D(2025, 1, 6), today=today
    )


def test_assigning_the_first_primary_completes_the_ssl_assigned_milestone(operations, today):
    liaison = factories.LiaisonFactory()
    services.assignment_create(
        liaison=liaison, engagement=operations, start_date=D(2025, 1, 20), today=today
    )
    milestone = operations.milestones.get(key="ssl-assigned")
    assert milestone.completed_on == D(2025, 1, 20)
    assert str(liaison) in milestone.notes


def test_an_engagement_cannot_get_a_second_current_primary(operations, today):
    services.assignment_create(
        liaison=factories.LiaisonFactory(),
        engagement=operations,
        start_date=D(2025, 2, 1),
        today=today,
    )
    with pytest.raises(ValidationError, match="already has a current primary"):
        services.assignment_create(
            liaison=factories.LiaisonFactory(),
            engagement=operations,
            start_date=D(2025, 2, 1),
            today=today,
        )


def test_assignments_need_an_open_engagement_and_an_active_liaison(operations, today):
    with pytest.raises(ValidationError, match="not an active liaison"):
        services.assignment_create(
            liaison=factories.LiaisonFactory(active=False),
            engagement=operations,
            start_date=D(2025, 2, 1),
            today=today,
        )
    closed = factories.EngagementFactory(status="completed", actual_end=D(2026, 1, 1))
    with pytest.raises(ValidationError, match="planned or active engagement"):
        services.assignment_create(
            liaison=factories.LiaisonFactory(),
            engagement=closed,
            start_date=D(2025, 2, 1),
            today=today,
        )


def test_reassigning_hands_off_with_a_note_in_one_step(operations, today, coordinator):
    outgoing = factories.LiaisonFactory()
    incoming = factories.LiaisonFactory()
    first = services.assignment_create(
        liaison=outgoing, engagement=operations, start_date=D(2025, 1, 20), today=today
    )
    second = services.liaison_reassign(
        engagement=operations,
        new_liaison=incoming,
        start_date=D(2025, 9, 1),
        handoff_note="Working group meets Tuesdays.",
        actor=coordinator,
        today=today,
    )
    first.refresh_from_db()
    assert first.end_date == D(2025, 9, 1)
    assert first.handoff_note == "Working group meets Tuesdays."
    assert second.liaison == incoming
    assert second.end_date is None
    current = Assignment.objects.filter(engagement=operations).current(on=D(2025, 9, 2))
    assert list(current) == [second]


def test_a_backup_can_step_up_to_primary(operations, today):
    primary = factories.LiaisonFactory()
    backup = factories.LiaisonFactory()
    services.assignment_create(
        liaison=primary, engagement=operations, start_date=D(2025, 2, 1), today=today
    )
    services.assignment_create(
        liaison=backup,
        engagement=operations,
        start_date=D(2025, 2, 1),
        role=AssignmentRole.BACKUP,
        today=today,
    )
    services.liaison_reassign(
        engagement=operations,
        new_liaison=backup,
        start_date=D(2025, 6, 1),
        handoff_note="Over to you.",
        today=today,
    )
    current = operations.assignments.filter(end_date__isnull=True).get()
    assert (current.liaison, current.role) == (backup, AssignmentRole.PRIMARY)


def test_a_failed_reassignment_keeps_the_current_liaison(operations, today):
    outgoing = factories.LiaisonFactory()
    first = services.assignment_create(
        liaison=outgoing, engagement=operations, start_date=D(2025, 1, 20), today=today
    )
    with pytest.raises(ValidationError, match="not an active liaison"):
        services.liaison_reassign(
            engagement=operations,
            new_liaison=factories.LiaisonFactory(active=False),
            start_date=D(2025, 9, 1),
            handoff_note="Notes.",
            today=today,
        )
    first.refresh_from_db()
    assert first.end_date is None
    assert first.handoff_note == ""
    assert operations.assignments.count() == 1


def test_reassigning_requires_a_handoff_note(operations, today):
    services.assignment_create(
        liaison=factories.LiaisonFactory(),
        engagement=operations,
        start_date=D(2025, 1, 20),
        today=today,
    )
    with pytest.raises(ValidationError, match="hand-off note"):
        services.liaison_reassign(
            engagement=operations,
            new_liaison=factories.LiaisonFactory(),
            start_date=D(2025, 9, 1),
            handoff_note="",
            today=today,
        )
