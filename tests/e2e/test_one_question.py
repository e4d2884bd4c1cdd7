"""The customer with one question, in a real browser: from `/`, one click on an affected
service shows that service's entries for the window, and nothing else; on a phone the
FAQ's finder is on the first screen; times come in the reader's own zone too."""

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from statuspage.models import MaintenanceWindow
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS

FAQ_PATH = "/faq/dotmailer-database-upgrade/"
TOTAL_ENTRIES = 29


def shown(page, attribute: str) -> list[str]:
    return page.locator("li.impact:visible").evaluate_all(f"els => els.map(el => el.{attribute})")


@pytest.mark.parametrize("service", ["dotsurvey", "dotmailer-api"])
def test_one_click_from_home_shows_exactly_that_services_entries(
    transactional_db, demo, live_server, page, service
):
    page.goto(live_server.url + "/")
    window = page.locator("article.window", has_text="Database upgrade").first
    chip = window.locator(f'a.chip--service[href*="service={service}"]')
    expect(chip.locator(".level")).to_be_visible()  # its impact on the chip itself

    chip.click()

    expect(page).to_have_url(re.compile(rf"{FAQ_PATH}\?service={service}#impact$"))
    ids = shown(page, "id")
    assert ids, "no entry is shown"
    assert set(shown(page, "dataset.service")) == {service}
    everything = page.request.get(live_server.url + FAQ_PATH).text()
    theirs = re.findall(rf'<li id="(entry-[\d-]+)"[^>]*data-service="{service}"', everything)
    assert ids == theirs
    expect(page.locator(".finder__count")).to_have_text(
        f"Showing {len(ids)} of {TOTAL_ENTRIES} entries."
    )
    expect(page.locator("#finder-heading")).to_be_in_viewport()


@pytest.fixture
def phone_page(browser, transactional_db, demo):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_finder_is_on_a_phones_first_screen(live_server, phone_page):
    phone_page.goto(live_server.url + FAQ_PATH)
    for part in ("#finder-heading", ".finder__form select[name=service]"):
        box = phone_page.locator(part).bounding_box()
        assert box["y"] + box["height"] <= 844, f"{part} ends at {box['y'] + box['height']} px"


def test_words_in_typographic_quotes_or_with_accents_find_the_same_entries(
    transactional_db, demo, live_server, page
):
    page.goto(live_server.url + FAQ_PATH)
    page.wait_for_load_state("load")
    page.fill(".finder__form input[name=q]", "links")
    plain = shown(page, "id")
    assert len(plain) == 8
    for words in ("“LINKS”", "línks", "‘links’"):
        page.fill(".finder__form input[name=q]", words)
        expect(page.locator(".finder__count")).to_have_text(
            f"Showing 8 of {TOTAL_ENTRIES} entries."
        )
        assert shown(page, "id") == plain


def test_the_levels_counts_follow_the_filter_and_nothing_matching_has_a_way_back(
    transactional_db, demo, live_server, page
):
    page.goto(live_server.url + FAQ_PATH)
    page.wait_for_load_state("load")
    page.select_option(".finder__form select[name=service]", "dotsurvey")
    counts = page.locator(".finder__glance a:visible [data-count]").all_inner_texts()
    assert sum(int(n) for n in counts) == 2

    page.fill(".finder__form input[name=q]", "no such thing anywhere")
    expect(page.locator(".finder__count")).to_have_text("No entries match.")
    page.click(".finder__reset a")
    expect(page.locator(".finder__count")).to_have_text(
        f"All {TOTAL_ENTRIES} entries are shown below, numbered as in the FAQ."
    )
    expect(page.locator("li.impact:visible")).to_have_count(TOTAL_ENTRIES)


@pytest.mark.parametrize("path", ["/", FAQ_PATH, "/services/dotmailer-api/"])
def test_planned_times_come_in_the_readers_zone_too(
    browser, transactional_db, demo, live_server, path
):
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    zone = ZoneInfo("America/New_York")
    start, end = (
        moment.astimezone(zone) for moment in (window.scheduled_start, window.scheduled_end)
    )
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    try:
        page = context.new_page()
        page.goto(live_server.url + path)
        local = page.locator("time[data-end] + .local-time >> nth=0")
        expect(local).to_contain_text("Your time (America/New York)")
        text = local.inner_text()
        compact = re.sub(r"\s", "", text)  # en-US puts a narrow space before AM
        assert f"{start:%I:%M%p}–{end:%I:%M%p}E" in compact, text  # start and end, and the zone
        # The event's zone and UTC stay beside it.
        assert "UK time" in page.locator("time[data-end] >> nth=0").inner_text()
    finally:
        context.close()
