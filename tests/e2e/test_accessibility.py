"""Accessibility in Chromium.

- axe-core (the copy bundled with axe-playwright-python; nothing is fetched) finds no
  violation on any public page, in the light and the dark colour scheme, with every status
  the site can show on screen so that each of its colours is checked for contrast;
- every status is told by an icon and words, never by colour alone;
- the keyboard alone reaches the main controls, and each control shows where focus is.
"""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from faq.models import FAQ, CommentStatus, ImpactLevel, Profile
from statuspage.models import (
    Incident,
    IncidentImpact,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    ServiceStatus,
)
from statuspage.outbox.models import CrossPost, MessageState
from statuspage.selectors import INDICATORS
from tests.factories import (
    CommentFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    ServiceGroupFactory,
    StaffFactory,
    StatusUpdateFactory,
    UserFactory,
)

SLUG = "dotmailer-database-upgrade"
FAQ_PATH = f"/faq/{SLUG}/"
SCHEMES = ("light", "dark")
AXE = Axe()

# Incidents shown on the page: every impact, every status.
INCIDENTS = [
    (IncidentImpact.NONE, IncidentStatus.INVESTIGATING),
    (IncidentImpact.MINOR, IncidentStatus.IDENTIFIED),
    (IncidentImpact.MAJOR, IncidentStatus.MONITORING),
    (IncidentImpact.CRITICAL, IncidentStatus.INVESTIGATING),
    (IncidentImpact.MAJOR, IncidentStatus.RESOLVED),
]


def axe_violations(page, *, rules: list[str] | None = None, context=None) -> list[str]:
    """axe-core's violations on the page as it is now, in each colour scheme: one line a node."""
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    found = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        results = AXE.run(page, context=context, options=options).response
        found += [
            f"{page.url} ({scheme}): {violation['id']} at {node['target']}: "
            + node["failureSummary"].replace("\n", " ")
            for violation in results["violations"]
            for node in violation["nodes"]
        ]
    page.emulate_media(color_scheme="light")
    return found


