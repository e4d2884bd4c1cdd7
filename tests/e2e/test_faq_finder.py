"""The FAQ's impact finder in a real browser: filtering in place with JavaScript, and the
same form filtering on the server without it."""

import re

import pytest
from playwright.sync_api import expect

FAQ_PATH = "/faq/dotmailer-database-upgrade/"
FINDER_JS = "/static/js/impact-finder.js"
TOTAL_ENTRIES = 29


@pytest.fixture
def faq_page(transactional_db, demo, live_server, page):
    """The demo FAQ, opened with its finder script loaded and run without errors."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")  # the site has none; browsers ask
            and errors.append(f"{response.status} {response.url}")
        ),
    )
    with page.expect_response(lambda response: response.url.endswith(FINDER_JS)) as script:
        page.goto(live_server.url + FAQ_PATH)
    response = script.value
    assert response.status == 200, f"{FINDER_JS} answered {response.status}"
    assert "javascript" in response.headers.get("content-type", "")
    assert ".finder__form" in response.text(), "the script served is not the impact finder"
    page.wait_for_load_state("load")  # deferred scripts have run by now
    expect(page.locator("li.impact")).to_have_count(TOTAL_ENTRIES)
    expect(page.locator(".finder__count")).to_have_text(
        f"All {TOTAL_ENTRIES} entries are shown below, numbered as in the FAQ."
    )
    yield page
    assert errors == [], f"the page had errors: {errors}"


def visible_entry_ids(page) -> list[str]:
    return page.locator("li.impact:not([hidden])").evaluate_all("els => els.map(el => el.id)")


def test_choosing_a_service_filters_entries_in_place(faq_page):
    page = faq_page
    page.evaluate("window.__marker = 'same document'")

    page.select_option(".finder__form select[name=service]", label="dotSurvey")

    expect(page.locator(".finder__count")).to_have_text(f"Showing 2 of {TOTAL_ENTRIES} entries.")
    assert visible_entry_ids(page) == ["entry-1-3", "entry-2-8"]
    services = page.locator("li.impact:not([hidden])").evaluate_all(
        "els => els.map(el => el.dataset.service)"
    )
    assert services == ["dotsurvey", "dotsurvey"]
    # The others are still in the document, just hidden.
    expect(page.locator("li.impact")).to_have_count(TOTAL_ENTRIES)
    expect(page.locator("li.impact[hidden]")).to_have_count(TOTAL_ENTRIES - 2)
    expect(page.locator("#entry-1-3")).to_be_visible()
    expect(page.locator("#entry-2-8")).to_be_visible()
    expect(page.locator("#entry-1-1")).to_be_hidden()
    # No navigation happened: the JavaScript state set before the change survives.
    assert page.evaluate("window.__marker") == "same document"
    # ...yet the address reflects the filter, so it can be shared or reloaded.
    expect(page).to_have_url(re.compile(r"[?&]service=dotsurvey(?:[&#]|$)"))


def test_typing_words_filters_entries_in_place(faq_page):
    page = faq_page
    expect(page.locator("#entry-1-1")).to_be_visible()

    page.fill(".finder__form input[name=q]", "scheduled sends")

    expect(page.locator("#entry-2-11")).to_be_visible()
    expect(page.locator("#entry-1-1")).to_be_hidden()
    assert "entry-2-11" in visible_entry_ids(page)
    expect(page.locator(".finder__count")).to_have_text(
        re.compile(rf"^Showing \d+ of {TOTAL_ENTRIES} entries\.$")
    )
    expect(page).to_have_url(re.compile(r"[?&]q=scheduled(?:\+|%20)sends(?:[&#]|$)"))


def test_without_javascript_the_form_filters_on_the_server(
    transactional_db, demo, live_server, page_without_js
):
    page = page_without_js
    page.goto(live_server.url + FAQ_PATH)
    expect(page.locator("li.impact")).to_have_count(TOTAL_ENTRIES)

    page.select_option(".finder__form select[name=service]", "dotmailer-api")
    with page.expect_navigation():
        page.click(".finder__form button[type=submit]")

    expect(page).to_have_url(re.compile(r"[?&]service=dotmailer-api(?:[&#]|$)"))
    expect(page.locator("#entry-1-2")).to_be_visible()
    expect(page.locator("#entry-2-17")).to_be_visible()
    expect(page.locator("#entry-1-1")).to_have_count(0)
    services = page.locator("li.impact").evaluate_all("els => els.map(el => el.dataset.service)")
    assert services, "the filtered page lists no entries"
    assert set(services) == {"dotmailer-api"}
    expect(page.locator(".finder__count")).to_contain_text(
        f"Showing {len(services)} of {TOTAL_ENTRIES} entries."
    )
    expect(page.locator(".finder__form select[name=service]")).to_have_value("dotmailer-api")
