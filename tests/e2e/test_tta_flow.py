"""A TTA request from intake to close-out, in a real browser, one person at a time."""

import datetime

import pytest
from playwright.sync_api import expect

from psp.accounts.roles import Role
from tests import factories
from tests.e2e.conftest import open_page
from tests.e2e.helpers import assert_accessible
from tta.models import TTARequest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people():
    site = factories.EngagementFactory(site__name="Tulsa", site__state="OK").site
    contact = factories.UserFactory(username="sitecontact", roles=[Role.SITE_CONTACT])
    factories.SiteContactFactory(site=site, user=contact)
    factories.UserFactory(username="coordinator", roles=[Role.COORDINATOR])
    provider = factories.TTAProviderFactory(name="National TTA Center", slug="national")
    provider.staff.add(factories.UserFactory(username="provider", roles=[Role.TTA_PROVIDER]))
    return site


@pytest.fixture
def new_page(browser):
    """Another person's browser window (closed after the test, so no connection lingers)."""
    opened = []

    def new_page():
        opened.append(open_page(browser, viewport={"width": 1280, "height": 900}))
        return opened[-1][1]

    yield new_page
    for context, page in opened:
        context.close()
        assert not page.csp_violations, page.csp_violations


def test_a_request_goes_from_intake_to_close_out(new_page, page, live_server, sign_in, people):
    needed_by = (datetime.date.today() + datetime.timedelta(days=45)).isoformat()

    # The site contact asks for help from the TTA requests page.
    sign_in(page, "sitecontact")
    page.goto(live_server.url + "/tta/")
    page.get_by_role("link", name="Request TTA").click()
    expect(page.get_by_role("heading", name="Request TTA")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Site").select_option(label="Tulsa, OK")
    page.get_by_label("Core area").select_option(label="Crime analysis")
    page.get_by_label("Title").fill("Embedded crime analyst")
    page.get_by_label("Description").fill("Ninety days of analyst support for the shooting review.")
    page.get_by_label("Needed by").fill(needed_by)
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", name="Request submitted")).to_be_visible()
    request_url = live_server.url + f"/tta/{TTARequest.objects.get().pk}/"

    # The coordinator finds it in the triage queue, approves it and assigns a provider.
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    coordinator.goto(live_server.url + "/tta/?status=submitted")
    assert_accessible(coordinator)
    coordinator.get_by_role("link", name="Embedded crime analyst").click()
    expect(coordinator.get_by_text("Submitted", exact=True).first).to_be_visible()
    assert_accessible(coordinator)
    coordinator.get_by_role("button", name="Approve").click()
    expect(coordinator.get_by_role("status").filter(has_text="Approve: done")).to_be_visible()
    coordinator.get_by_label("Provider to assign").select_option(label="National TTA Center")
    coordinator.get_by_role("button", name="Assign provider").click()
    expect(coordinator.get_by_text("Assigned to National TTA Center.")).to_be_visible()

    # The provider's staff start work, record a delivery and mark it delivered.
    provider = new_page()
    sign_in(provider, "provider")
    provider.goto(live_server.url + "/tta/provider/")
    provider.get_by_role("link", name="Embedded crime analyst").click()
    provider.get_by_role("button", name="Start work").click()
    provider.get_by_role("link", name="Record delivery").click()
    provider.get_by_label("Date delivered").fill(datetime.date.today().isoformat())
    provider.get_by_label("Mode").select_option(label="Embedded expert")
    provider.get_by_label("Hours").fill("40")
    provider.get_by_label("Number of participants").fill("6")
    provider.get_by_label("Summary").fill("Analyst embedded with the shooting review team.")
    provider.get_by_role("button", name="Save delivery").click()
    expect(provider.get_by_text("Delivery: Embedded expert, 40.0 hours")).to_be_visible()
    provider.get_by_role("button", name="Mark delivered").click()
    expect(provider.get_by_role("status").filter(has_text="Mark delivered: done")).to_be_visible()

    # The coordinator closes it with the outcome.
    coordinator.goto(request_url)
    coordinator.get_by_label("Outcome").fill("The site now runs weekly shooting reviews.")
    coordinator.get_by_role("button", name="Close").click()
    expect(coordinator.get_by_role("status").filter(has_text="Close: done")).to_be_visible()

    # The site contact sees the final state and the whole story.
    page.goto(request_url)
    expect(page.locator(".tta-status-line")).to_contain_text("Closed")
    expect(page.get_by_text("The site now runs weekly shooting reviews.").first).to_be_visible()
    expect(page.get_by_text("Delivery: Embedded expert")).to_be_visible()
    assert_accessible(page)
    assert TTARequest.objects.get().status == "closed"


def test_the_pages_are_usable_on_a_phone(phone_page, live_server, sign_in, people):
    sign_in(phone_page, "sitecontact")
    phone_page.goto(live_server.url + "/tta/new/")
    assert_accessible(phone_page)
    phone_page.get_by_label("Title").fill("Peer exchange on focused deterrence")
    expect(phone_page.get_by_role("button", name="Submit request")).to_be_visible()
