"""A coordinator's portfolio dashboard in a real browser: the charts draw under the strict
Content-Security-Policy, a filter changes every widget, and axe-core finds nothing serious."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from liaisons.models import Liaison
from psp.accounts.roles import Role
from sites.choices import Phase
from sites.models import CoreArea
from tests import factories
from tests.e2e.helpers import assert_accessible, screenshot
from tta.choices import RequestStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def portfolio_world():
    today = timezone.localdate()
    days = datetime.timedelta
    factories.UserFactory(username="coordinator", roles=[Role.COORDINATOR])
    ana = factories.LiaisonFactory(user__first_name="Ana", user__last_name="Ruiz")
    ben = factories.LiaisonFactory(user__first_name="Ben", user__last_name="Cole")
    for name, state, cohort, liaison, area, visit_days_ago in [
        ("Austin", "TX", 2023, ana, "crime-analysis", 5),
        ("Dayton", "OH", 2024, ben, "technology", 100),
    ]:
        engagement = factories.EngagementFactory(
            site__name=name,
            site__state=state,
            site__cohort_year=cohort,
            phase=Phase.OPERATIONS,
            start_date=today - days(400),
            planned_end=today + days(700),
        )
        factories.AssignmentFactory(engagement=engagement, liaison=liaison)
        factories.SiteVisitFactory(
            engagement=engagement, liaison=liaison, start_date=today - days(visit_days_ago)
        )
        factories.MilestoneFactory(
            engagement=engagement, title=f"{name} plan", due_date=today - days(10)
        )
        factories.TTARequestFactory(
            site=engagement.site,
            core_area=CoreArea.objects.get(code=area),
            status=RequestStatus.APPROVED,
        )
    # Dayton is also missing two more milestones, so it is at risk.
    dayton = factories.SiteFactory._meta.model.objects.get(name="Dayton")
    for offset in (30, 60):
        factories.MilestoneFactory(
            engagement=dayton.engagements.get(), due_date=today - days(offset)
        )


def test_a_coordinator_filters_the_dashboard_and_every_widget_changes(
    page, sign_in, live_server, portfolio_world
):
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Portfolio").first.click()
    expect(page.get_by_role("heading", name="Portfolio", level=1)).to_be_visible()

    widgets = {
        "summary": page.locator("#dashboard-summary"),
        "at risk": page.locator("#at-risk-table"),
        "phase": page.locator("#phase-status-table"),
        "cohort": page.locator("#cohort-table"),
        "milestones": page.locator("#milestone-counts"),
        "pipeline": page.locator("#pipeline-table"),
        "cadence": page.locator("#cadence-list"),
        "workload": page.locator("#workload-table"),
    }
    expect(widgets["summary"]).to_contain_text("2 sites · 1 at risk")
    expect(widgets["at risk"]).to_contain_text("Dayton")
    # The charts are drawn (Chart.js from static/, data from json_script blocks).
    expect(page.locator("canvas.psp-chart").first).to_be_visible()
    before = {name: widget.inner_text() for name, widget in widgets.items()}
    assert_accessible(page)
    screenshot(page, "portfolio-dashboard")

    page.get_by_label("State").fill("TX")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()

    assert "state=TX" in page.url
    expect(widgets["summary"]).to_contain_text("1 site · 0 at risk")
    after = {name: widget.inner_text() for name, widget in widgets.items()}
    changed = [name for name in widgets if after[name] != before[name]]
    assert changed == list(widgets), f"unchanged: {set(widgets) - set(changed)}"
    expect(widgets["pipeline"]).not_to_contain_text("Technology")
    expect(widgets["workload"]).not_to_contain_text("Ben")
    expect(page.get_by_role("link", name="Download CSV").first).to_have_attribute(
        "href", "/portfolio/exports/sites.csv?state=TX"
    )
    assert_accessible(page)


def test_the_dashboard_is_usable_without_javascript(browser, sign_in, live_server, portfolio_world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, "coordinator")
        page.goto(live_server.url + "/portfolio/?state=OH")
        expect(page.locator("#dashboard-summary")).to_contain_text("1 site · 1 at risk")
        expect(page.locator("#pipeline-table")).to_contain_text("Technology")
        # Without JavaScript the charts stay hidden and the tables carry the numbers.
        expect(page.locator("canvas.psp-chart").first).to_be_hidden()
    finally:
        context.close()


def test_a_coordinator_drafts_and_publishes_a_report_and_it_is_accessible(
    page, sign_in, live_server, portfolio_world
):
    today = timezone.localdate()
    year, quarter = (today.year, (today.month - 1) // 3 + 1)
    sign_in(page, "coordinator")
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_label("Quarter", exact=True).select_option(f"{year}-{quarter}")
    with page.expect_navigation():
        page.get_by_role("button", name="Start a draft").click()

    expect(
        page.get_by_role("heading", name=f"PSP quarterly snapshot — Q{quarter} {year}")
    ).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Introduction").fill("A quarter of steady work.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Publish").click()

    expect(page.locator("#report-state")).to_contain_text("The content is frozen")
    expect(page.get_by_text("A quarter of steady work.")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    assert_accessible(page)
    # Printed, the page drops the navigation and keeps the report.
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download PDF")).to_be_hidden()
    expect(page.get_by_text("A quarter of steady work.")).to_be_visible()


def test_a_coordinator_finds_a_liaison_to_filter_by_typing_part_of_a_name(
    page, sign_in, live_server, monkeypatch
):
    # The live server runs in this process: one option stands for the hundred the liaison
    # select lists before it asks for a search.
    monkeypatch.setattr("psp.filters.PICKER_OPTIONS", 1)
    factories.UserFactory(username="coordinator", roles=[Role.COORDINATOR])
    for first, last in [("Ana", "Ruiz"), ("Bo", "Chen"), ("Cy", "Diaz")]:
        factories.AssignmentFactory(liaison__user__first_name=first, liaison__user__last_name=last)
    sign_in(page, "coordinator")
    page.goto(live_server.url + "/portfolio/")
    liaison = page.get_by_label("Liaison", exact=True)
    expect(liaison.locator("option")).to_have_text(["Any liaison", "Bo Chen"])

    page.get_by_label("Search liaisons").press_sequentially("dia")
    expect(page.get_by_text("1 liaison matches “dia”.")).to_be_visible()
    liaison.select_option(label="Cy Diaz")
    assert_accessible(page)
    page.get_by_role("button", name="Apply filters").click()

    diaz = Liaison.objects.get(user__last_name="Diaz")
    expect(page).to_have_url(re.compile(rf"liaison={diaz.pk}"))
    expect(page.get_by_label("Liaison", exact=True)).to_have_value(str(diaz.pk))
    expect(page.get_by_text(re.compile(r"^1 site ·"))).to_be_visible()
    assert page.csp_violations == []
