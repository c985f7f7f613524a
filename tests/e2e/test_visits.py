"""A liaison's day in a real browser: sign in, log a visit, save a draft, submit it, see it on
the site page; on a phone too; a coordinator returns it; another liaison's site is a 404.
Each page is scanned with axe-core, and the screenshots in docs/screenshots/ come from here."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from liaisons.choices import VisitMode, VisitStatus
from liaisons.services import ActionItemInput, VisitInput, visit_submit
from psp.accounts.roles import Role
from sites.choices import Phase
from sites.models import CoreArea
from sites.services import engagement_start, milestone_complete
from tests import factories
from tests.e2e.helpers import assert_accessible, screenshot

# Live-server tests commit for real (the e2e conftest reloads the migrations' reference data).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def field_world():
    """What a liaison in the middle of an Operations engagement sees."""
    today = timezone.localdate()
    coordinator = factories.UserFactory(
        username="coordinator", first_name="Avery", last_name="Lin", roles=[Role.COORDINATOR]
    )
    liaison = factories.LiaisonFactory(
        user__username="dana", user__first_name="Dana", user__last_name="Whitfield"
    )
    sites = {}
    for name, state, months_ago, left_open in [("Memphis", "TN", 14, 0), ("Tulsa", "OK", 20, 1)]:
        start = today - datetime.timedelta(days=int(months_ago * 30.4))
        engagement = engagement_start(
            site=factories.SiteFactory(
                name=name,
                state=state,
                slug=f"{name.lower()}-{state.lower()}",
                lead_agency=f"{name} Police Department",
            ),
            phase=Phase.OPERATIONS,
            start_date=start,
            today=today,
            actor=coordinator,
        )
        factories.AssignmentFactory(liaison=liaison, engagement=engagement, start_date=start)
        past_due = list(engagement.milestones.filter(due_date__lt=today))
        for milestone in past_due[: len(past_due) - left_open]:
            milestone_complete(
                milestone=milestone,
                completed_on=milestone.due_date,
                actor=coordinator,
                today=today,
            )
        factories.SiteContactFactory(
            site=engagement.site, name="Pat Okafor", title="Violence reduction coordinator"
        )
        factories.FederalPartnerFactory(site=engagement.site, agency="ATF")
        factories.TTARequestFactory(
            site=engagement.site,
            title="Embedded crime analyst for 90 days",
            requested_by=liaison.user,
        )
        visit_submit(
            data=VisitInput(
                site=engagement.site,
                start_date=today - datetime.timedelta(days=23),
                mode=VisitMode.ON_SITE,
                core_areas=list(CoreArea.objects.filter(code__in=["gun-violence"])),
                people_met="Chief of Police; ATF resident agent in charge",
                summary="Reviewed the crime gun intelligence workflow with the working group.",
                internal_notes="Command staff turnover may slow the analyst hiring.",
                action_items=[
                    ActionItemInput(
                        text="Send the draft data-sharing agreement to the USAO",
                        due_date=today + datetime.timedelta(days=9),
                    )
                ],
            ),
            actor=liaison.user,
            today=today,
        )
        sites[name] = engagement.site
    # Work in flight at Tulsa: last week's write-up and next month's trip.
    tulsa = sites["Tulsa"].engagements.get()
    factories.SiteVisitFactory(
        engagement=tulsa,
        liaison=liaison,
        start_date=today - datetime.timedelta(days=5),
        status=VisitStatus.DRAFT,
        summary="",
        internal_notes="",
    )
    factories.SiteVisitFactory(
        engagement=tulsa,
        liaison=liaison,
        start_date=today + datetime.timedelta(days=19),
        status=VisitStatus.PLANNED,
        summary="",
        internal_notes="",
    )
    other = factories.AssignmentFactory(
        liaison__user__username="other-ssl",
        engagement__site__name="Pueblo",
        engagement__site__state="CO",
        engagement__site__slug="pueblo-co",
        engagement__start_date=today - datetime.timedelta(days=100),
        engagement__planned_end=today + datetime.timedelta(days=900),
    )
    return {
        "today": today,
        "liaison": liaison,
        "coordinator": coordinator,
        "memphis": sites["Memphis"],
        "other_site": other.engagement.site,
    }


def fits_the_screen(page) -> None:
    """Nothing wider than the viewport: no sideways scrolling on a phone."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def log_a_visit(page, live_server, world, *, device: str):
    """The whole flow, on whatever page (desktop or phone) is given."""
    today = world["today"]
    expect(page.get_by_role("heading", name="Welcome, Dana")).to_be_visible()
    expect(page.get_by_text("Day ", exact=False).first).to_be_visible()
    assert_accessible(page)
    fits_the_screen(page)
    screenshot(page, f"liaison-home-{device}")

    page.get_by_role("link", name="Log a site visit").click()
    expect(page.get_by_role("heading", name="Log a site visit")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Site").select_option(label="Memphis, TN")
    page.get_by_label("Visit date").fill(today.isoformat())
    page.get_by_label("Visit type").select_option(label="On-site")
    core_areas = page.get_by_role("group", name="Core areas")
    # USWDS draws its own checkboxes; a person clicks the label.
    for area in ["Gun violence", "Crime analysis"]:
        core_areas.locator("label", has_text=area).click()
        expect(core_areas.get_by_label(area)).to_be_checked()
    page.get_by_label("People and agencies met").fill("Deputy Chief Ruiz; USAO violent crime AUSA")
    page.get_by_label("DOJ-internal notes").fill("Analyst position still unfunded.")
    next_steps = page.get_by_role("group", name="Next steps")
    next_steps.get_by_label("Next step", exact=True).first.fill(
        "Schedule the peer exchange with Tulsa"
    )
    next_steps.get_by_label("Due date").first.fill(
        (today + datetime.timedelta(days=14)).isoformat()
    )
    # htmx adds a row in place; an empty extra row is ignored on save.
    next_steps.get_by_role("button", name="Add a next step").click()
    expect(next_steps.get_by_label("Next step", exact=True)).to_have_count(2)
    fits_the_screen(page)
    screenshot(page, f"visit-form-{device}")

    # Submitting without the summary: a clear message next to the field, nothing lost.
    page.get_by_role("button", name="Submit visit").click()
    expect(page.get_by_text("The visit was not saved")).to_be_visible()
    expect(page.locator("#id_summary_error")).to_contain_text("summary")
    expect(page.get_by_label("People and agencies met")).to_have_value(
        "Deputy Chief Ruiz; USAO violent crime AUSA"
    )
    expect(
        page.get_by_role("group", name="Core areas").get_by_label("Crime analysis")
    ).to_be_checked()
    expect(
        page.get_by_role("group", name="Next steps").get_by_label("Next step", exact=True).first
    ).to_have_value("Schedule the peer exchange with Tulsa")
    assert_accessible(page)
    screenshot(page, f"visit-form-errors-{device}")

    page.get_by_label("Summary").fill(
        "Walked through the NIBIN lead workflow with the crime gun intelligence unit."
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft visit to Memphis, TN saved.")).to_be_visible()
    expect(page.locator(".usa-tag", has_text="Draft")).to_be_visible()

    page.get_by_role("link", name="Edit visit").click()
    expect(page.get_by_label("Summary")).to_have_value(re.compile("NIBIN lead workflow"))
    page.get_by_role("button", name="Submit visit").click()
    expect(page.get_by_text("Visit to Memphis, TN submitted.")).to_be_visible()
    expect(page.get_by_text("Schedule the peer exchange with Tulsa")).to_be_visible()

    page.get_by_role("link", name="← Memphis, TN").click()
    expect(page.get_by_role("heading", name="Memphis, TN", level=1)).to_be_visible()
    visit_link = page.get_by_role("link", name=re.compile(f"{today:%-d %b %Y} — On-site visit"))
    expect(visit_link).to_be_visible()
    expect(page.locator("li", has=visit_link).get_by_text("Submitted")).to_be_visible()
    assert_accessible(page)
    fits_the_screen(page)
    screenshot(page, f"site-page-{device}")


def test_a_liaison_logs_a_visit_saves_a_draft_submits_it_and_sees_it_on_the_site_page(
    page, sign_in, live_server, field_world
):
    sign_in(page, "dana")
    log_a_visit(page, live_server, field_world, device="desktop")
    page.goto(live_server.url + "/visits/")
    expect(page.get_by_role("heading", name="Visits")).to_be_visible()
    page.get_by_label("Status").select_option(label="Submitted")
    page.get_by_label("Core area").select_option(label="Crime analysis")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"status=submitted.*core_area=crime-analysis"))
    expect(page.get_by_text("1 visit.")).to_be_visible()
    assert_accessible(page)


