"""Visit pages: the permission matrix, the form's validation and conflicts, the list's filters
and query counts."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaisons.choices import VisitStatus
from liaisons.models import SiteVisit
from psp.accounts.roles import Role
from sites.models import CoreArea
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
NOON_15_MARCH_2026 = datetime.datetime(
    2026, 3, 15, 12, tzinfo=zoneinfo.ZoneInfo("America/New_York")
)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOON_15_MARCH_2026, tick=False):
        yield


@pytest.fixture
def world():
    """A liaison with a site, a colleague with another site, and a contact at the first."""
    mine = factories.AssignmentFactory(liaison__user__username="ssl")
    theirs = factories.AssignmentFactory(liaison__user__username="other-ssl")
    contact = factories.UserFactory(username="contact", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=mine.engagement.site, user=contact)
    return {
        "liaison": mine.liaison.user,
        "site": mine.engagement.site,
        "engagement": mine.engagement,
        "other": theirs.liaison.user,
        "other_site": theirs.engagement.site,
        "contact": contact,
    }


def visit_of(world, **kwargs):
    defaults = {
        "engagement": world["engagement"],
        "liaison": world["liaison"].liaison,
        "start_date": D(2026, 3, 1),
    }
    return factories.SiteVisitFactory(**{**defaults, **kwargs})


def form_data(site, **overrides):
    data = {
        "site": site.pk,
        "start_date": "2026-03-10",
        "end_date": "",
        "mode": "on_site",
        "purpose": "Working group",
        "core_areas": [
            CoreArea.objects.get(code="gun-violence").pk,
            CoreArea.objects.get(code="technology").pk,
        ],
        "people_met": "Chief Ortiz; ATF RAC",
        "summary": "Reviewed the NIBIN workflow.",
        "internal_notes": "Budget risk.",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-id": "",
        "items-0-text": "Send the MOU draft",
        "items-0-owner_name": "",
        "items-0-due_date": "2026-04-01",
    }
    data.update(overrides)
    return data


def error_next_to(html: str, field_id: str) -> str:
    """The error message rendered for a field (USWDS: `<span id="<id>_error">`)."""
    match = re.search(rf'id="{field_id}_error"[^>]*>([^<]+)<', html)
    return match.group(1) if match else ""


# --- permission matrix --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/visits/",
        "/visits/new/",
        "/visits/1/",
        "/visits/1/edit/",
        "/visits/new/next-step-row/",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "draft", "submitted", "other_liaisons_draft"),
    [
        ("liaison", 200, 200, 404),
        ("other", 404, 404, 200),
        ("coordinator", 200, 200, 200),
        ("contact", 404, 200, 404),
        ("provider", 404, 404, 404),
        ("integration", 404, 200, 404),
    ],
)
def test_who_can_open_which_visit(client, world, who, draft, submitted, other_liaisons_draft):
    users = {
        **world,
        "coordinator": factories.UserFactory(roles=[Role.COORDINATOR]),
        "provider": factories.UserFactory(roles=[Role.TTA_PROVIDER]),
        "integration": factories.UserFactory(roles=[Role.INTEGRATION]),
    }
    mine_draft = visit_of(world, status=VisitStatus.DRAFT, summary="")
    mine_submitted = visit_of(world)
    theirs = factories.SiteVisitFactory(
        engagement=world["other_site"].engagements.get(),
        liaison=world["other"].liaison,
        status=VisitStatus.DRAFT,
        summary="",
    )
    client.force_login(users[who])
    assert client.get(f"/visits/{mine_draft.pk}/").status_code == draft
    assert client.get(f"/visits/{mine_submitted.pk}/").status_code == submitted
    assert client.get(f"/visits/{theirs.pk}/").status_code == other_liaisons_draft


def test_a_site_contact_sees_the_shared_summary_but_never_internal_notes(client, world):
    visit = visit_of(world, summary="Shared with the city.", internal_notes="SECRET-NOTE")
    client.force_login(world["contact"])
    html = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "Shared with the city." in html
    assert "SECRET-NOTE" not in html
    assert "DOJ-internal notes" not in html
    listing = client.get("/visits/").content.decode()
    assert "SECRET-NOTE" not in listing
    site_page = client.get(world["site"].get_absolute_url()).content.decode()
    assert "SECRET-NOTE" not in site_page


def test_a_site_contact_never_sees_drafts_in_lists_or_on_the_site_page(client, world):
    visit_of(world, status=VisitStatus.DRAFT, summary="", start_date=D(2026, 2, 27))
    visit_of(world, start_date=D(2026, 2, 1))
    client.force_login(world["contact"])
    listing = client.get("/visits/")
    assert [v.status for v in listing.context["page"]] == [VisitStatus.SUBMITTED]
    site_page = client.get(world["site"].get_absolute_url())
    assert [v.status for v in site_page.context["page"].visits] == [VisitStatus.SUBMITTED]
    assert "27 Feb 2026" not in site_page.content.decode()


def test_colleagues_internal_notes_are_visible_to_doj_staff(client, world):
    visit = visit_of(world, internal_notes="Chief retiring.")
    client.force_login(factories.UserFactory(roles=[Role.COORDINATOR]))
    assert "Chief retiring." in client.get(f"/visits/{visit.pk}/").content.decode()


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.SITE_CONTACT, Role.TTA_PROVIDER])
def test_only_liaisons_get_the_visit_form(client, role):
    client.force_login(factories.UserFactory(roles=[role]))
    assert client.get("/visits/new/").status_code == 403


def test_a_liaison_cannot_edit_another_liaisons_visit(client, world):
    theirs = factories.SiteVisitFactory(
        engagement=world["other_site"].engagements.get(),
        liaison=world["other"].liaison,
        status=VisitStatus.DRAFT,
        summary="",
    )
    client.force_login(world["liaison"])
    assert client.get(f"/visits/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/visits/{theirs.pk}/edit/", form_data(world["site"])).status_code == 404


def test_a_submitted_visit_opens_read_only(client, world):
    visit = visit_of(world)
    client.force_login(world["liaison"])
    response = client.get(f"/visits/{visit.pk}/edit/")
    assert response.status_code == 302
    assert response.url == f"/visits/{visit.pk}/"


# --- the form -----------------------------------------------------------------------------


def test_the_form_offers_only_the_liaisons_current_sites(client, world):
    client.force_login(world["liaison"])
    response = client.get("/visits/new/")
    assert list(response.context["form"].fields["site"].queryset) == [world["site"]]
    html = response.content.decode()
    for name in ["Site", "Visit date", "Visit type", "Summary"]:
        assert re.search(rf"<label[^>]*>{name}", html), name
    assert '<legend class="usa-legend">Core areas</legend>' in html
    assert '<legend class="usa-legend">Next steps</legend>' in html
    assert ">Save draft</button>" in html
    assert ">Submit visit</button>" in html


def test_saving_a_draft_with_two_core_areas_and_a_next_step(client, world):
    client.force_login(world["liaison"])
    response = client.post("/visits/new/", form_data(world["site"], save=""))
    visit = SiteVisit.objects.get()
    assert response.status_code == 302
    assert response.url == f"/visits/{visit.pk}/"
    assert visit.status == VisitStatus.DRAFT
    assert visit.core_areas.count() == 2
    assert visit.action_items.get().owner == world["liaison"]


def test_submitting_locks_the_visit(client, world):
    client.force_login(world["liaison"])
    client.post("/visits/new/", form_data(world["site"], submit=""))
    visit = SiteVisit.objects.get()
    assert visit.status == VisitStatus.SUBMITTED
    assert (
        b"can no longer be changed" in client.get(f"/visits/{visit.pk}/edit/", follow=True).content
    )


def test_a_visit_in_the_future_is_saved_as_planned_and_later_waits_for_a_write_up(client, world):
    client.force_login(world["liaison"])
    client.post("/visits/new/", form_data(world["site"], start_date="2026-03-20", save=""))
    visit = SiteVisit.objects.get()
    assert visit.status == VisitStatus.PLANNED
    assert b"Waiting for write-up" not in client.get("/").content
    with time_machine.travel(NOON_15_MARCH_2026 + datetime.timedelta(days=6), tick=False):
        # Six idle days end any session (idle timeout); the liaison signs in again.
        client.force_login(world["liaison"])
        assert b"Waiting for write-up" in client.get("/").content
        assert b"Write up this visit" in client.get(f"/visits/{visit.pk}/").content


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"end_date": "2026-03-09"}, "id_end_date", "cannot be before the visit date"),
        ({"summary": "", "submit": ""}, "id_summary", "summary you are sharing"),
        ({"items-0-due_date": "", "submit": ""}, "id_items-0-due_date", "due date"),
        ({"start_date": ""}, "id_start_date", "required"),
    ],
)
def test_errors_appear_next_to_the_field_and_keep_what_was_typed(
    client, world, overrides, field_id, message
):
    client.force_login(world["liaison"])
    response = client.post("/visits/new/", form_data(world["site"], **overrides))
    html = response.content.decode()
    assert response.status_code == 400
    assert message in error_next_to(html, field_id)
    assert f'aria-describedby="{field_id}_error' in html
    assert "Chief Ortiz; ATF RAC" in html
    assert "Send the MOU draft" in html
    assert "Budget risk." in html
    assert not SiteVisit.objects.exists()


def test_a_tampered_site_is_refused_next_to_the_field(client, world):
    client.force_login(world["liaison"])
    response = client.post("/visits/new/", form_data(world["other_site"], submit=""))
    assert response.status_code == 400
    assert "sites you are assigned to" in error_next_to(response.content.decode(), "id_site")
    assert not SiteVisit.objects.exists()


def test_a_stale_save_shows_both_versions_and_keeps_the_saved_one(client, world):
    visit = visit_of(world, status=VisitStatus.DRAFT, summary="From the laptop")
    client.force_login(world["liaison"])
    page = client.get(f"/visits/{visit.pk}/edit/")
    opened_version = page.context["form"].initial["version"]
    SiteVisit.objects.filter(pk=visit.pk).update(version=opened_version + 1)
    response = client.post(
        f"/visits/{visit.pk}/edit/",
        form_data(world["site"], version=opened_version, summary="From the phone", save=""),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed somewhere else" in html
    assert "From the laptop" in html
    assert "From the phone" in html
    visit.refresh_from_db()
    assert visit.summary == "From the laptop"
    # Saving again after seeing both versions is a deliberate choice, and it goes through.
    assert response.context["form"].data["version"] == opened_version + 1
    again = client.post(
        f"/visits/{visit.pk}/edit/",
        form_data(world["site"], version=opened_version + 1, summary="From the phone", save=""),
    )
    assert again.status_code == 302
    visit.refresh_from_db()
    assert visit.summary == "From the phone"


def test_the_next_step_row_endpoint_returns_a_row_and_the_new_total(client, world):
    client.force_login(world["liaison"])
    html = client.get("/visits/new/next-step-row/", {"items-TOTAL_FORMS": "2"}).content.decode()
    assert 'name="items-2-text"' in html
    assert 'name="items-2-due_date"' in html
    assert 'value="3" id="id_items-TOTAL_FORMS" hx-swap-oob="true"' in html


def test_removing_a_next_step_deletes_it(client, world):
    client.force_login(world["liaison"])
    client.post("/visits/new/", form_data(world["site"], save=""))
    visit = SiteVisit.objects.get()
    item = visit.action_items.get()
    client.post(
        f"/visits/{visit.pk}/edit/",
        form_data(
            world["site"],
            **{
                "version": visit.version,
                "items-INITIAL_FORMS": "1",
                "items-0-id": item.pk,
                "items-0-DELETE": "on",
                "save": "",
            },
        ),
    )
    assert not visit.action_items.exists()


# --- returning a visit --------------------------------------------------------------------


def test_a_coordinator_returns_a_visit_and_the_liaison_sees_the_note(client, world):
    visit = visit_of(world)
    client.force_login(factories.UserFactory(roles=[Role.COORDINATOR]))
    response = client.post(
        f"/visits/{visit.pk}/return/", {"returned_note": "Name the DA's attendees."}
    )
    assert response.status_code == 302
    client.force_login(world["liaison"])
    assert b"Name the DA&#x27;s attendees." in client.get(f"/visits/{visit.pk}/edit/").content
    assert b"Name the DA&#x27;s attendees." in client.get("/").content


def test_returning_without_a_note_explains_what_is_missing(client, world):
    visit = visit_of(world)
    client.force_login(factories.UserFactory(roles=[Role.COORDINATOR]))
    response = client.post(f"/visits/{visit.pk}/return/", {"returned_note": ""})
    assert response.status_code == 400
    assert b"what needs to change" in response.content


@pytest.mark.parametrize("who", ["liaison", "contact"])
def test_only_coordinators_return_visits(client, world, who):
    visit = visit_of(world)
    client.force_login(world[who])
    assert client.post(f"/visits/{visit.pk}/return/", {"returned_note": "x"}).status_code == 403


def test_returning_someone_elses_invisible_visit_is_404(client, world):
    visit = visit_of(world, status=VisitStatus.DRAFT, summary="")
    client.force_login(world["other"])
    assert client.post(f"/visits/{visit.pk}/return/", {"returned_note": "x"}).status_code == 404


# --- the list -----------------------------------------------------------------------------


def test_the_list_filters_by_every_documented_filter(client, world):
    gun = CoreArea.objects.get(code="gun-violence")
    early = visit_of(world, start_date=D(2026, 1, 5))
    early.core_areas.add(gun)
    late = visit_of(world, start_date=D(2026, 3, 1), status=VisitStatus.DRAFT, summary="")
    liaison_id = world["liaison"].liaison.pk
    client.force_login(factories.UserFactory(roles=[Role.COORDINATOR]))

    def listed(**params):
        return [v.pk for v in client.get("/visits/", params).context["page"]]

    assert listed() == [late.pk, early.pk]
    assert listed(site=world["site"].slug) == [late.pk, early.pk]
    assert listed(site=world["other_site"].slug) == []
    assert listed(liaison=liaison_id) == [late.pk, early.pk]
    assert listed(status="draft") == [late.pk]
    assert listed(core_area="gun-violence") == [early.pk]
    assert listed(date_after="2026-02-01") == [late.pk]
    assert listed(date_before="2026-02-01") == [early.pk]
    # The API's `updated_since` is for syncing clients, not a field people are offered.
    fields = client.get("/visits/").context["filterset"].form.fields
    assert list(fields) == ["site", "liaison", "status", "core_area", "date_after", "date_before"]


def test_filtering_by_a_site_the_user_may_not_see_shows_an_error_and_no_rows(client, world):
    visit_of(world)
    client.force_login(world["liaison"])
    response = client.get("/visits/", {"site": world["other_site"].slug})
    assert list(response.context["page"]) == []
    assert response.context["filterset"].errors["site"]


def test_a_liaison_lists_only_visits_they_may_see(client, world):
    mine = visit_of(world, status=VisitStatus.DRAFT, summary="")
    factories.SiteVisitFactory(
        engagement=world["other_site"].engagements.get(), liaison=world["other"].liaison
    )
    client.force_login(world["liaison"])
    assert [v.pk for v in client.get("/visits/").context["page"]] == [mine.pk]


def test_the_list_paginates_and_keeps_filters_in_page_links(client, world):
    for day in range(1, 30):
        visit_of(world, start_date=D(2026, 1, day))
    client.force_login(world["liaison"])
    html = client.get("/visits/", {"status": "submitted"}).content.decode()
    assert "Page 1 of 2" in html
    assert "?status=submitted&amp;page=2" in html
    assert "29 visits." in html
    assert "more than" not in html


@pytest.fixture
def small_pages(monkeypatch):
    """Two visits a page, and a count that stops at three visits."""
    monkeypatch.setattr("psp.paginator.COUNT_CAP", 3)
    monkeypatch.setattr("liaisons.views.VISITS_PER_PAGE", 2)


def test_past_the_cap_next_links_reach_the_oldest_visit(client, world, small_pages):
    visits = [visit_of(world, start_date=D(2026, 1, day)) for day in range(1, 8)]
    visit_of(world, start_date=D(2026, 1, 9), status=VisitStatus.DRAFT, summary="")
    client.force_login(world["liaison"])
    seen, statuses, query = [], [], "status=submitted"
    while query:
        response = client.get(f"/visits/?{query}")
        seen += [visit.pk for visit in response.context["page"]]
        html = response.content.decode()
        statuses.append(re.search(r'<p role="status">(.*?)</p>', html).group(1))
        next_link = re.search(r'href="\?([^"]*)" rel="next"', html)
        query = next_link and next_link.group(1).replace("&amp;", "&")
    assert seen == [visit.pk for visit in reversed(visits)]  # newest first, to the oldest
    assert statuses == [
        "Showing 1\N{EN DASH}2 of more than 3 visits.",
        "Showing 3\N{EN DASH}4 of more than 4 visits.",
        "Showing 5\N{EN DASH}6 of more than 6 visits.",
        "Showing 7\N{EN DASH}7 of 7 visits.",
    ]


def test_a_capped_list_links_the_pages_around_this_one_and_no_last_page(client, world, small_pages):
    for day in range(1, 8):
        visit_of(world, start_date=D(2026, 1, day))
    client.force_login(world["liaison"])
    html = client.get("/visits/", {"status": "submitted", "page": 2}).content.decode()
    assert 'href="?status=submitted&amp;page=3" rel="next" aria-label="Next page"' in html
    assert 'aria-label="Page 2" aria-current="page"' in html
    assert 'aria-label="Page 4"' not in html  # the last page: unknown to the list
    assert "Page 2 of" not in html


def test_a_page_past_the_end_of_a_capped_list_is_not_found(client, world, small_pages):
    for day in range(1, 6):
        visit_of(world, start_date=D(2026, 1, day))
    client.force_login(world["liaison"])
    assert client.get("/visits/", {"page": 3}).status_code == 200
    assert client.get("/visits/", {"page": 4}).status_code == 404
    assert client.get("/visits/", {"page": "last"}).context["page"].number == 1


def test_a_capped_list_runs_the_same_queries_on_every_page(client, world, small_pages):
    client.force_login(factories.UserFactory(roles=[Role.COORDINATOR]))
    areas = list(CoreArea.objects.all()[:2])
    for day in range(1, 8):
        visit_of(world, start_date=D(2026, 1, day)).core_areas.set(areas)

    def count(page):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/visits/", {"page": page})
        assert response.context["page"].paginator.is_capped
        return len(queries)

    # As on an uncapped list: session, user, roles, two-factor devices (coordinator), the
    # capped count of visits, the page of visits and one more (with site and liaison), their
    # core areas; filter choices: sites, liaisons, core areas; unread notifications (header)
    assert count(1) == count(2) == count(4) == 11


def test_the_list_runs_a_fixed_number_of_queries(client, world):
    client.force_login(factories.UserFactory(roles=[Role.COORDINATOR]))
    areas = list(CoreArea.objects.all()[:2])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/visits/").status_code == 200
        return len(queries)

    for visit in [visit_of(world, start_date=D(2026, 1, d)) for d in (1, 2)]:
        visit.core_areas.set(areas)
    few = count()
    for visit in [visit_of(world, start_date=D(2026, 2, d)) for d in range(1, 21)]:
        visit.core_areas.set(areas)
    # session, user, roles, two-factor devices (coordinator), count of visits, the page of
    # visits (with site and liaison), their core areas; filter choices: sites, liaisons,
    # core areas; unread notifications (header)
    assert count() == few == 11
