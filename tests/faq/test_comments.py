"""The comment thread under each FAQ, through HTTP: posting, replies, edits, moderation, limits."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from faq.models import Comment, Profile
from statuspage.security.permissions import COMMENT_MODERATORS
from tests.factories import FAQFactory, UserFactory
from tests.xss import XSS_CORPUS, audit


def _person(
    *, name="Pat Reader", organisation="Acme", staff=False, role="", age_days=30, confirmed=True
):
    user = UserFactory(
        is_staff=staff,
        email=f"{name.split()[0].lower()}-{UserFactory._meta.model.objects.count()}@example.com",
        date_joined=timezone.now() - timedelta(days=age_days),
    )
    Profile.objects.create(
        user=user, name=name, organisation=organisation, role=role,
        email_confirmed_at=timezone.now() if confirmed else None,
        public_name_confirmed_at=timezone.now() if staff else None,
    )  # fmt: skip
    return user


@pytest.fixture
def faq(db):
    return FAQFactory()


@pytest.fixture
def staff(db):
    """A second browser, signed in as a comment moderator."""
    browser = Client()
    user = _person(name="Stoo", organisation="dotMailer", staff=True, role="Support")
    user.groups.add(Group.objects.get(name=COMMENT_MODERATORS))
    browser.force_login(user)
    return browser


@pytest.fixture
def customer(db, client):
    user = _person()
    client.force_login(user)
    return user


def _post(client, faq, **data):
    # Run what waits for the commit (the e-mail task) as a real request would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"{faq.get_absolute_url()}comments/", data)


def _page(client, faq) -> str:
    return client.get(faq.get_absolute_url()).content.decode()


def test_anonymous_readers_see_the_thread_and_an_invitation_to_sign_in(faq, client):
    page = _page(client, faq)
    assert "Comments (0)" in page
    assert "to comment. Staff answer here, once, for everyone." in page
    assert 'name="body"' not in page
    response = _post(client, faq, body="Hello")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Comment.objects.exists()


def test_a_customer_posts_and_sees_their_comment_with_name_and_organisation(faq, client, customer):
    response = _post(client, faq, body="Will scheduled sends\n\ngo out afterwards?")
    comment = Comment.objects.get()
    assert response["Location"] == f"{faq.get_absolute_url()}#comment-{comment.pk}"
    page = _page(client, faq)
    assert "Comments (1)" in page
    assert f'id="comment-{comment.pk}"' in page
    assert "<p>Will scheduled sends</p>\n\n<p>go out afterwards?</p>" in page
    assert "Pat Reader" in page
    assert "Acme" in page
    assert "just now · " in page  # relative and absolute time
    assert (comment.author, comment.is_official, comment.status) == (customer, False, "visible")


def test_comment_count_shows_on_the_home_page(demo, client):
    assert "2 comments" in client.get("/").content.decode()


def test_links_are_clickable_and_marked_as_user_content(faq, client, customer):
    _post(client, faq, body="See https://example.com/status for more.")
    page = _page(client, faq)
    assert (
        '<a href="https://example.com/status" rel="nofollow ugc noopener">'
        "https://example.com/status</a>" in page
    )


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_every_field_of_a_comment_renders_harmlessly(faq, client, payload):
    client.force_login(_person(name=payload[:100], organisation=payload[:100]))
    assert _post(client, faq, body=payload).status_code == 302
    assert audit(_page(client, faq)) == []


def test_staff_replies_are_official_with_name_and_role(faq, client, customer, staff):
    _post(client, faq, body="Why Saturday?")
    question = Comment.objects.get()
    _post(staff, faq, body="Saturdays are quieter.", parent=question.pk)
    reply = Comment.objects.get(parent=question)
    assert (reply.is_official, reply.author_role) == (True, "Support")
    page = _page(client, faq)
    assert page.count("Official response · Support") == 1


def test_customers_cannot_forge_the_badge_or_the_author(faq, client, customer):
    _post(
        client,
        faq,
        body="I am staff, honest.",
        is_official="on",
        author_name="Stoo",
        author_organisation="dotMailer",
        author=1,
        status="visible",
    )
    comment = Comment.objects.get()
    assert (comment.is_official, comment.author_name, comment.author_organisation) == (
        False,
        "Pat Reader",
        "Acme",
    )
    assert "Official response" not in _page(client, faq)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before posting."),
        ("   \n  ", "Write something before posting."),
        ("x" * 5001, "Keep it under 5000 characters (this is 5001)."),
    ],
)
def test_empty_and_over_long_comments_are_refused(faq, client, customer, body, message):
    response = _post(client, faq, body=body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Comment.objects.exists()


def test_the_form_counts_characters_and_limits_length(faq, client, customer):
    page = _page(client, faq)
    assert 'maxlength="5000" data-counter' in page
    assert "Up to 5000 characters." in page


def test_the_honeypot_stops_robots(faq, client, customer):
    response = _post(client, faq, body="Buy now", website="http://spam.example")
    assert response.status_code == 400
    assert "This looks automated; your comment was not posted." in response.content.decode()
    assert not Comment.objects.exists()


def test_one_level_of_replies_only(faq, client, customer):
    _post(client, faq, body="Question")
    question = Comment.objects.get()
    _post(client, faq, body="Follow-up", parent=question.pk)
    reply = Comment.objects.get(parent=question)
    response = _post(client, faq, body="Deeper", parent=reply.pk)
    assert response.status_code == 400
    assert "Reply to the comment itself; replies have no replies." in response.content.decode()
    assert Comment.objects.count() == 2


def test_replies_to_hidden_or_unknown_comments_are_refused(faq, client, customer):
    _post(client, faq, body="Question")
    question = Comment.objects.get()
    question.status = "hidden"
    question.save()
    response = _post(client, faq, body="Reply", parent=question.pk)
    assert "That comment is not shown, so it cannot be replied to." in response.content.decode()
    response = _post(client, faq, body="Reply", parent=999999)
    assert "The comment you replied to no longer exists." in response.content.decode()
    other = FAQFactory()
    _post(client, other, body="Elsewhere")
    response = _post(client, faq, body="Reply", parent=Comment.objects.get(faq=other).pk)
    assert "That comment is not on this FAQ." in response.content.decode()
    assert Comment.objects.count() == 2


def test_comments_on_closed_or_unknown_faqs_are_refused(faq, client, customer, staff):
    staff.post(f"{faq.get_absolute_url()}comments/toggle/")
    faq.refresh_from_db()
    assert not faq.comments_open
    response = _post(client, faq, body="Hello?")
    assert response.status_code == 400
    assert "Comments on this FAQ are closed." in response.content.decode()
    assert "Comments on this FAQ are closed." in _page(client, faq)
    assert client.post("/faq/no-such-faq/comments/", {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()


def test_customers_cannot_close_comments(faq, client, customer):
    assert client.post(f"{faq.get_absolute_url()}comments/toggle/").status_code == 403
    faq.refresh_from_db()
    assert faq.comments_open


def _edit(client, comment, body):
    return client.post(
        f"{comment.faq.get_absolute_url()}comments/{comment.pk}/edit/", {"body": body}
    )


def test_own_comment_can_be_edited_for_15_minutes(faq, client, customer):
    _post(client, faq, body="Typo here")
    comment = Comment.objects.get()
    assert _edit(client, comment, "Fixed.").status_code == 302
    page = _page(client, faq)
    assert "Fixed." in page
    assert "Edited" in page
    with time_machine.travel(comment.created_at + timedelta(minutes=16)):
        response = _edit(client, comment, "Too late")
    assert response.status_code == 400
    assert "Comments can be edited for 15 minutes after posting." in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Fixed."


def test_nobody_edits_or_deletes_someone_elses_comment(faq, client, customer):
    _post(client, faq, body="Mine")
    comment = Comment.objects.get()
    client.force_login(_person(name="Other"))
    assert _edit(client, comment, "Hijacked").status_code == 403
    url = f"{faq.get_absolute_url()}comments/{comment.pk}/delete/"
    assert client.post(url).status_code == 403
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("Mine", "visible")


def test_deleted_comment_leaves_a_placeholder_only_when_it_has_replies(faq, client, customer):
    _post(client, faq, body="Lonely")
    _post(client, faq, body="Answered")
    lonely, answered = Comment.objects.order_by("pk")
    _post(client, faq, body="An answer", parent=answered.pk)
    for comment in (lonely, answered):
        client.post(f"{faq.get_absolute_url()}comments/{comment.pk}/delete/")
    client.logout()
    page = _page(client, faq)
    assert "Lonely" not in page
    assert "Answered" not in page
    assert page.count("Comment removed.") == 1
    assert "An answer" in page


def _moderate(client, comment, action, reason=""):
    url = f"{comment.faq.get_absolute_url()}comments/{comment.pk}/moderate/"
    return client.post(url, {"action": action, "reason": reason}, follow=True)


def test_staff_hide_unhide_and_remove_with_a_reason(faq, client, customer, staff):
    _post(client, faq, body="Rude words")
    comment = Comment.objects.get()
    response = _moderate(staff, comment, "hide")
    assert "Give a reason; it is kept for the record." in response.content.decode()
    _moderate(staff, comment, "hide", "Abusive")
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason, comment.moderated_by.profile.name) == (
        "hidden",
        "Abusive",
        "Stoo",
    )
    assert "Rude words" not in _page(Client(), faq)
    assert "Rude words" in _page(staff, faq)
    _moderate(staff, comment, "unhide")
    assert "Rude words" in _page(Client(), faq)
    _moderate(staff, comment, "remove", "Spam")
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == ("removed", "Spam")
    assert "Rude words" not in _page(Client(), faq)


def test_customers_cannot_moderate(faq, client, customer):
    _post(client, faq, body="Mine")
    comment = Comment.objects.get()
    assert _moderate(client, comment, "hide", "because").status_code == 403
    comment.refresh_from_db()
    assert comment.status == "visible"


def test_links_from_new_accounts_are_held_for_review(faq, client, staff):
    newcomer = _person(name="New Person", age_days=0)
    client.force_login(newcomer)
    _post(client, faq, body="Great deals at https://spam.example")
    comment = Comment.objects.get()
    assert (comment.status, comment.held_reason) == (
        "held",
        "Links from accounts younger than a day",
    )
    assert "only you can see it until a moderator has read it" in _page(client, faq)
    assert "Great deals" not in _page(Client(), faq)
    assert "Comments (0)" in _page(Client(), faq)
    _moderate(staff, comment, "approve")
    assert "Great deals" in _page(Client(), faq)


def test_words_from_the_configured_list_hold_a_comment(faq, client, customer, settings):
    settings.COMMENT_HOLD_WORDS = ["casino"]
    _post(client, faq, body="Try our CASINO")
    assert Comment.objects.get().held_reason == "Contains “casino”"
    _post(client, faq, body="A plain question")
    assert Comment.objects.filter(status="visible").count() == 1


def test_rate_limit_per_user_answers_429(faq, client, customer, settings):
    settings.COMMENT_RATE_LIMITS = "3/minute,50/day"
    for n in range(3):
        assert _post(client, faq, body=f"Comment {n}").status_code == 302
    response = _post(client, faq, body="One too many")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 60
    assert "You are commenting faster than we allow" in response.content.decode()
    assert Comment.objects.count() == 3


def test_rate_limit_per_address_covers_several_accounts(faq, settings):
    settings.COMMENT_RATE_LIMITS = "5/minute"
    first, second = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="203.0.113.9")
    first.force_login(_person(name="First"))
    second.force_login(_person(name="Second"))
    for n in range(3):
        assert _post(first, faq, body=f"a{n}").status_code == 302
    assert _post(second, faq, body="b0").status_code == 302
    assert _post(second, faq, body="b1").status_code == 302
    assert _post(second, faq, body="b2").status_code == 429
    assert Comment.objects.count() == 5


def test_daily_limit(faq, client, customer, settings):
    settings.COMMENT_RATE_LIMITS = "100/minute,2/day"
    _post(client, faq, body="1")
    _post(client, faq, body="2")
    assert _post(client, faq, body="3").status_code == 429


def test_posting_without_a_csrf_token_is_refused(faq):
    client = Client(enforce_csrf_checks=True)
    client.force_login(_person())
    assert _post(client, faq, body="No token").status_code == 403
    assert not Comment.objects.exists()


def test_staff_are_emailed_about_new_comments(faq, client, customer):
    UserFactory(username="moderator", is_staff=True, email="mod@example.com")
    _post(client, faq, body="When does it start?")
    [message] = mail.outbox
    assert message.to == ["mod@example.com"]
    assert message.subject == f"New comment on {faq.title}"
    assert "When does it start?" in message.body
    assert f"#comment-{Comment.objects.get().pk}" in message.body


def test_customer_is_emailed_about_an_official_reply_and_can_stop_it(faq, client, customer, staff):
    _post(client, faq, body="Question?")
    question = Comment.objects.get()
    mail.outbox.clear()
    _post(staff, faq, body="Answer.", parent=question.pk)
    [message] = [m for m in mail.outbox if m.to == [customer.email]]
    assert message.subject == f"Stoo replied to your comment on {faq.title}"
    stop = re.search(r"http://\S+/faq/notifications/stop/\S+/", message.body)[0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{stop}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = stop.removeprefix(settings.SITE_URL)
    anonymous = Client(enforce_csrf_checks=True)
    assert "Stop e-mails about replies?" in anonymous.get(path).content.decode()
    customer.profile.refresh_from_db()
    assert customer.profile.notify_replies  # a GET (a link scanner) changes nothing
    assert anonymous.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    customer.profile.refresh_from_db()
    assert not customer.profile.notify_replies
    mail.outbox.clear()
    _post(staff, faq, body="Another answer.", parent=question.pk)
    assert not [m for m in mail.outbox if m.to == [customer.email]]


def test_staff_mail_about_a_comment_shows_names_and_titles_as_typed(db, client):
    faq = FAQFactory(title="Q&A: <the upgrade>")
    UserFactory(username="moderator", is_staff=True, email="mod@example.com")
    client.force_login(_person(name="Tom & Jerry <script>", organisation="R&D"))
    _post(client, faq, body="Is 1 < 2 & 3 > 2?")
    [message] = mail.outbox
    # Plain text: no mail client decodes entities, so "&amp;" would be read as it is.
    assert message.subject == "New comment on Q&A: <the upgrade>"
    assert message.body.startswith("Tom & Jerry <script> (R&D) commented on “Q&A: <the upgrade>”")
    assert "Is 1 < 2 & 3 > 2?" in message.body


def test_reply_mail_to_the_customer_shows_names_and_titles_as_typed(db, client):
    faq = FAQFactory(title="Q&A: <the upgrade>")
    customer = _person(name="Tom & Jerry <script>")
    client.force_login(customer)
    _post(client, faq, body="Why?")
    replier = _person(name="Ben & Jerry <b>", staff=True, role="R&D")
    replier.groups.add(Group.objects.get(name=COMMENT_MODERATORS))
    staff = Client()
    staff.force_login(replier)
    mail.outbox.clear()
    _post(staff, faq, body="Because.", parent=Comment.objects.get().pk)
    [message] = [m for m in mail.outbox if m.to == [customer.email]]
    assert message.subject == "Ben & Jerry <b> replied to your comment on Q&A: <the upgrade>"
    assert message.body.startswith("Hello Tom & Jerry <script>,")
    assert "Ben & Jerry <b> (R&D) of" in message.body


def test_a_forged_stop_link_is_refused(db, client):
    response = client.post("/faq/notifications/stop/1:forged:signature/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_a_notification_delivered_twice_is_sent_once(faq, client, customer):
    from faq.tasks import comment_notify

    UserFactory(username="moderator", is_staff=True, email="mod@example.com")
    _post(client, faq, body="Once")
    comment_notify.delay(Comment.objects.get().pk)
    assert len(mail.outbox) == 1


def test_faq_page_query_count_is_the_same_with_5_and_500_comments(faq, django_assert_num_queries):
    author = _person()
    for count in (5, 500):
        Comment.objects.all().delete()
        Comment.objects.bulk_create(  # no save(): each its thread's place, as posting gives
            Comment(
                faq=faq, author=author, author_name="Pat", body=f"Comment {n}", thread_position=n
            )
            for n in range(1, count + 1)
        )
        # FAQ+window, entries, sections, window services, team; comment counts, a page of
        # top-level comments, their replies
        with django_assert_num_queries(8):
            response = Client().get(faq.get_absolute_url())
        page = response.content.decode()
        assert f"Comments ({count})" in page
        assert page.count('class="thread"') == min(count, 20)


def test_long_threads_come_in_pages_and_links_find_the_right_page(faq):
    reader, staff = _person(), _person(name="Stoo Staff", staff=True)
    first = Comment.objects.create(faq=faq, author=reader, author_name="Pat", body="First")
    Comment.objects.bulk_create(  # no save(): each its thread's place, as posting gives
        Comment(faq=faq, author=reader, author_name="Pat", body=f"Question {n}", thread_position=n)
        for n in range(2, 51)
    )
    last = Comment.objects.filter(faq=faq).order_by("created_at", "pk").last()
    reply = Comment.objects.create(
        faq=faq, author=staff, author_name="Stoo", body="An answer", parent=last
    )
    url = faq.get_absolute_url()
    assert first.get_absolute_url() == f"{url}#comment-{first.pk}"
    assert reply.get_absolute_url() == f"{url}?comments=3#comment-{reply.pk}"

    one = Client().get(url).content.decode()
    assert "Threads 1–20 of 50" in one
    assert 'href="?comments=2#comments" rel="next"' in one
    assert "Question 20<" in one
    assert "Question 21<" not in one
    three = Client().get(f"{url}?comments=3").content.decode()
    assert "Threads 41–50 of 50" in three
    assert f'id="comment-{reply.pk}"' in three
    assert 'href="?comments=2#comments" rel="prev"' in three
    assert 'rel="next"' not in three
    # Anything else is the nearest page that exists.
    assert "Threads 41–50" in Client().get(f"{url}?comments=99").content.decode()
    assert "Threads 1–20" in Client().get(f"{url}?comments=x").content.decode()


def test_readers_get_no_edit_or_delete_links_on_comments_without_an_account(faq):
    # Comments imported with the seed, or left by a deleted account, have no author.
    Comment.objects.create(faq=faq, author=None, author_name="Michael", body="Why Saturday?")
    page = Client().get(faq.get_absolute_url()).content.decode()
    assert "Why Saturday?" in page
    assert "/edit/" not in page
    assert ">Delete</button>" not in page


def test_a_comments_link_runs_no_query(faq, django_assert_num_queries):
    question = Comment.objects.create(faq=faq, author=None, author_name="Pat", body="Why?")
    reply = Comment.objects.create(
        faq=faq, author=None, author_name="Stoo", body="Because.", parent=question
    )
    loaded = Comment.objects.select_related("faq").get(pk=reply.pk)
    with django_assert_num_queries(0):
        link = loaded.get_absolute_url()
    assert link == f"{faq.get_absolute_url()}#comment-{reply.pk}"
    assert (question.thread_position, reply.thread_position) == (1, 1)


def test_the_form_posts_to_the_faq_itself_and_an_error_comes_back_there(faq, client, customer):
    assert f'action="{faq.get_absolute_url()}#new-comment"' in _page(client, faq)
    refused = client.post(faq.get_absolute_url(), {"body": "   "})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="new-comment"' in page
    assert "field-errors" in page
    assert not Comment.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        posted = client.post(faq.get_absolute_url(), {"body": "Is the API down too?"})
    assert posted.status_code == 302
    assert Comment.objects.get().body == "Is the API down too?"


def test_an_anonymous_post_to_the_faq_is_asked_to_sign_in(faq):
    response = Client().post(faq.get_absolute_url(), {"body": "Hello"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Comment.objects.exists()