def test_the_same_flow_works_at_phone_width(phone_page, sign_in, live_server, field_world):
    sign_in(phone_page, "dana")
    log_a_visit(phone_page, live_server, field_world, device="phone")
    # The primary navigation folds behind a menu button on a phone.
    phone_page.get_by_role("button", name="Menu").click()
    primary = phone_page.get_by_role("navigation", name="Primary")
    primary.get_by_role("link", name="Visits").click()
    expect(phone_page.get_by_role("heading", name="Visits")).to_be_visible()
    assert_accessible(phone_page)


def test_a_coordinator_returns_a_visit_and_the_liaison_sees_the_note(
    browser, page, sign_in, live_server, field_world
):
    visit = field_world["memphis"].visits.get(status=VisitStatus.SUBMITTED)
    sign_in(page, "coordinator")
    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    page.get_by_label("Note to the liaison").fill("Please list who attended from the DA's office.")
    page.get_by_role("button", name="Return to draft").click()
    expect(page.get_by_text("Visit returned to Dana Whitfield")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "dana")
    expect(page.get_by_text("Returned: Please list who attended")).to_be_visible()
    page.get_by_role("link", name=re.compile("Memphis, TN, .*")).first.click()
    returned = page.get_by_role("region", name="Returned by a coordinator")
    expect(returned).to_contain_text("Please list who attended from the DA's office.")


