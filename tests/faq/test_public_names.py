"""Who customers see: staff who answer customers give the name and role on their official
replies on first use of the console, and no reply goes out signed with a sign-in name."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from faq.models import Comment, Profile
from statuspage.security.permissions import STATUS_EDITORS
from tests.factories import (
    CommentFactory,
    FAQFactory,
    ProfileFactory,
    StaffFactory,
    UserFactory,
)

PAGE = "/admin/console/who-customers-see/"
REFUSED = "Set the name and role customers will see before answering"


@pytest.fixture
def sam(db):
    """A Status editor (they answer customers) who has not used the console yet."""
    user = UserFactory(username="sam.k", first_name="Sam", last_name="Okafor", is_staff=True)
    user.groups.add(Group.objects.get(name=STATUS_EDITORS))
    return user


@pytest.fixture
def console(client, sam):
    client.force_login(sam)
    return client


@pytest.fixture
def question(db):
    """A customer's question, from one whose address is confirmed: replies are e-mailed."""
    customer = UserFactory(username="pat", email="pat@example.com")
    ProfileFactory(user=customer, name="Pat Reader", email_confirmed_at=timezone.now())
    return CommentFactory(
        faq=FAQFactory(title="Database upgrade FAQ"),
        author=customer,
        author_name="Pat Reader",
        body="Will the API be down?",
    )


def _confirm(client, **data):
    return client.post(
        f"{PAGE}?next=/admin/", {"name": "Sam Okafor", "role": "Duty engineer", **data}
    )


def test_the_first_console_visit_asks_with_the_full_name_not_the_username(console):
    first = console.get("/admin/")
    assert (first.status_code, first["Location"]) == (302, f"{PAGE}?next=%2Fadmin%2F")

    page = console.get(first["Location"]).text

    assert "Who customers see" in page
    assert "official replies on the FAQs, and in the e-mails" in page
    assert 'value="Sam Okafor"' in page
    assert 'value="sam.k"' not in page


def test_an_account_without_a_full_name_gets_an_empty_name_not_its_username(db, client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))

    page = client.get(client.get("/admin/")["Location"]).text

    assert 'name="name"' in page
    assert 'value="admin"' not in page


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            {"name": "SAM.K"},
            "Customers would see your sign-in name; write the name you want them to see.",
        ),
        ({"role": ""}, "This field is required."),
    ],
    ids=["sign-in name", "no role"],
)
def test_a_sign_in_name_or_no_role_is_refused_with_the_reason(console, sam, data, reason):
    refused = _confirm(console, **data)

    assert refused.status_code == 200
    assert reason in refused.text
    assert not Profile.objects.filter(user=sam, public_name_confirmed_at__isnull=False).exists()
    assert console.get("/admin/").status_code == 302  # still asked


def test_a_good_name_and_role_go_back_to_the_console_which_asks_no_more(console, sam):
    saved = _confirm(console)

    assert (saved.status_code, saved["Location"]) == (302, "/admin/")
    profile = Profile.objects.get(user=sam)
    assert (profile.name, profile.role) == ("Sam Okafor", "Duty engineer")
    assert profile.public_name_confirmed_at is not None
    home = console.get("/admin/")
    assert home.status_code == 200
    assert "Customers now see you as Sam Okafor." in home.text
    again = console.get(PAGE).text  # from the user links, to change them later
    assert 'value="Sam Okafor"' in again
    assert 'value="Duty engineer"' in again


@pytest.mark.parametrize("next_url", ["https://elsewhere.example/admin/", "//elsewhere.example/"])
def test_a_next_address_off_the_admin_is_ignored(console, next_url):
    saved = console.post(f"{PAGE}?next={next_url}", {"name": "Sam Okafor", "role": "Lead"})

    assert saved["Location"] == "/admin/"


def test_a_next_page_of_the_admin_is_followed(console):
    saved = console.post(f"{PAGE}?next=/admin/faq/faq/", {"name": "Sam Okafor", "role": "Lead"})

    assert saved["Location"] == "/admin/faq/faq/"


def test_staff_who_may_not_answer_are_not_asked(db, client):
    client.force_login(UserFactory(username="viewer", is_staff=True))

    assert client.get("/admin/").status_code == 200


def test_an_answer_from_the_console_before_confirming_is_refused_with_the_text_kept(
    console, question
):
    refused = console.post(f"/admin/console/answer/{question.pk}/", {"body": "Yes, 11 to 3."})

    assert refused.status_code == 200
    assert REFUSED in refused.text
    assert "Who customers see, on the staff console." in refused.text
    assert ">Yes, 11 to 3.</textarea>" in refused.text
    assert not question.replies.exists()


def test_a_reply_on_the_faq_page_before_confirming_is_refused_with_the_text_kept(console, question):
    refused = console.post(
        f"{question.faq.get_absolute_url()}comments/",
        {"body": "Yes, 11 to 3.", "parent": question.pk},
    )

    assert refused.status_code == 400
    assert REFUSED in refused.text
    assert "Yes, 11 to 3.</textarea>" in refused.text
    assert not question.replies.exists()


def test_once_confirmed_the_reply_and_its_mail_carry_the_public_name_and_role(
    console, question, django_capture_on_commit_callbacks
):
    _confirm(console)
    with django_capture_on_commit_callbacks(execute=True):
        console.post(f"/admin/console/answer/{question.pk}/", {"body": "Yes, 11 to 3."})

    reply = Comment.objects.get(parent=question)
    assert (reply.author_name, reply.author_role, reply.is_official) == (
        "Sam Okafor",
        "Duty engineer",
        True,
    )
    page = console.get(question.faq.get_absolute_url()).text
    assert "Sam Okafor" in page
    assert "Official response · Duty engineer" in page
    [message] = [m for m in mail.outbox if m.to == ["pat@example.com"]]
    assert message.subject == "Sam Okafor replied to your comment on Database upgrade FAQ"
    assert "Sam Okafor (Duty engineer) of " in message.body
    assert "sam.k" not in message.subject + message.body


def test_the_profile_admin_shows_when_the_name_was_confirmed(console, sam):
    _confirm(console)
    console.force_login(StaffFactory(username="boss"))

    page = console.get(f"/admin/faq/profile/{Profile.objects.get(user=sam).pk}/change/").text

    assert "Public name confirmed at" in page


def test_the_demo_reply_is_signed_with_a_confirmed_name(demo):
    reply = Comment.objects.get(is_official=True, faq__slug="dotmailer-database-upgrade")

    assert reply.author.profile.public_name_confirmed_at is not None
