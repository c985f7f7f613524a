"""Site-visit services: planned vs draft, submit validation, locking, returns, conflicts."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from liaisons import services
from liaisons.choices import VisitStatus
from liaisons.models import SiteVisit
from liaisons.services import ActionItemInput, VisitEditConflict, VisitInput
from psp.accounts.roles import Role
from sites.models import CoreArea
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def assignment(today):
    return factories.AssignmentFactory(
        liaison__user__username="ssl", engagement__start_date=D(2025, 1, 15)
    )


@pytest.fixture
def liaison(assignment):
    return assignment.liaison.user


@pytest.fixture
def site(assignment):
    return assignment.engagement.site


def areas(*codes):
    return list(CoreArea.objects.filter(code__in=codes))


def complete(site, **overrides):
    values = {
        "site": site,
        "start_date": D(2026, 3, 10),
        "summary": "Reviewed the plan.",
        "internal_notes": "Chief retiring.",
        "core_areas": areas("gun-violence", "crime-analysis"),
        "action_items": [ActionItemInput(text="Send the MOU", due_date=D(2026, 4, 1))],
    }
    values.update(overrides)
    return VisitInput(**values)


def test_a_visit_dated_today_or_earlier_is_saved_as_an_editable_draft(liaison, site, today):
    visit = services.visit_save_draft(data=complete(site), actor=liaison, today=today)
    assert visit.status == VisitStatus.DRAFT
    assert visit.engagement == site.engagements.get()
    assert {a.code for a in visit.core_areas.all()} == {"gun-violence", "crime-analysis"}
    item = visit.action_items.get()
    assert (item.text, item.owner, item.due_date) == ("Send the MOU", liaison, D(2026, 4, 1))


def test_a_visit_dated_in_the_future_is_saved_as_planned(liaison, site, today):
    visit = services.visit_save_draft(
        data=complete(site, start_date=today + datetime.timedelta(days=1)),
        actor=liaison,
        today=today,
    )
    assert visit.status == VisitStatus.PLANNED


def test_a_planned_visit_becomes_a_draft_when_saved_after_its_day(liaison, site, today):
    planned = services.visit_save_draft(
        data=complete(site, start_date=D(2026, 3, 20)), actor=liaison, today=today
    )
    later = D(2026, 3, 21)
    saved = services.visit_save_draft(
        data=complete(site, start_date=D(2026, 3, 20)),
        actor=liaison,
        visit=planned,
        version=planned.version,
        today=later,
    )
    assert saved.status == VisitStatus.DRAFT


def test_submitting_validates_everything_at_once_and_writes_nothing(liaison, site, today):
    data = complete(
        site,
        start_date=today + datetime.timedelta(days=3),
        summary="  ",
        core_areas=[],
        action_items=[ActionItemInput(text="Call the USAO")],
    )
    with pytest.raises(ValidationError) as error:
        services.visit_submit(data=data, actor=liaison, today=today)
    assert set(error.value.message_dict) == {
        "start_date",
        "summary",
        "core_areas",
        "action_items.0.due_date",
    }
    assert not SiteVisit.objects.exists()


def test_a_visit_cannot_end_before_it_starts(liaison, site, today):
    with pytest.raises(ValidationError) as error:
        services.visit_save_draft(
            data=complete(site, end_date=D(2026, 3, 9)), actor=liaison, today=today
        )
    assert error.value.message_dict["end_date"] == ["The end date cannot be before the visit date."]


def test_a_liaison_cannot_log_a_visit_for_a_site_they_are_not_assigned_to(liaison, today):
    elsewhere = factories.AssignmentFactory().engagement.site
    with pytest.raises(ValidationError) as error:
        services.visit_save_draft(data=complete(elsewhere), actor=liaison, today=today)
    assert "assigned" in error.value.message_dict["site"][0]


def test_a_past_assignment_no_longer_allows_new_visits(assignment, liaison, site, today):
    services.assignment_end(assignment=assignment, end_date=D(2026, 3, 1))
    with pytest.raises(ValidationError, match="assigned"):
        services.visit_save_draft(data=complete(site), actor=liaison, today=today)


def test_only_liaisons_log_visits(coordinator, site, today):
    with pytest.raises(ValidationError, match="Only an active Strategic Site Liaison"):
        services.visit_save_draft(data=complete(site), actor=coordinator, today=today)


def test_a_submitted_visit_is_locked(liaison, site, today):
    visit = services.visit_submit(data=complete(site), actor=liaison, today=today)
    assert visit.status == VisitStatus.SUBMITTED
    assert visit.submitted_at is not None
    with pytest.raises(ValidationError, match="submitted and can no longer be changed"):
        services.visit_save_draft(
            data=complete(site, summary="Rewritten"),
            actor=liaison,
            visit=visit,
            version=visit.version,
            today=today,
        )
    visit.refresh_from_db()
    assert visit.summary == "Reviewed the plan."


def test_another_liaison_cannot_edit_someone_elses_draft(liaison, site, today):
    visit = services.visit_save_draft(data=complete(site), actor=liaison, today=today)
    colleague = factories.AssignmentFactory(engagement=visit.engagement, role="backup")
    with pytest.raises(ValidationError, match="Only the liaison who logged"):
        services.visit_save_draft(
            data=complete(site),
            actor=colleague.liaison.user,
            visit=visit,
            version=visit.version,
            today=today,
        )


def test_saving_an_older_version_is_a_conflict_and_overwrites_nothing(liaison, site, today):
    visit = services.visit_save_draft(data=complete(site), actor=liaison, today=today)
    opened_at = visit.version
    services.visit_save_draft(
        data=complete(site, summary="Saved from the laptop"),
        actor=liaison,
        visit=visit,
        version=opened_at,
        today=today,
    )
    with pytest.raises(VisitEditConflict) as conflict:
        services.visit_save_draft(
            data=complete(site, summary="Saved from the phone"),
            actor=liaison,
            visit=visit,
            version=opened_at,
            today=today,
        )
    assert conflict.value.current.summary == "Saved from the laptop"
    visit.refresh_from_db()
    assert visit.summary == "Saved from the laptop"
    assert visit.version == opened_at + 1


def test_editing_keeps_done_action_items_and_removes_dropped_ones(liaison, site, today):
    visit = services.visit_save_draft(
        data=complete(
            site,
            action_items=[
                ActionItemInput(text="Keep me", due_date=D(2026, 4, 1)),
                ActionItemInput(text="Drop me", due_date=D(2026, 4, 2)),
            ],
        ),
        actor=liaison,
        today=today,
    )
    keep = visit.action_items.get(text="Keep me")
    services.action_item_complete(item=keep, actor=liaison, done_on=D(2026, 3, 12))
    services.visit_save_draft(
        data=complete(
            site,
            action_items=[
                ActionItemInput(pk=keep.pk, text="Keep me, renamed", due_date=D(2026, 4, 1)),
                ActionItemInput(text="New one", owner_name="Chief Ortiz", due_date=D(2026, 5, 1)),
            ],
        ),
        actor=liaison,
        visit=visit,
        version=visit.version,
        today=today,
    )
    rows = {i.text: i for i in visit.action_items.all()}
    assert set(rows) == {"Keep me, renamed", "New one"}
    assert rows["Keep me, renamed"].done_on == D(2026, 3, 12)
    assert rows["New one"].owner is None
    assert rows["New one"].owner_name == "Chief Ortiz"


def test_a_coordinator_returns_a_submitted_visit_with_a_note(liaison, site, today, coordinator):
    visit = services.visit_submit(data=complete(site), actor=liaison, today=today)
    returned = services.visit_return_to_draft(
        visit=visit, note="Add who attended from the DA's office.", actor=coordinator
    )
    assert returned.status == VisitStatus.DRAFT
    assert returned.returned_note == "Add who attended from the DA's office."
    assert returned.submitted_at is None
    assert returned.history.first().history_user == coordinator
    resubmitted = services.visit_submit(
        data=complete(site), actor=liaison, visit=returned, version=returned.version, today=today
    )
    assert resubmitted.status == VisitStatus.SUBMITTED
    assert resubmitted.returned_note == ""


def test_returning_needs_a_coordinator_a_note_and_a_submitted_visit(liaison, site, today):
    coordinator = factories.UserFactory(roles=[Role.COORDINATOR])
    draft = services.visit_save_draft(data=complete(site), actor=liaison, today=today)
    with pytest.raises(ValidationError, match="Only a DOJ coordinator"):
        services.visit_return_to_draft(visit=draft, note="Why?", actor=liaison)
    with pytest.raises(ValidationError, match="what needs to change"):
        services.visit_return_to_draft(visit=draft, note=" ", actor=coordinator)
    with pytest.raises(ValidationError, match="Only a submitted visit"):
        services.visit_return_to_draft(visit=draft, note="Why?", actor=coordinator)


def test_milestones_are_completed_by_coordinators_and_assigned_liaisons_only(
    liaison, assignment, today, coordinator
):
    milestone = factories.MilestoneFactory(engagement=assignment.engagement)
    outsider = factories.LiaisonFactory().user
    with pytest.raises(ValidationError, match="assigned to this site"):
        services.milestone_mark_complete(
            milestone=milestone, actor=outsider, completed_on=today, today=today
        )
    done = services.milestone_mark_complete(
        milestone=milestone, actor=liaison, completed_on=today, note="Adopted.", today=today
    )
    assert (done.completed_on, done.completed_by, done.notes) == (today, liaison, "Adopted.")
