"""Browser tests in a real headless Chromium (Debian's, at /usr/bin/chromium), driven by
Playwright against pytest-django's `live_server`. No browser is downloaded.

Shared contract (UI and TTA engineers): fixtures `browser` (session), `page` (desktop,
1280x900), `phone_page` (390x844, mobile) and `sign_in`; `tests.e2e.helpers.assert_accessible`.
"""

import os
from pathlib import Path

import pytest

from tests.reference_data import reload_reference_data

# Playwright's sync API runs an event loop in the test thread; Django's ORM would otherwise
# refuse to run there ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TEST_PASSWORD = "pw-for-tests-2026"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see docs/ui.md)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def open_page(browser, **context_options):
    """A fresh context and page that records Content-Security-Policy violations, so a page
    that relies on an inline script or style fails its browser test."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return context, page


@pytest.fixture
def page(browser):
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()
    assert not page.csp_violations, page.csp_violations


@pytest.fixture
def phone_page(browser):
    context, page = open_page(
        browser,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield page
    context.close()
    assert not page.csp_violations, page.csp_violations


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username, password=TEST_PASSWORD):
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    return sign_in


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Live-server tests commit for real; see `tests.reference_data`."""
    reload_reference_data()