def visit(page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response.status == status, f"{url} answered {response.status}"
    page.wait_for_load_state("load")


def sign_in(page, live_server, user) -> None:
    """Give the page's browser context a session of `user`, as after signing in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


@pytest.fixture
def every_status(transactional_db, demo):
    """Beside the demo: a service in each status, maintenance in each status and incidents of
    each impact and status (each with an update), a post sent to X, comments held and hidden."""
    now = timezone.now()
    group = ServiceGroupFactory(name="Every status", position=99)
    services = {
        status: ServiceFactory(
            group=group, name=f"{status.label} example", slug=f"example-{status}", status=status
        )
        for status in ServiceStatus
    }
    example = services[ServiceStatus.OPERATIONAL]
    windows = {
        MaintenanceStatus.IN_PROGRESS: (now - timedelta(hours=1), now + timedelta(hours=3)),
        MaintenanceStatus.VERIFYING: (now - timedelta(hours=5), now - timedelta(hours=1)),
        MaintenanceStatus.POSTPONED: (now + timedelta(days=20), now + timedelta(days=20, hours=2)),
        MaintenanceStatus.ROLLED_BACK: (now - timedelta(days=3), now - timedelta(days=3, hours=-2)),
        MaintenanceStatus.CANCELLED: (now - timedelta(days=2), now - timedelta(days=2, hours=-2)),
    }
    for status, (start, end) in windows.items():
        window = MaintenanceWindowFactory(
            title=f"{status.label} upgrade",
            status=status,
            scheduled_start=start,
            scheduled_end=end,
            services=[example],
        )
        update = StatusUpdateFactory(maintenance=window, display_at=now, published_at=now)
    CrossPost.objects.create(
        update=update,
        channel="x",
        body="Cancelled: the upgrade will not go ahead. #maint",
        state=MessageState.SENT,
        remote_url="https://x.com/dotmailer/status/1",
        sent_at=now,
    )
    for impact, status in INCIDENTS:
        incident = IncidentFactory(
            title=f"{impact.label} impact, {status.label.lower()}",
            impact=impact,
            status=status,
            started_at=now - timedelta(hours=2),
            resolved_at=now if status == IncidentStatus.RESOLVED else None,
            services=[services[ServiceStatus.PARTIAL_OUTAGE]],
        )
        StatusUpdateFactory(maintenance=None, incident=incident, display_at=now, published_at=now)
    faq = FAQ.objects.get(slug=SLUG)
    CommentFactory(faq=faq, status=CommentStatus.HELD, held_reason="A link from a new account")
    CommentFactory(faq=faq, status=CommentStatus.HIDDEN, moderation_reason="Off topic")
    return services


# --- axe-core, page by page -------------------------------------------------------------------

# Script-made, as the page's policy forbids inline style: a field without a label, and text
# dark enough for the light scheme's background but not for the dark one's.
SPOIL = """() => {
  const main = document.querySelector("main");
  main.insertAdjacentHTML("beforeend", '<input type="text" name="unlabelled">');
  const faint = document.createElement("p");
  faint.textContent = "Hard to read in the dark";
  faint.style.color = "#2b2b2b";
  main.append(faint);
}"""


def test_the_check_sees_violations_when_there_are_some(transactional_db, demo, live_server, page):
    visit(page, live_server.url + "/subscribe/")
    page.evaluate(SPOIL)
    found = axe_violations(page)
    kinds = sorted(re.search(r"\((\w+)\): ([\w-]+) at", f).groups() for f in found)
    assert kinds == [("dark", "color-contrast"), ("dark", "label"), ("light", "label")], found


def test_status_pages_have_no_axe_violations(every_status, live_server, page):
    window = MaintenanceWindow.objects.get(status=MaintenanceStatus.IN_PROGRESS)
    incident = Incident.objects.unresolved().get(impact=IncidentImpact.CRITICAL)
    found = []
    for path in [
        "/",
        "/services/",
        f"/services/{every_status[ServiceStatus.OPERATIONAL].slug}/",
        "/services/dotmailer-api/",  # a coming window's entries, the subscribe form
        f"/maintenance/{SLUG}/",
        window.get_absolute_url(),
        incident.get_absolute_url(),
        "/history/",
        "/social/",
    ]:
        visit(page, live_server.url + path)
        found += axe_violations(page)
    visit(page, live_server.url + "/no-such-page/", status=404)
    found += axe_violations(page)
    assert found == [], "\n".join(found)


def test_the_faq_and_its_finder_have_no_axe_violations(every_status, live_server, page):
    visit(page, live_server.url + FAQ_PATH)
    found = axe_violations(page)
    # Filtered in the browser, and by the server (as without JavaScript).
    page.select_option(".finder__form select[name=level]", "unavailable")
    expect(page.locator(".finder__count")).to_have_text(re.compile(r"^Showing \d+ of \d+"))
    found += axe_violations(page)
    visit(page, live_server.url + FAQ_PATH + "?service=dotsurvey&q=survey#impact")
    expect(page.locator(".finder__count")).to_contain_text("Showing")
    found += axe_violations(page)
    assert found == [], "\n".join(found)


def test_the_comment_thread_has_no_axe_violations_for_a_customer(every_status, live_server, page):
    customer = UserFactory()
    Profile.objects.create(user=customer, name="Michael", organisation="Spektrix")
    sign_in(page, live_server, customer)
    visit(page, live_server.url + FAQ_PATH + "#comments")
    expect(page.locator("#new-comment textarea[name=body]")).to_be_visible()
    page.locator("details.reply summary").first.click()
    expect(page.locator("details.reply textarea").first).to_be_visible()
    found = axe_violations(page)
    # Posting nothing shows the form again with its error.
    page.locator("#new-comment button[type=submit]").click()
    expect(page.locator("#new-comment .field-errors")).to_be_visible()
    found += axe_violations(page)
    assert found == [], "\n".join(found)


def test_the_comment_thread_has_no_axe_violations_for_staff(every_status, live_server, page):
    staff = StaffFactory(
        profile__name="Stoo", profile__organisation="dotMailer", profile__role="Support lead"
    )
    sign_in(page, live_server, staff)
    visit(page, live_server.url + FAQ_PATH + "#comments")
    expect(page.locator(".moderate").first).to_be_visible()
    expect(page.locator(".comment--held")).to_have_count(1)
    expect(page.locator(".comment--hidden")).to_have_count(1)
    found = axe_violations(page)
    assert found == [], "\n".join(found)


def _submit(page, form: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def test_forms_and_their_errors_have_no_axe_violations(transactional_db, demo, live_server, page):
    found = []
    visit(page, live_server.url + "/subscribe/")
    found += axe_violations(page)
    page.fill("form:has(button[name=subscribe]) input[name=email]", "not an address")
    _submit(page, "form:has(button[name=subscribe])")
    expect(page.locator(".form-problem")).to_be_visible()
    found += axe_violations(page)

    visit(page, live_server.url + "/accounts/signup/")
    found += axe_violations(page)
    page.fill("input[name=email]", "pat@example.com")
    page.fill("input[name=password1]", "Quiet-lantern-orbit-71")
    page.fill("input[name=password2]", "something else")
    _submit(page, ".account-form")
    expect(page.locator(".form-problem")).to_be_visible()
    found += axe_violations(page)

    visit(page, live_server.url + "/accounts/login/")
    found += axe_violations(page)
    page.fill("input[name=username]", "nobody@example.com")
    page.fill("input[name=password]", "wrong password")
    _submit(page, ".account-form")
    expect(page.locator(".form-problem")).to_be_visible()
    found += axe_violations(page)

    visit(page, live_server.url + "/accounts/password_reset/")
    found += axe_violations(page)
    page.fill("input[name=email]", "not an address")
    _submit(page, ".account-form")
    expect(page.locator(".form-problem")).to_be_visible()
    found += axe_violations(page)
    visit(page, live_server.url + "/accounts/reset/MQ/not-a-token/")
    found += axe_violations(page)
    assert found == [], "\n".join(found)


# --- status: an icon and words, colours that meet contrast -------------------------------------

ICON_AND_WORDS = """(el) => {
  const icon = el.querySelector('[aria-hidden="true"]');
  const glyph = icon ? getComputedStyle(icon, "::before").content : "";
  return {text: el.innerText.trim(), glyph: glyph.replace(/^"|"$/g, ""),
          hidden: icon ? icon.getAttribute("aria-hidden") : null};
}"""


def icons_and_words(locator) -> list[dict]:
    return [locator.nth(i).evaluate(ICON_AND_WORDS) for i in range(locator.count())]


def assert_told_by_icon_and_words(
    shown: dict[str, list[dict]], labels: dict[str, str], *, distinct: bool = True
) -> None:
    """Each status value in `labels` is on the page, always with its words and one icon glyph
    that screen readers skip; with `distinct`, different values have different icons."""
    glyphs = {}
    for value, label in labels.items():
        assert shown[value], f"no {value!r} status on the page"
        for seen in shown[value]:
            assert seen["text"] == label, f"{value}: {seen}"
            assert seen["hidden"] == "true", f"{value}: the icon is read aloud: {seen}"
            assert seen["glyph"] not in ("", "none", "normal"), f"{value}: no icon: {seen}"
        glyphs[value] = {seen["glyph"] for seen in shown[value]}
        assert len(glyphs[value]) == 1, f"{value} has several icons: {glyphs[value]}"
    if distinct:
        different = {next(iter(glyph)) for glyph in glyphs.values()}
        assert len(different) == len(glyphs), f"statuses share an icon: {glyphs}"


def test_every_status_shows_an_icon_and_words(every_status, live_server, page):
    visit(page, live_server.url + "/")
    assert_told_by_icon_and_words(
        {s.value: icons_and_words(page.locator(f".status--{s.value}")) for s in ServiceStatus},
        {s.value: s.label for s in ServiceStatus},
    )
    maintenance = {s.value: s.label for s in MaintenanceStatus}
    incident = {s.value: s.label for s in IncidentStatus if s != IncidentStatus.RESOLVED}
    assert_told_by_icon_and_words(
        {value: icons_and_words(page.locator(f".pill--{value}")) for value in maintenance},
        maintenance,
    )
    assert_told_by_icon_and_words(
        {value: icons_and_words(page.locator(f".pill--{value}")) for value in incident}, incident
    )
    impacts = {
        i.value: "No impact" if i == IncidentImpact.NONE else f"{i.label} impact"
        for i in IncidentImpact
    }
    assert_told_by_icon_and_words(
        {value: icons_and_words(page.locator(f".pill--impact-{value}")) for value in impacts},
        impacts,
    )
    visit(page, live_server.url + "/history/")
    resolved = icons_and_words(page.locator(".pill--resolved"))
    assert resolved, "no resolved incident in the history"
    assert all(seen["text"] == "Resolved" and seen["glyph"] for seen in resolved), resolved

    visit(page, live_server.url + FAQ_PATH)
    assert_told_by_icon_and_words(
        {
            level.value: icons_and_words(page.locator(f".impact .level--{level.value}"))
            for level in ImpactLevel
        },
        {level.value: level.label for level in ImpactLevel},
        # Levels of one severity share its colour and icon; their words tell them apart.
        distinct=False,
    )


def test_the_overall_banner_shows_an_icon_and_words_and_meets_contrast(
    transactional_db, demo, live_server, page
):
    service = ServiceFactory(name="Example", status=ServiceStatus.OPERATIONAL)
    by_value = {indicator.value: indicator.description for indicator in INDICATORS}
    banners, found = {}, []
    for status, indicator in [
        (ServiceStatus.OPERATIONAL, "none"),
        (ServiceStatus.UNDER_MAINTENANCE, "maintenance"),
        (ServiceStatus.DEGRADED_PERFORMANCE, "minor"),
        (ServiceStatus.PARTIAL_OUTAGE, "major"),
        (ServiceStatus.MAJOR_OUTAGE, "critical"),
    ]:
        service.status = status
        service.save(update_fields=["status"])
        # A query of its own: the browser may keep `/` for its max-age.
        visit(page, live_server.url + f"/?status={status}")
        banners[indicator] = icons_and_words(page.locator(f".banner--{indicator}"))
        found += axe_violations(page, rules=["color-contrast"], context=".banner")
    assert_told_by_icon_and_words(banners, by_value)
    assert found == [], "\n".join(found)


# --- the keyboard alone ------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {
    tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || "",
    text: (el.innerText || label || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 60),
    outline: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
    shadow: style.boxShadow,
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth,
    inMain: !!el.closest("main"),
  };
}"""
MAX_TAB_STOPS = 300


def tab_through(page, url: str, *, open_reply: bool = False) -> list[dict]:
    """Open `url` and press Tab until focus leaves the page; every stop on the way.

    With `open_reply`, Enter on the first "Reply" opens its form on the way.
    """
    visit(page, url)
    stops = []
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        if stop is None:
            return stops
        stops.append(stop)
        if open_reply and stop["tag"] == "summary" and stop["text"].startswith("Reply"):
            page.keyboard.press("Enter")
            open_reply = False
    raise AssertionError(f"focus never left the page after {MAX_TAB_STOPS} stops")


def without_visible_focus(stops: list[dict]) -> list[dict]:
    return [
        stop
        for stop in stops
        if not stop["onScreen"] or (stop["outline"] < 2 and stop["shadow"] == "none")
    ]


def assert_reached_in_order(stops: list[dict], wanted: list) -> None:
    """Each of `wanted` (text, or a (tag, name) pair) is a stop, in this order."""
    position = -1
    for want in wanted:
        for index in range(position + 1, len(stops)):
            stop = stops[index]
            if want == stop["text"] or want == (stop["tag"], stop["name"]):
                position = index
                break
        else:
            reached = [stop["text"] or (stop["tag"], stop["name"]) for stop in stops]
            raise AssertionError(f"{want!r} not reached after stop {position}: {reached}")


def test_the_keyboard_reaches_the_status_page_with_visible_focus(
    transactional_db, demo, live_server, page
):
    visit(page, live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["text"] == "Skip to content", f"the first stop is {skip}"
    assert skip["onScreen"], "the skip link stays off screen when focused"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    after_skip = page.evaluate(FOCUSED)
    assert after_skip["inMain"], f"after skipping, focus went to {after_skip}"

    stops = tab_through(page, live_server.url + "/")
    assert without_visible_focus(stops) == []
    assert_reached_in_order(
        stops,
        [
            "Skip to content",
            "dotMailer status",
            "Subscribe",
            "Sign in",
            "What happens to each service: read the FAQ",
            "dotMailer application",
            "All past maintenance and incidents",
        ],
    )


def test_the_keyboard_works_the_faq_finder_and_comment_form_with_visible_focus(
    transactional_db, demo, live_server, page
):
    customer = UserFactory()
    Profile.objects.create(user=customer, name="Michael", organisation="Spektrix")
    sign_in(page, live_server, customer)
    stops = tab_through(page, live_server.url + FAQ_PATH, open_reply=True)
    assert without_visible_focus(stops) == []
    assert_reached_in_order(
        stops,
        [
            "Skip to content",
            "Sign out",
            "10 unavailable",
            ("select", "service"),
            ("select", "level"),
            ("input", "q"),
            "Show",
            "Full details",
            "Reply",
            ("textarea", "body"),  # the reply form Enter opened
            "Post reply",
            ("textarea", "body"),  # the new comment form
            "Post comment",
        ],
    )

    # The finder by keys alone: type a word into its search box.
    visit(page, live_server.url + FAQ_PATH)
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "q":
            break
    page.keyboard.type("survey")
    expect(page.locator(".finder__count")).to_have_text(re.compile(r"^Showing \d+ of 29 entries"))


def test_the_comment_count_speaks_only_as_the_limit_nears(
    transactional_db, demo, live_server, page
):
    customer = UserFactory()
    Profile.objects.create(user=customer, name="Michael", organisation="Spektrix")
    sign_in(page, live_server, customer)
    visit(page, live_server.url + FAQ_PATH)
    form = page.locator("#new-comment")
    box, count, news = (
        form.locator("textarea"),
        form.locator(".counter"),
        form.locator("[role=status]"),
    )
    expect(news).to_have_attribute("aria-live", "polite")
    assert count.get_attribute("aria-live") is None

    box.fill("Why Saturday?")
    expect(count).to_have_text("4987 of 5000 characters left.")
    expect(news).to_have_text("")
    box.fill("x" * 4850)
    expect(news).to_have_text("150 characters left.")
    box.press("x")
    expect(count).to_have_text("149 of 5000 characters left.")
    expect(news).to_have_text("150 characters left.")
    box.fill("x" * 4960)
    expect(news).to_have_text("40 characters left.")
