"""The role-aware home page: a liaison's work in flight, links onward for everyone else."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaisons.choices import VisitStatus
from psp.accounts.roles import Role
from sites.choices import Phase
from sites.services import engagement_start
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 3, 15)
A_YEAR_AGO = D(2025, 3, 15)


@pytest.fixture(autouse=True)
def frozen_clock():
    noon = datetime.datetime(2026, 3, 15, 12, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    with time_machine.travel(noon, tick=False):
        yield


@pytest.fixture
def liaison():
    return factories.LiaisonFactory(user__username="ssl", user__first_name="Dana")


def assign(liaison, *, name, start=A_YEAR_AGO, phase=Phase.OPERATIONS):
    engagement = engagement_start(
        site=factories.SiteFactory(name=name), phase=phase, start_date=start, today=TODAY
    )
    factories.AssignmentFactory(liaison=liaison, engagement=engagement, start_date=start)
    return engagement


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.SITE_CONTACT, Role.TTA_PROVIDER, Role.INTEGRATION]
)
def test_other_roles_get_a_simple_home_with_links_onward(client, role):
    client.force_login(factories.UserFactory(roles=[role]))
    response = client.get("/")
    assert response.status_code == 200
    assert b"Log a site visit" not in response.content
    assert b'href="/sites/"' in response.content


def test_a_liaisons_home_shows_each_current_site_with_phase_progress_and_next_milestone(
    client, liaison
):
    engagement = assign(liaison, name="Tulsa")
    past = assign(factories.LiaisonFactory(), name="Flint")
    factories.AssignmentFactory(
        liaison=liaison,
        engagement=past,
        role="backup",
        start_date=D(2025, 3, 15),
        end_date=D(2025, 6, 1),
    )
    factories.SiteVisitFactory(engagement=engagement, start_date=D(2026, 3, 5))
    client.force_login(liaison.user)
    response = client.get("/")
    html = response.content.decode()
    assert [str(s) for s in response.context["sites"]] == ["Tulsa, TX"]
    site = response.context["sites"][0]
    assert site.phase == Phase.OPERATIONS
    # 15 March 2025 → 15 March 2028 is 1096 days; a year in, 365 of them have passed.
    assert (site.progress.elapsed_days, site.progress.total_days) == (365, 1096)
    assert "Day 365 of 1096" in html
    next_due = engagement.milestones.open().order_by("due_date").first()
    assert site.next_milestone_title == next_due.title
    assert f"{next_due.title}, due" in html
    assert site.days_since_last_visit == 10
    assert "10 days ago" in html
    assert "Log a site visit" in html
    assert "Flint" not in html


def test_a_liaisons_home_lists_drafts_planned_visits_and_open_action_items_by_due_date(
    client, liaison
):
    engagement = assign(liaison, name="Tulsa")
    mine = {"engagement": engagement, "liaison": liaison}
    draft = factories.SiteVisitFactory(**mine, status=VisitStatus.DRAFT, summary="")
    planned = factories.SiteVisitFactory(
        **mine, status=VisitStatus.PLANNED, summary="", start_date=D(2026, 4, 2)
    )
    factories.SiteVisitFactory(**mine)  # submitted: not in flight
    later = factories.ActionItemFactory(visit=draft, text="Later", due_date=D(2026, 5, 1))
    sooner = factories.ActionItemFactory(visit=draft, text="Sooner", due_date=D(2026, 3, 20))
    factories.ActionItemFactory(visit=draft, text="Done", done_on=D(2026, 3, 1))
    client.force_login(liaison.user)
    response = client.get("/")
    assert response.context["open_visits"] == [draft, planned]
    assert response.context["action_items"] == [sooner, later]


def test_marking_an_action_item_done_from_home(client, liaison):
    engagement = assign(liaison, name="Tulsa")
    item = factories.ActionItemFactory(
        visit__engagement=engagement, visit__liaison=liaison, text="Call the USAO"
    )
    client.force_login(liaison.user)
    response = client.post(f"/visits/next-steps/{item.pk}/done/", follow=True)
    item.refresh_from_db()
    assert item.done_on == TODAY
    assert b"Marked done: Call the USAO" in response.content


def test_another_liaisons_action_item_cannot_be_marked_done(client, liaison):
    item = factories.ActionItemFactory()
    client.force_login(liaison.user)
    assert client.post(f"/visits/next-steps/{item.pk}/done/").status_code == 404


def test_a_liaisons_home_runs_a_fixed_number_of_queries(client, liaison):
    client.force_login(liaison.user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    def add_site(name):
        engagement = assign(liaison, name=name)
        visit = factories.SiteVisitFactory(
            engagement=engagement, liaison=liaison, status=VisitStatus.DRAFT, summary=""
        )
        factories.ActionItemFactory.create_batch(3, visit=visit)

    add_site("Tulsa")
    few = count()
    for n in range(5):
        add_site(f"City {n}")
    # session, user, roles, current sites (with phase, next milestone and last visit),
    # drafts and planned visits, open action items, unread notifications (header)
    assert count() == few == 7
