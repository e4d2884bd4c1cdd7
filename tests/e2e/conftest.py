"""Browser fixtures: Playwright's sync API driving Debian's Chromium against `live_server`.

Playwright's own browser download is never used; `CHROMIUM` must exist (see `make browser`).
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread, and Django refuses
# synchronous database access from a thread with a running loop unless told otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except BaseException:
        playwright.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@contextmanager
def _open_page(browser, **context_options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
    try:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser):
    """A fresh page in its own browser context (no cookies or storage shared between tests)."""
    with _open_page(browser) as page:
        yield page


@pytest.fixture
def page_without_js(browser):
    """Like `page`, but JavaScript is disabled, as for a reader whose script failed to load."""
    with _open_page(browser, java_script_enabled=False) as page:
        yield page


def admin_sign_in(page, live_server, user, *, password: str, then: str = "/admin/") -> None:
    """Sign ``user`` in through the admin's own form in ``page``, landing on ``then``."""
    page.goto(f"{live_server.url}/admin/login/?next={then}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url == live_server.url + then, f"sign-in failed, at {page.url}"
