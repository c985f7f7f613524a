"""The site page (timeline, milestones, liaisons, visits, TTA, people) and its history tab."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaisons.services import assignment_end
from psp.accounts.roles import Role
from sites.choices import Phase
from sites.services import engagement_start
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 15)


@pytest.fixture(autouse=True)
def frozen_clock():
    noon = datetime.datetime(2026, 3, 15, 12, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    with time_machine.travel(noon, tick=False):
        yield


@pytest.fixture
def world(coordinator):
    engagement = engagement_start(
        site=factories.SiteFactory(name="Tulsa", state="OK", slug="tulsa-ok"),
        phase=Phase.OPERATIONS,
        start_date=D(2025, 3, 15),
        today=TODAY,
        actor=coordinator,
    )
    liaison = factories.LiaisonFactory(user__username="ssl")
    factories.AssignmentFactory(liaison=liaison, engagement=engagement)
    contact = factories.UserFactory(username="contact", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=engagement.site, user=contact, name="Pat Okafor")
    factories.FederalPartnerFactory(site=engagement.site, agency="ATF")
    provider = factories.TTAProviderFactory(name="National TTA Center")
    provider_user = factories.UserFactory(username="provider", roles=[Role.TTA_PROVIDER])
    provider.staff.add(provider_user)
    factories.TTARequestFactory(
        site=engagement.site, title="Crime analyst", provider=provider, status="approved"
    )
    other = factories.AssignmentFactory(liaison__user__username="other-ssl")
    return {
        "site": engagement.site,
        "engagement": engagement,
        "liaison": liaison.user,
        "contact": contact,
        "provider": provider_user,
        "other": other.liaison.user,
        "coordinator": coordinator,
        "integration": factories.UserFactory(roles=[Role.INTEGRATION]),
    }


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    assert client.get("/sites/tulsa-ok/").status_code == 302
    assert client.get("/sites/tulsa-ok/history/").status_code == 302


@pytest.mark.parametrize(
    ("who", "page", "history"),
    [
        ("coordinator", 200, 200),
        ("integration", 200, 200),
        ("liaison", 200, 200),
        ("contact", 200, 200),
        ("provider", 200, 404),
        ("other", 404, 404),
    ],
)
def test_who_can_open_the_site_page_and_its_history(client, world, who, page, history):
    client.force_login(world[who])
    assert client.get("/sites/tulsa-ok/").status_code == page
    assert client.get("/sites/tulsa-ok/history/").status_code == history


def test_the_page_shows_phase_progress_milestones_people_and_tta(client, world):
    client.force_login(world["liaison"])
    html = client.get("/sites/tulsa-ok/").content.decode()
    assert "Day 365 of 1096 (33%)" in html
    assert "Kick-off" in html  # a generated milestone
    assert "Mark complete" in html
    assert "Primary SSL" in html
    assert "Pat Okafor" in html
    assert "ATF" in html
    assert "Crime analyst" in html
    assert "Log a site visit" in html


def test_a_provider_sees_only_what_concerns_their_request(client, world):
    client.force_login(world["provider"])
    page = client.get("/sites/tulsa-ok/").context["page"]
    assert page.engagements == []
    assert page.contacts == []
    assert page.visits == []
    assert [r.title for r in page.tta_requests] == ["Crime analyst"]


def test_visits_are_listed_newest_first(client, world):
    old = factories.SiteVisitFactory(engagement=world["engagement"], start_date=D(2025, 6, 1))
    new = factories.SiteVisitFactory(engagement=world["engagement"], start_date=D(2026, 2, 1))
    client.force_login(world["coordinator"])
    assert client.get("/sites/tulsa-ok/").context["page"].visits == [new, old]


@pytest.mark.parametrize("who", ["liaison", "coordinator"])
def test_an_assigned_liaison_or_a_coordinator_marks_a_milestone_complete(client, world, who):
    milestone = world["engagement"].milestones.open().first()
    client.force_login(world[who])
    response = client.post(
        f"/sites/tulsa-ok/milestones/{milestone.pk}/complete/",
        {"completed_on": "2026-03-14", "note": "Signed by the mayor."},
        follow=True,
    )
    milestone.refresh_from_db()
    assert milestone.completed_on == D(2026, 3, 14)
    assert milestone.completed_by == world[who]
    assert "Signed by the mayor." in milestone.notes
    assert "marked complete" in response.content.decode()


def test_a_site_contact_cannot_complete_milestones(client, world):
    milestone = world["engagement"].milestones.open().first()
    client.force_login(world["contact"])
    assert b"Mark complete" not in client.get("/sites/tulsa-ok/").content
    response = client.post(
        f"/sites/tulsa-ok/milestones/{milestone.pk}/complete/",
        {"completed_on": "2026-03-14"},
        follow=True,
    )
    milestone.refresh_from_db()
    assert milestone.completed_on is None
    assert b"Only a coordinator or a liaison assigned" in response.content


def test_a_liaison_whose_assignment_ended_no_longer_completes_milestones(client, world):
    assignment_end(assignment=world["engagement"].assignments.get(), end_date=D(2026, 3, 1))
    milestone = world["engagement"].milestones.open().first()
    client.force_login(world["liaison"])
    assert client.get("/sites/tulsa-ok/").status_code == 200
    client.post(
        f"/sites/tulsa-ok/milestones/{milestone.pk}/complete/", {"completed_on": "2026-03-14"}
    )
    milestone.refresh_from_db()
    assert milestone.completed_on is None


def test_another_liaison_gets_404_for_a_milestone_of_a_site_not_theirs(client, world):
    milestone = world["engagement"].milestones.open().first()
    client.force_login(world["other"])
    response = client.post(
        f"/sites/tulsa-ok/milestones/{milestone.pk}/complete/", {"completed_on": "2026-03-14"}
    )
    assert response.status_code == 404


def test_the_history_tab_says_who_changed_what(client, world):
    milestone = world["engagement"].milestones.open().first()
    client.force_login(world["liaison"])
    client.post(
        f"/sites/tulsa-ok/milestones/{milestone.pk}/complete/", {"completed_on": "2026-03-14"}
    )
    response = client.get("/sites/tulsa-ok/history/")
    entry = next(e for e in response.context["entries"] if e.subject == milestone.title)
    assert entry.who == world["liaison"]
    assert entry.action == "changed"
    assert any(c.startswith("completed on: — → 2026-03-14") for c in entry.changes)
    html = response.content.decode()
    assert f"Milestone “{milestone.title}” changed" in html
    assert any(
        e.kind == "Engagement" and e.action == "created" and e.who == world["coordinator"]
        for e in response.context["entries"]
    )


def test_the_site_page_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world["liaison"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/sites/tulsa-ok/").status_code == 200
        return len(queries)

    def add_rows():
        visit = factories.SiteVisitFactory(
            engagement=world["engagement"], liaison=world["liaison"].liaison
        )
        visit.core_areas.set(list(visit.core_areas.model.objects.all()[:2]))
        factories.SiteContactFactory(site=world["site"])
        factories.TTARequestFactory(site=world["site"])
        factories.MilestoneFactory(engagement=world["engagement"])

    add_rows()
    few = count()
    for _ in range(8):
        add_rows()
    # session, user, roles, site, engagements, milestones (with who completed them), visits,
    # their core areas, is the liaison assigned now, assignments, TTA requests, contacts,
    # federal partners, unread notifications (header)
    assert count() == few == 14


def test_the_history_tab_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world["coordinator"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/sites/tulsa-ok/history/").status_code == 200
        return len(queries)

    few = count()
    for milestone in world["engagement"].milestones.all():
        milestone.notes = "Reviewed."
        milestone.save()
    factories.SiteContactFactory.create_batch(5, site=world["site"])
    # session, user, roles, site, then one query per kind of record (site, engagements,
    # milestones, assignments, contacts, federal partners), each with its authors. Visits are
    # not part of it: their drafts and internal notes are not for everyone who sees the site.
    # Plus the coordinator's two-factor devices and the unread notifications (header).
    assert count() == few == 12
