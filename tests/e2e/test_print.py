"""A printed FAQ (static/css/print.css): the impact entries whole and in black on white,
their full details open, the addresses of links to other sites written out, the threads
staff answered; none of the site's chrome, forms or buttons."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.factories import CommentFactory

FAQ_PATH = "/faq/dotmailer-database-upgrade/"
TOTAL_ENTRIES = 29
# Where the PDF and the screenshot go for a human to look at.
SHOTS = Path(os.environ.get("E2E_SHOTS_DIR", "/tmp/shots"))  # noqa: S108
UNANSWERED = "Does anyone know whether the API keys change?"

VISIBLE = "els => els.filter(el => el.checkVisibility()).length"
BLACK = "rgb(0, 0, 0)"
WHITE = "rgb(255, 255, 255)"


@pytest.fixture
def faq(transactional_db, demo):
    from faq.models import FAQ

    CommentFactory(faq=FAQ.objects.get(slug="dotmailer-database-upgrade"), body=UNANSWERED)


@pytest.fixture
def dark_page(browser):
    """A reader whose screen is in dark mode: what they print must still be black on white."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    try:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        yield context.new_page()
    finally:
        context.close()


def count_visible(page, selector: str) -> int:
    return page.locator(selector).evaluate_all(VISIBLE)


def test_printing_a_faq_leaves_out_the_sites_chrome_and_controls(faq, live_server, dark_page):
    page = dark_page
    page.goto(live_server.url + FAQ_PATH)
    # On screen: the header's links, the finder's form, the contents and the footer are there.
    for selector in [".site-header nav a", ".finder__form", ".toc", ".site-footer", "button"]:
        assert count_visible(page, selector) > 0, selector

    page.emulate_media(media="print")

    for selector in [
        ".site-header nav",
        ".site-footer",
        ".crumbs",
        ".toc",
        ".finder__form",
        ".finder__glance",
        "form",
        "button",
        "input, select, textarea",
        ".skip-link",
    ]:
        assert count_visible(page, selector) == 0, f"{selector} is printed"
    expect(page.locator(".site-name")).to_be_visible()  # whose page it is stays at the top
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(".window-box time")).to_be_visible()


def test_printed_entries_are_whole_open_and_black_on_white(faq, live_server, dark_page):
    page = dark_page
    page.goto(live_server.url + FAQ_PATH)
    details = ".impact__details > :not(summary)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != WHITE
    assert count_visible(page, details) == 0  # closed on screen

    page.emulate_media(media="print")

    expect(page.locator("li.impact")).to_have_count(TOTAL_ENTRIES)
    assert count_visible(page, "li.impact") == TOTAL_ENTRIES
    assert count_visible(page, details) == TOTAL_ENTRIES  # every entry's full details, open
    expect(page.locator("#entry-2-2 .impact__details")).to_contain_text(
        "Our technology partners are currently working on planned system enhancements."
    )
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == WHITE
    colours = page.locator(
        "li.impact .impact__subject, li.impact .impact__summary, li.impact .level, "
        ".impact__advice, .impact__details .prose p"
    ).evaluate_all("els => [...new Set(els.map(el => getComputedStyle(el).color))]")
    assert colours == [BLACK]
    # The level is told in words and icon, in black, not by a coloured background.
    level = page.locator("#entry-1-1 .level")
    expect(level).to_have_text(re.compile("Unavailable"))
    assert level.evaluate("el => getComputedStyle(el).backgroundColor") in {
        WHITE,
        "rgba(0, 0, 0, 0)",
    }
    # Page breaks fall between entries, not inside them, nor right after a heading.
    assert page.locator("li.impact").evaluate_all(
        "els => [...new Set(els.map(el => getComputedStyle(el).breakInside))]"
    ) == ["avoid"]
    assert page.locator(".faq-section h2").evaluate_all(
        "els => [...new Set(els.map(el => getComputedStyle(el).breakAfter))]"
    ) == ["avoid"]

    # For a human to look at: the print emulation and the PDF Chromium prints.
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "faq-print.png", full_page=True)
    pdf = page.pdf(path=SHOTS / "faq-print.pdf", format="A4")
    assert pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) > 1


def test_printed_links_to_other_sites_show_their_address(faq, live_server, page):
    page.goto(live_server.url + FAQ_PATH)
    link = page.locator(".comment__body a[href='http://www.spektrix.com']")
    after = "el => getComputedStyle(el, '::after').content"
    assert link.evaluate(after) in {"none", "normal"}  # not on screen

    page.emulate_media(media="print")

    assert link.evaluate(after) == '" (http://www.spektrix.com)"'
    internal = page.locator(".window-box a[href^='/']").first
    assert internal.evaluate(after) in {"none", "normal"}  # no use on paper


def test_printed_comments_are_the_threads_staff_answered(faq, live_server, page):
    page.goto(live_server.url + FAQ_PATH)
    unanswered = page.locator(".thread", has_text=UNANSWERED)
    answered = page.locator(".thread", has=page.locator(".comment--official"))
    expect(unanswered).to_be_visible()
    expect(answered.first).to_be_visible()

    page.emulate_media(media="print")

    expect(unanswered).to_be_hidden()
    expect(answered.first).to_be_visible()
    expect(answered.first.locator(".badge-official")).to_have_text(
        re.compile(r"^Official response")
    )
    assert answered.first.locator(".comment").count() >= 2  # the question with its answer
    assert count_visible(page, ".reply, .new-comment, .comment__actions") == 0
