"""The day's communicator in a browser: the console shows the coming window; a template
starts it in two clicks, with the service changes its FAQ proposes; starting it days early
asks for confirmation first, with the words typed kept; posted, they are back on the console
and an anonymous reader sees it; a customer's question is answered from the console. On
first use, the console asks for the name and role customers see."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from faq.models import FAQ, Comment
from statuspage.models import MaintenanceWindow, Service
from statuspage.security.permissions import STATUS_EDITORS
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, admin_sign_in
from tests.factories import PASSWORD, CommentFactory, ProfileFactory, StaffFactory, UserFactory

SLUG = "dotmailer-database-upgrade"


@pytest.fixture
def staff(transactional_db, demo, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    admin_sign_in(page, live_server, StaffFactory(), password=PASSWORD, then="/admin/")
    yield page
    context.close()


def test_starting_a_window_days_early_asks_first_and_keeps_the_words(staff, live_server, page):
    window = MaintenanceWindow.objects.get(slug=SLUG)
    coming = staff.locator("section", has=staff.get_by_role("heading", name="Coming next"))
    expect(coming).to_contain_text(window.title)
    coming.get_by_role("link", name="Write your own update").click()  # click 1

    # What starting will do to each service, as the window's FAQ says, before it is done.
    forums = window.services.get(name="Support forums")
    proposed = staff.locator(f"select[name=service_{forums.pk}] option[value='']")
    expect(proposed).to_have_text("No change (Operational) · starting: Degraded performance")

    staff.fill("textarea[name=body]", "Work has started.")
    staff.select_option("select[name=status]", "in_progress")
    staff.click('input[type=submit][value="Post update"]')  # click 2: refused, asked

    expect(staff.locator(".errorlist")).to_contain_text("planned to start at")
    expect(staff.locator("textarea[name=body]")).to_have_value("Work has started.")
    window.refresh_from_db()
    assert window.status == "scheduled"

    staff.check("input[name=confirm_timing]")
    staff.click('input[type=submit][value="Post update"]')
    expect(staff).to_have_url(live_server.url + "/admin/")
    expect(staff.locator(".messagelist")).to_contain_text("Update published")
    under_way = staff.locator("section", has=staff.get_by_role("heading", name="Under way"))
    expect(under_way).to_contain_text(window.title)

    forums.refresh_from_db()
    assert forums.status == "degraded_performance"  # FAQ entry 1.5, not under maintenance

    page.goto(live_server.url + "/")
    expect(page.locator("main")).to_contain_text("Work has started.")


def test_the_composer_is_styled_as_the_admin_is_and_says_x_is_off(staff, live_server):
    window = MaintenanceWindow.objects.get(slug=SLUG)
    staff.goto(live_server.url + f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/")

    # The admin's form styles: the label sits beside its box, not above it.
    label = staff.locator("label[for=id_body]").bounding_box()
    box = staff.locator("textarea[name=body]").bounding_box()
    assert label["x"] + label["width"] <= box["x"]
    ids = staff.locator("fieldset [id$=-heading]").evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), ids
    assert window.hashtag, "the demo window posts its progress to X"
    expect(staff.locator("input[name=cross_post]")).not_to_be_checked()  # no X credentials here
    expect(staff.locator(".field-cross_post")).to_contain_text("X is off")


def test_on_first_use_the_console_asks_the_name_customers_see(transactional_db, live_server, page):
    UserFactory(
        username="sam.k", first_name="Sam", last_name="Okafor", is_staff=True, is_superuser=True
    )
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "sam.k")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    expect(page).to_have_url(re.compile(r"/admin/console/who-customers-see/\?next="))
    name = page.get_by_label("Your name, as customers see it")
    expect(name).to_have_value("Sam Okafor")  # the account's full name, not “sam.k”
    label = page.locator("label[for=id_name]").bounding_box()
    assert label["x"] + label["width"] <= name.bounding_box()["x"]  # the admin's form styles
    page.get_by_label("Your role").fill("Duty engineer")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.locator(".messagelist")).to_contain_text("Customers now see you as Sam Okafor.")


@pytest.fixture
def editor(transactional_db, demo, live_server, browser):
    """A Status editor, as the day's communicator is, whose public name is set."""
    user = UserFactory(username="sam", first_name="Sam", last_name="Okafor", is_staff=True)
    ProfileFactory(user=user, name="Sam Okafor", role="Duty engineer")
    user.groups.add(Group.objects.get(name=STATUS_EDITORS))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    admin_sign_in(page, live_server, user, password=PASSWORD, then="/admin/")
    yield page
    context.close()