def test_two_tabs_editing_one_draft_get_a_clear_conflict_and_both_versions(
    browser, page, sign_in, live_server, field_world
):
    sign_in(page, "dana")
    page.get_by_role("link", name="Log a site visit").click()
    page.get_by_label("Site").select_option(label="Memphis, TN")
    page.get_by_role("button", name="Save draft").click()
    edit_url = page.get_by_role("link", name="Edit visit").get_attribute("href")

    page.goto(live_server.url + edit_url)
    second_tab = page.context.new_page()
    second_tab.goto(live_server.url + edit_url)
    page.get_by_label("Summary").fill("Written in the first tab")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft visit to Memphis, TN saved.")).to_be_visible()

    second_tab.get_by_label("Summary").fill("Written in the second tab")
    second_tab.get_by_role("button", name="Save draft").click()
    expect(second_tab.get_by_text("This visit was changed somewhere else")).to_be_visible()
    comparison = second_tab.get_by_role("table", name=re.compile("Your version and the saved"))
    expect(comparison).to_contain_text("Written in the first tab")
    expect(comparison).to_contain_text("Written in the second tab")
    expect(second_tab.get_by_label("Summary")).to_have_value("Written in the second tab")
    assert_accessible(second_tab)


def test_a_liaison_cannot_open_another_liaisons_site(page, sign_in, live_server, field_world):
    sign_in(page, "dana")
    response = page.goto(live_server.url + field_world["other_site"].get_absolute_url())
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_the_accessibility_check_fails_on_serious_violations(page):
    page.set_content("<html><body><main><button></button><img src='x.png'></main></body></html>")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    assert "button-name" in str(failure.value)
    assert "image-alt" in str(failure.value)


def test_past_the_count_cap_a_liaison_pages_with_next_to_the_oldest_visit(
    page, sign_in, live_server, monkeypatch
):
    # The live server runs in this process: a cap of 3 and two visits a page stand for 1,000
    # and 25.
    monkeypatch.setattr("psp.paginator.COUNT_CAP", 3)
    monkeypatch.setattr("liaisons.views.VISITS_PER_PAGE", 2)
    assignment = factories.AssignmentFactory(liaison__user__username="ssl")
    today = timezone.localdate()
    for weeks_ago in range(1, 8):
        factories.SiteVisitFactory(
            engagement=assignment.engagement,
            liaison=assignment.liaison,
            start_date=today - datetime.timedelta(weeks=weeks_ago),
        )
    sign_in(page, "ssl")
    page.goto(live_server.url + "/visits/")
    expect(page.get_by_role("status")).to_have_text("Showing 1\N{EN DASH}2 of more than 3 visits.")
    pagination = page.get_by_role("navigation", name="Pagination")
    pagination.get_by_role("link", name="Next page").click()
    pagination.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("status")).to_have_text("Showing 5\N{EN DASH}6 of more than 6 visits.")
    # 1 … 2 3 4 …: no last page, which the list does not know.
    expect(pagination.get_by_role("link", name="Page 3")).to_have_attribute("aria-current", "page")
    expect(pagination.get_by_role("link", name="Page 1")).to_be_visible()
    assert_accessible(page)
    pagination.get_by_role("link", name="Next page").click()
    expect(page.get_by_role("status")).to_have_text("Showing 7\N{EN DASH}7 of 7 visits.")
    oldest = today - datetime.timedelta(weeks=7)
    expect(page.get_by_role("link", name=f"{oldest:%-d %b %Y}")).to_be_visible()
    expect(pagination.get_by_role("link", name="Next page")).to_have_count(0)
    pagination.get_by_role("link", name="Previous page").click()
    expect(page).to_have_url(re.compile(r"page=3$"))


def test_a_coordinator_finds_a_site_by_typing_part_of_its_name(
    page, sign_in, live_server, field_world, monkeypatch
):
    # The live server runs in this process: two options stand for the hundred a select lists
    # before it asks for a search (make bench: thousands of sites).
    monkeypatch.setattr("psp.filters.PICKER_OPTIONS", 2)
    factories.SiteFactory(name="Dayton", state="OH", slug="dayton-oh")
    sign_in(page, "coordinator")
    page.goto(live_server.url + "/visits/")
    site = page.get_by_label("Site", exact=True)
    expect(site.locator("option")).to_have_text(["All sites", "Dayton, OH", "Memphis, TN"])
    expect(page.get_by_text("The first 2 sites are listed: search for the others.")).to_be_visible()

    page.get_by_label("Search sites").press_sequentially("tul")
    # htmx swaps in the matching options as the coordinator types.
    expect(page.get_by_text("1 site matches “tul”.")).to_be_visible()
    expect(site.locator("option")).to_have_text(["All sites", "Tulsa, OK"])
    site.select_option(label="Tulsa, OK")
    assert_accessible(page)
    screenshot(page, "visits-site-search")
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(r"site=tulsa-ok"))
    expect(page.get_by_label("Site", exact=True)).to_have_value("tulsa-ok")
    sites = page.locator('td[data-label="Site"]')
    expect(sites.first).to_have_text("Tulsa, OK")
    assert set(sites.all_inner_texts()) == {"Tulsa, OK"}
    assert page.csp_violations == []
