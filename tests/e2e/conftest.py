"""Browser tests: Playwright driving Debian's headless Chromium against `live_server`.

(The TTA engineer's copy of the shared interface; the UI engineer owns the merged file.)
"""

import os
from pathlib import Path

import pytest

from tests.reference_data import (  # noqa: F401 - fixtures
    _reference_data_after_the_module,
    _reference_data_for_transactional_tests,
)

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls in the same
# thread (factories, assertions) are safe here because nothing else uses that loop.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("PSP_REQUIRE_SERVICES") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(what: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (PSP_REQUIRE_SERVICES=1)")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing(f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username, password="pw-for-tests-2026"):  # noqa: S107 - test fixture
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()

    return sign_in