def test_an_editor_starts_the_window_from_a_template_then_answers_a_customer(
    editor, live_server, page
):
    # The window is due in ten minutes, and a customer has asked about it.
    now = timezone.now()
    window = MaintenanceWindow.objects.get(slug=SLUG)
    window.scheduled_start, window.scheduled_end = (
        now + timedelta(minutes=10),
        now + timedelta(hours=4),
    )
    window.save()
    faq = FAQ.objects.get(slug=SLUG)
    CommentFactory(faq=faq, author_name="Rita", author_organisation="Spektrix",
                   body="Will our API calls queue, or fail?")  # fmt: skip

    editor.reload()
    coming = editor.locator("section", has=editor.get_by_role("heading", name="Coming next"))
    expect(coming).to_contain_text(window.title)
    coming.get_by_role("link", name="Started", exact=True).click()  # click 1: the template

    expect(editor.locator("textarea[name=body]")).to_have_value(
        re.compile(r"^The maintenance has started: Database upgrade")
    )
    expect(editor.locator("select[name=status]")).to_have_value("in_progress")
    # What starting does to each service, from the window's FAQ, before it is done.
    forums = window.services.get(name="Support forums")
    proposed = editor.locator(f"select[name=service_{forums.pk}] option[value='']")
    expect(proposed).to_have_text("No change (Operational) · starting: Degraded performance")
    lead_vision = Service.objects.get(name="Lead Vision")  # unaffected, says entry 3.2
    expect(editor.locator(f"select[name=service_{lead_vision.pk}]")).to_have_count(0)
    # Each channel's reading of it, beside the form.
    previews = editor.locator("#previews")
    expect(previews.locator(".preview-public")).to_contain_text("The maintenance has started")
    expect(previews.locator(".preview-email__subject")).to_contain_text(
        f"{window.title}: In progress"
    )

    editor.click('input[type=submit][value="Post update"]')  # click 2: posted
    expect(editor).to_have_url(live_server.url + "/admin/")
    expect(editor.locator(".messagelist")).to_contain_text("Update published")
    under_way = editor.locator("section", has=editor.get_by_role("heading", name="Under way"))
    expect(under_way).to_contain_text(window.title)
    forums.refresh_from_db()
    lead_vision.refresh_from_db()
    assert (forums.status, lead_vision.status) == ("degraded_performance", "operational")

    page.goto(live_server.url + "/")  # an anonymous reader, in another browser context
    expect(page.locator("main")).to_contain_text("The maintenance has started")

    question = editor.locator(".console-question", has_text="Will our API calls queue")
    question.locator("textarea").fill("They fail fast with a 503: retry after 15:00.")
    question.get_by_role("button", name="Answer").click()
    expect(editor.locator(".messagelist")).to_contain_text("Answered Rita")
    reply = Comment.objects.get(body__startswith="They fail fast")
    assert (reply.author_name, reply.author_role, reply.is_official) == (
        "Sam Okafor", "Duty engineer", True)  # fmt: skip
    page.goto(live_server.url + faq.get_absolute_url())
    expect(page.locator(".comment", has_text="They fail fast")).to_contain_text("Sam Okafor")


def test_the_composer_previews_each_network_and_the_console_shows_each_posts_state(
    staff, live_server, settings
):
    # Every network on, each at a loopback port nothing listens on: nothing leaves the
    # machine, and each post waits with the network's own error.
    for name, value in {
        "X_CONSUMER_KEY": "k", "X_CONSUMER_SECRET": "s", "X_ACCESS_TOKEN": "t",
        "X_ACCESS_TOKEN_SECRET": "ts", "X_API_BASE_URL": "http://127.0.0.1:9",
        "MASTODON_BASE_URL": "http://127.0.0.1:9", "MASTODON_ACCESS_TOKEN": "t",
        "BLUESKY_HANDLE": "acme.example", "BLUESKY_APP_PASSWORD": "p",
        "BLUESKY_SERVICE_URL": "http://127.0.0.1:9",
    }.items():  # fmt: skip
        setattr(settings, name, value)
    window = MaintenanceWindow.objects.get(slug=SLUG)
    staff.goto(live_server.url + f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/")
    staff.fill("textarea[name=body]", "Work has started.")
    staff.fill("textarea[name=x_text]", "The upgrade has begun 🚧")

    tail = f"{window.get_absolute_url()} #dMmaint"
    for network, count in (("Mastodon", "of 500, as Mastodon counts them"),
                           ("Bluesky", "of 300, as Bluesky counts them")):  # fmt: skip
        preview = staff.locator(f'.network-preview[data-network="{network}"]')
        expect(preview.locator(".network-preview__text")).to_contain_text("The upgrade has begun")
        expect(preview.locator(".network-preview__text")).to_contain_text(tail)
        expect(preview.locator(".network-preview__count")).to_contain_text(count)
    expect(staff.locator(".x-preview__count")).to_contain_text("of 280 characters")

    staff.select_option("select[name=status]", "in_progress")
    staff.check("input[name=confirm_timing]")
    staff.click('input[type=submit][value="Post update"]')

    expect(staff).to_have_url(live_server.url + "/admin/")
    posts = staff.locator(".console-posts")
    for network in ("X", "Mastodon", "Bluesky"):
        expect(posts).to_contain_text(re.compile(rf"{network}: Waiting to be sent · {network} "))
