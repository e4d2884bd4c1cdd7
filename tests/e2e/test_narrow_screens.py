"""Every public page fits a phone 360 CSS pixels wide: nothing sticks out sideways, for
anonymous readers and signed-in ones (whose header holds more)."""

import pytest

from faq.models import FAQ, Profile
from statuspage import services
from statuspage.models import MaintenanceWindow
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.factories import CommentFactory, StaffFactory, UserFactory

WIDTH = 360
PAGES = [
    "/",
    "/faq/dotmailer-database-upgrade/",
    "/maintenance/dotmailer-database-upgrade/",
    "/services/dotmailer-application/",
    "/history/",
    "/social/",
    "/subscribe/",
    "/accounts/login/",
    "/accounts/signup/",
]
SIGNED_IN_PAGES = PAGES[:3]
# What sticks out, named for the failure message.
WIDER = f"""() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > {WIDTH} + 0.5)
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))"""


@pytest.fixture
def phone(browser, transactional_db, demo):
    """A phone's browser: 360 px wide, and, like a phone, honouring <meta name=viewport>."""
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        yield context
    finally:
        context.close()


def overflow(page, url: str) -> tuple[int, list[str]]:
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth"), page.evaluate(WIDER)


def test_public_pages_fit_a_360_pixel_screen(phone, live_server):
    page = phone.new_page()
    too_wide = {}
    for path in PAGES:
        width, wider = overflow(page, live_server.url + path)
        if width > WIDTH:
            too_wide[path] = (width, wider)
    assert too_wide == {}


@pytest.mark.parametrize("staff", [False, True], ids=["customer", "staff"])
def test_pages_fit_a_360_pixel_screen_when_signed_in(phone, live_server, client, staff):
    # The longest header: a long name, and for staff the Admin link besides Sign out.
    user = (StaffFactory if staff else UserFactory)(username="m.featherstonehaugh-wrigglesworth")
    Profile.objects.update_or_create(
        user=user, defaults={"name": "Marguerite Featherstonehaugh-Wrigglesworth"}
    )
    client.force_login(user)
    phone.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = phone.new_page()
    too_wide = {}
    for path in SIGNED_IN_PAGES:
        width, wider = overflow(page, live_server.url + path)
        assert page.locator(".site-user").count() == 1  # signed in indeed
        if width > WIDTH:
            too_wide[path] = (width, wider)
    assert too_wide == {}


def test_a_5000_character_word_or_url_wraps_instead_of_widening_the_page(phone, live_server):
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade")
    CommentFactory(faq=faq, body="A" * 5000)
    CommentFactory(faq=faq, body="https://example.com/" + "path/" * 400)
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    services.update_post(event=window, author=None, body="B" * 4000)
    page = phone.new_page()
    for path in ["/faq/dotmailer-database-upgrade/", "/maintenance/dotmailer-database-upgrade/"]:
        width, wider = overflow(page, live_server.url + path)
        assert width <= WIDTH, (path, width, wider)
