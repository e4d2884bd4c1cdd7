"""A comment thread in real browsers: a new customer signs up from the FAQ, asks a question,
and sees the official reply that staff post from another browser after a reload."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from faq.models import Comment, Profile
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS, admin_sign_in
from tests.factories import PASSWORD, StaffFactory, UserFactory

FAQ_PATH = "/faq/dotmailer-database-upgrade/"
CUSTOMER_PASSWORD = "Quiet-lantern-orbit-71"
MAX_LENGTH = 5000
QUESTION = "Why Saturday? Our box office sends most mail then."
REPLY = "We chose Saturday because mornings peak."
SHOTS = Path("/tmp/shots")  # noqa: S108 -- where the human reviewing looks for them


def comment_count(page) -> int:
    heading = page.locator("section#comments h2")
    expect(heading).to_have_text(re.compile(r"^Comments \(\d+\)$"))
    return int(re.search(r"\d+", heading.inner_text()).group())


def watch_errors(page, errors: list) -> None:
    """Collect script errors and failed requests (other than the favicon the site lacks)."""
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and errors.append(f"{response.status} {response.url}")
        ),
    )


@pytest.fixture
def staff_user(transactional_db, demo):
    return StaffFactory(
        first_name="Stuart",
        profile__name="Stoo",
        profile__organisation="dotMailer",
        profile__role="Support lead",
    )


@pytest.fixture
def staff(live_server, browser, staff_user):
    """A second browser context, signed in through the admin, with the FAQ page open."""
    errors = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        watch_errors(page, errors)
        admin_sign_in(page, live_server, staff_user, password=PASSWORD)
        yield page
    finally:
        context.close()
    assert errors == [], f"the staff member's pages had errors: {errors}"


def test_a_new_customer_asks_and_sees_the_official_reply(
    live_server, page, staff, browser, mailoutbox
):
    errors = []
    watch_errors(page, errors)
    faq_url = live_server.url + FAQ_PATH

    # 1. An anonymous reader opens the FAQ and creates an account from the thread.
    page.goto(faq_url)
    comments = page.locator("section#comments")
    before = comment_count(page)
    assert before >= 2, f"the demo thread has {before} comments"
    expect(comments.locator("#new-comment")).to_have_count(0)
    expect(comments.get_by_role("link", name="Sign in")).to_have_attribute(
        "href", re.compile(r"^/accounts/login/\?next=")
    )
    with page.expect_navigation():
        comments.get_by_role("link", name="create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next="))

    page.fill("input[name=email]", "jo@spektrix.example")
    page.fill("input[name=name]", "Jo Customer")
    page.fill("input[name=organisation]", "Spektrix")
    page.fill("input[name=password1]", CUSTOMER_PASSWORD)
    page.fill("input[name=password2]", CUSTOMER_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()

    # Back on the FAQ, at the thread, signed in, told to confirm the address.
    expect(page).to_have_url(re.compile(rf"^{re.escape(faq_url)}(#comments)?$"))
    expect(page.locator(".site-user")).to_contain_text("Jo Customer")
    expect(page.locator(".message")).to_contain_text("We sent a link to jo@spektrix.example")
    assert comment_count(page) == before

    # 1b. The customer opens the link in the e-mail and confirms, for replies by e-mail.
    [invitation] = [mail for mail in mailoutbox if mail.to == ["jo@spektrix.example"]]
    path = re.search(r"http://\S+?(/accounts/confirm/\S+)", invitation.body)[1]
    page.goto(live_server.url + path)
    with page.expect_navigation():
        page.get_by_role("button", name="Confirm").click()
    expect(page.locator("h1")).to_have_text("Address confirmed")
    page.goto(faq_url + "#comments")

    # 2. The customer asks a question; the counter follows the typing.
    page.wait_for_load_state("load")  # the deferred comments script has run
    form = page.locator("#new-comment form")
    counter = form.locator(".counter")
    expect(counter).to_have_text(f"{MAX_LENGTH} of {MAX_LENGTH} characters left.")
    form.locator("textarea[name=body]").press_sequentially("Why?")
    expect(counter).to_have_text(f"{MAX_LENGTH - 4} of {MAX_LENGTH} characters left.")
    form.locator("textarea[name=body]").fill(QUESTION)
    expect(counter).to_have_text(f"{MAX_LENGTH - len(QUESTION)} of {MAX_LENGTH} characters left.")
    with page.expect_navigation():
        form.get_by_role("button", name="Post comment").click()

    question = Comment.objects.get(body=QUESTION)
    assert question.status == "visible", question.held_reason
    expect(page).to_have_url(f"{faq_url}#comment-{question.pk}")
    mine = page.locator(f"article#comment-{question.pk}")
    expect(mine.locator(".comment__author")).to_have_text("Jo Customer")
    expect(mine.locator(".comment__head")).to_contain_text("Spektrix")
    expect(mine.locator(".comment__body")).to_have_text(QUESTION)
    expect(mine.locator(".badge-official")).to_have_count(0)
    assert comment_count(page) == before + 1

    # 3. Staff, in another browser, reply as staff under the customer's question.
    staff.goto(faq_url)
    staff.wait_for_load_state("load")
    thread = staff.locator(".thread", has=staff.locator(f"article#comment-{question.pk}"))
    details = thread.locator("details.reply")
    expect(details.locator("summary")).to_have_text("Reply as staff")
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    details.locator("textarea").fill(REPLY)
    expect(details.locator(".counter")).to_have_text(
        f"{MAX_LENGTH - len(REPLY)} of {MAX_LENGTH} characters left."
    )
    with staff.expect_navigation():
        details.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.get(body=REPLY)
    assert reply.parent_id == question.pk
    expect(staff).to_have_url(f"{faq_url}#comment-{reply.pk}")
    # The customer is told by e-mail (tasks run in-process without a broker).
    told = [
        mail for mail in mailoutbox if mail.to == ["jo@spektrix.example"] and "Confirm" not in
        mail.subject
    ]  # fmt: skip
    assert len(told) == 1, [(mail.to, mail.subject) for mail in mailoutbox]
    assert f"{FAQ_PATH}#comment-{reply.pk}" in told[0].body

    # 4. The customer reloads and finds the official reply under their question.
    page.reload()
    thread = page.locator(".thread", has=page.locator(f"article#comment-{question.pk}"))
    answer = thread.locator(f".replies article#comment-{reply.pk}")
    expect(answer).to_be_visible()
    expect(answer).to_have_class(re.compile(r"\bcomment--official\b"))
    expect(answer.locator(".comment__author")).to_have_text("Stoo")
    expect(answer.locator(".badge-official")).to_have_text("Official response · Support lead")
    expect(answer.locator(".comment__body")).to_have_text(REPLY)
    expect(thread.locator("details.reply summary")).to_have_text("Reply")
    assert comment_count(page) == before + 2
    expect(page.locator("section#comments h2")).to_have_text("Comments (4)")

    # Screenshots for a person to look at; nothing is asserted on them.
    SHOTS.mkdir(parents=True, exist_ok=True)
    thread.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "thread-desktop.png", full_page=True)
    page.locator("section#comments").screenshot(path=SHOTS / "thread-desktop-comments.png")
    phone = browser.new_context(viewport={"width": 360, "height": 780})
    try:
        phone.set_default_timeout(DEFAULT_TIMEOUT_MS)
        small = phone.new_page()
        watch_errors(small, errors)
        small.goto(faq_url + "#comments")
        small.wait_for_load_state("load")
        expect(small.locator(f"article#comment-{reply.pk} .badge-official")).to_be_visible()
        small.screenshot(path=SHOTS / "thread-phone.png", full_page=True)
        small.locator("section#comments").screenshot(path=SHOTS / "thread-phone-comments.png")
    finally:
        phone.close()

    assert errors == [], f"the customer's pages had errors: {errors}"


def test_a_comment_with_an_error_comes_back_at_the_form_with_what_was_typed(
    live_server, page, client, transactional_db, demo
):
    customer = UserFactory()
    Profile.objects.update_or_create(user=customer, defaults={"name": "Jo Customer"})
    client.force_login(customer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + FAQ_PATH)
    page.wait_for_load_state("load")
    form = page.locator("#new-comment form")
    too_long = "x" * (MAX_LENGTH + 10)  # past the box's own limit, as a pasted text may be
    form.locator("textarea").evaluate(
        "(box, text) => { box.removeAttribute('maxlength'); box.value = text; }", too_long
    )
    with page.expect_navigation():
        form.get_by_role("button", name="Post comment").click()
    # Back at the FAQ's own address, at the form: the error in sight, the text kept.
    expect(page).to_have_url(f"{live_server.url}{FAQ_PATH}#new-comment")
    expect(page.locator("#new-comment .field-errors")).to_be_in_viewport()
    expect(page.locator("#new-comment textarea")).to_have_value(too_long)
    assert not Comment.objects.filter(body=too_long).exists()
