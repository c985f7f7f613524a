"""The annual training summit: recording it, its sessions and attendance, and the yearly
milestone that attendance completes for an Operations site."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from psp.accounts.roles import Role
from sites.choices import Phase
from sites.models import CoreArea
from sites.services import engagement_start
from tests import factories
from tta import services
from tta.models import SummitAttendance

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 15, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def summit(coordinator):
    return services.training_summit_save(
        year=2026,
        title="PSP National Training Summit 2026",
        start_date=D(2026, 5, 12),
        end_date=D(2026, 5, 14),
        location="Washington, DC",
        actor=coordinator,
    )


@pytest.fixture
def operations_site():
    # Started 1 Feb 2025: 12 May 2026 falls in the engagement's second year.
    return engagement_start(
        site=factories.SiteFactory(name="Tulsa", state="OK"),
        phase=Phase.OPERATIONS,
        start_date=D(2025, 2, 1),
        today=D(2026, 6, 1),
    ).site


def test_attendance_completes_the_operations_sites_milestone_for_that_year(
    summit, operations_site, coordinator
):
    services.summit_attendance_record(
        summit=summit, site=operations_site, attendees=7, actor=coordinator
    )
    milestones = {
        m.key: m for m in operations_site.engagements.get().milestones.filter(key__startswith="tr")
    }
    assert milestones["training-summit-y2"].completed_on == D(2026, 5, 14)
    assert milestones["training-summit-y2"].completed_by == coordinator
    assert "with 7 people" in milestones["training-summit-y2"].notes
    assert milestones["training-summit-y1"].completed_on is None
    assert milestones["training-summit-y3"].completed_on is None


def test_recording_again_corrects_the_number_and_leaves_the_milestone_alone(
    summit, operations_site, coordinator
):
    for attendees in (7, 9):
        services.summit_attendance_record(
            summit=summit, site=operations_site, attendees=attendees, actor=coordinator
        )
    assert SummitAttendance.objects.get().attendees == 9
    milestone = operations_site.engagements.get().milestones.get(key="training-summit-y2")
    assert milestone.completed_on == D(2026, 5, 14)


def test_a_diagnostic_site_attends_without_any_milestone(summit, coordinator):
    engagement = engagement_start(
        site=factories.SiteFactory(), phase=Phase.DIAGNOSTIC, start_date=D(2025, 9, 1)
    )
    services.summit_attendance_record(
        summit=summit, site=engagement.site, attendees=3, actor=coordinator
    )
    assert not engagement.milestones.filter(completed_on__isnull=False).exists()
    assert SummitAttendance.objects.get().site == engagement.site


def test_attendance_is_recorded_once_the_summit_has_begun(coordinator, operations_site):
    future = services.training_summit_save(
        year=2027,
        title="Summit 2027",
        start_date=D(2027, 5, 11),
        end_date=D(2027, 5, 13),
        location="Denver, CO",
        actor=coordinator,
    )
    with pytest.raises(ValidationError, match="once the summit has begun"):
        services.summit_attendance_record(
            summit=future, site=operations_site, attendees=4, actor=coordinator
        )


def test_nobody_attends_with_zero_people(summit, operations_site, coordinator):
    with pytest.raises(ValidationError, match="At least one person"):
        services.summit_attendance_record(
            summit=summit, site=operations_site, attendees=0, actor=coordinator
        )


def test_a_summit_cannot_end_before_it_starts_or_start_in_another_year(coordinator):
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        services.training_summit_save(
            year=2026,
            title="x",
            start_date=D(2026, 5, 12),
            end_date=D(2026, 5, 1),
            location="DC",
            actor=coordinator,
        )
    with pytest.raises(ValidationError, match="must start in 2026"):
        services.training_summit_save(
            year=2026,
            title="x",
            start_date=D(2027, 5, 12),
            end_date=D(2027, 5, 13),
            location="DC",
            actor=coordinator,
        )


@pytest.mark.parametrize("role", [Role.LIAISON, Role.SITE_CONTACT, Role.TTA_PROVIDER])
def test_only_coordinators_record_summits(summit, operations_site, role):
    user = factories.UserFactory(roles=[role])
    with pytest.raises(PermissionDenied):
        services.summit_attendance_record(
            summit=summit, site=operations_site, attendees=2, actor=user
        )
    with pytest.raises(PermissionDenied):
        services.summit_session_add(
            summit=summit,
            core_area=CoreArea.objects.first(),
            title="x",
            actor=user,
        )


def test_a_coordinator_records_a_summit_its_sessions_and_attendance_on_the_pages(
    client, coordinator, operations_site
):
    client.force_login(coordinator)
    response = client.post(
        reverse("tta:summit-create"),
        {
            "year": "2026",
            "title": "PSP National Training Summit 2026",
            "start_date": "2026-05-12",
            "end_date": "2026-05-14",
            "location": "Washington, DC",
        },
    )
    assert response.status_code == 302
    url = reverse("tta:summit-detail", args=[2026])
    technology = CoreArea.objects.get(code="technology")
    client.post(
        reverse("tta:summit-session-add", args=[2026]),
        {"core_area": technology.pk, "title": "Real-time crime centers"},
    )
    client.post(
        reverse("tta:summit-attendance-record", args=[2026]),
        {"site": operations_site.slug, "attendees": "5"},
    )
    html = client.get(url).content.decode()
    assert "Real-time crime centers" in html
    assert "Technology" in html
    assert "Tulsa, OK" in html
    milestone = operations_site.engagements.get().milestones.get(key="training-summit-y2")
    assert milestone.completed_on == D(2026, 5, 14)


def test_a_site_contact_sees_the_summit_but_only_their_sites_attendance(
    client, summit, coordinator
):
    mine, theirs = factories.SiteFactory(name="Mine"), factories.SiteFactory(name="Theirs")
    contact = factories.UserFactory(roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=mine, user=contact)
    for site in (mine, theirs):
        services.summit_attendance_record(summit=summit, site=site, attendees=2, actor=coordinator)
    client.force_login(contact)
    response = client.get(reverse("tta:summit-detail", args=[2026]))
    assert [a.site for a in response.context["summit"].visible_attendance] == [mine]
    assert b"Record attendance" not in response.content
    assert client.get(reverse("tta:summit-create")).status_code == 403
    response = client.post(
        reverse("tta:summit-attendance-record", args=[2026]), {"site": mine.slug, "attendees": 9}
    )
    assert response.status_code == 403
    assert SummitAttendance.objects.get(site=mine).attendees == 2


def test_the_summit_pages_run_a_fixed_number_of_queries(client, summit, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    detail, listing = reverse("tta:summit-detail", args=[2026]), reverse("tta:summit-list")
    few = (count(detail), count(listing))
    for n in range(5):
        factories.SummitSessionFactory(summit=summit, title=f"Session {n}")
        factories.SummitAttendanceFactory(summit=summit)
    # detail: session, user, roles, the coordinator's two-factor devices, summit, sessions,
    # attendance, the forms' core areas and sites, unread notifications (header);
    # list: session, user, roles, two-factor devices, summits with their session counts,
    # unread notifications
    assert (count(detail), count(listing)) == few == (10, 6)
