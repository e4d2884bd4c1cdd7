"""The Content-Security-Policy in Chromium: the public pages, their scripts at work, the
holding page and the admin's editors run without one violation.

Violations are seen two ways: Chromium's console ("Refused to ...") and the
`securitypolicyviolation` events of each document, reported to the test as they happen.
"""

import re

import pytest
from playwright.sync_api import expect

from faq.models import FAQ
from statuspage.models import MaintenanceWindow
from tests.e2e.conftest import admin_sign_in
from tests.factories import PASSWORD, StaffFactory

SLUG = "dotmailer-database-upgrade"
POLL_SECONDS = 1

# Runs in every document before its own scripts; added through the DevTools protocol, which
# the page's policy does not govern, so the watcher itself causes no violation.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} on ${document.location.pathname}`
  );
});
"""
# Chromium also reports here a Permissions-Policy feature it does not know.
CONSOLE_SIGNS = ("Content Security Policy", "Content-Security-Policy", "Refused to", "Permissions")


@pytest.fixture
def site(transactional_db, demo, settings):
    # The live server runs in this process and reads the setting on each request.
    settings.STATUS_POLL_SECONDS = POLL_SECONDS


@pytest.fixture
def violations(page):
    """What the policy refused on `page`, and any script error."""
    seen = []
    page.expose_function("reportViolation", lambda text: seen.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            any(sign in message.text for sign in CONSOLE_SIGNS)
            and seen.append(f"console {message.type}: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"{page.url}: {error}"))
    return seen


def _open(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.wait_for_load_state("load")


def _let_it_poll(page) -> None:
    with page.expect_response(lambda response: "/timeline/" in response.url):
        pass


def test_the_watch_sees_a_violation_when_there_is_one(site, live_server, page, violations):
    _open(page, live_server.url + "/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.ranInline = true";
          document.head.append(script);
          document.body.insertAdjacentHTML("beforeend", '<p style="color: red">Red</p>');
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ranInline") is None
    assert any(seen.startswith("script-src") for seen in violations), violations
    assert any(seen.startswith("style-src") for seen in violations), violations
    console = [seen for seen in violations if seen.startswith("console error")]
    assert any("violates the following Content Security Policy" in seen for seen in console)


def test_public_pages_and_their_scripts_break_no_rule(site, live_server, page, violations):
    _open(page, live_server.url + "/")
    _let_it_poll(page)

    _open(page, live_server.url + f"/maintenance/{SLUG}/")
    _let_it_poll(page)

    _open(page, live_server.url + f"/faq/{SLUG}/")
    page.select_option(".finder__form select[name=service]", label="dotSurvey")
    page.fill(".finder__form input[name=q]", "survey")
    expect(page.locator(".finder__count")).to_have_text(
        re.compile(r"^Showing \d+ of 29 entries\.$")
    )

    _open(page, live_server.url + "/subscribe/")
    _open(page, live_server.url + "/accounts/signup/")

    assert violations == []


def test_the_holding_page_shows_its_own_style_and_nothing_else(site, live_server, page, violations):
    _open(page, live_server.url + f"/maintenance/{SLUG}/holding-page.html")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(243, 244, 246)", "the inline style was not applied"
    assert violations == []


@pytest.fixture
def staff_page(site, live_server, page, violations):
    admin_sign_in(page, live_server, StaffFactory(), password=PASSWORD)
    return page


def test_the_admin_and_its_markdown_editor_break_no_rule(live_server, staff_page, violations):
    page = staff_page
    faq = FAQ.objects.get(slug=SLUG)
    _open(page, live_server.url + f"/admin/faq/faq/{faq.pk}/change/")
    # markdownx's preview: posted with the form's CSRF token, shown as HTML.
    with page.expect_response(lambda response: "/markdownx/markdownify/" in response.url) as sent:
        page.fill("textarea[name=introduction]", "Plan for **four hours** of downtime.")
    assert sent.value.status == 200
    preview = page.locator("textarea[name=introduction] ~ .markdownx-preview")
    expect(preview.locator("strong")).to_have_text("four hours")
    # The admin's own widgets: calendar and clock shortcuts, the two-box team chooser.
    page.locator(".datetimeshortcuts a").first.click()
    page.keyboard.press("Escape")
    expect(page.locator("#id_team_from")).to_be_attached()

    _open(page, live_server.url + "/admin/statuspage/maintenancewindow/")
    page.locator("#action-toggle").check()

    window = MaintenanceWindow.objects.get(slug=SLUG)
    _open(page, live_server.url + f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    _open(page, live_server.url + f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/")
    page.fill("textarea[name=body]", "Work has started.")
    expect(page.locator(".x-preview__count")).to_contain_text("characters")

    assert violations == []
