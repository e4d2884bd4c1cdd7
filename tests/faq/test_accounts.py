"""Customer accounts through HTTP: sign up, sign in and out, password reset."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from faq.models import Comment, Profile
from faq.services import comment_post
from tests.factories import FAQFactory, StaffFactory, UserFactory

User = get_user_model()

SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
RESET = "/accounts/password_reset/"
PASSWORD = "plum-orchard-77-lantern"


def _signup(client, *, next_url: str | None = None, **overrides):
    data = {
        "email": "Ada.Lovelace@Example.com",
        "name": "Ada Lovelace",
        "organisation": "Analytical Engines Ltd",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    url = f"{SIGNUP}?next={next_url}" if next_url else SIGNUP
    return client.post(url, data)


def _customer(email: str = "grace@example.com", name: str = "Grace Hopper"):
    user = UserFactory(username=email.lower(), email=email, password=PASSWORD)
    Profile.objects.create(user=user, name=name)
    return user


def _signed_in_user(client):
    return client.get("/").wsgi_request.user


@pytest.mark.django_db
def test_signup_page_shows_every_field_with_a_label(client):
    page = client.get(SIGNUP).content.decode()
    for field in ("email", "name", "organisation", "password1", "password2"):
        assert f'<label for="id_{field}">' in page
    assert f'href="{LOGIN}"' in page


@pytest.mark.django_db
def test_signup_creates_the_user_and_profile_and_signs_in(client):
    response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert user.username == "ada.lovelace@example.com"
    assert user.email == "Ada.Lovelace@Example.com"
    assert user.first_name == "Ada Lovelace"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert (user.profile.name, user.profile.organisation) == (
        "Ada Lovelace",
        "Analytical Engines Ltd",
    )
    assert user.profile.role == ""
    assert user.profile.notify_replies
    assert _signed_in_user(client) == user
    assert "Ada Lovelace" in client.get("/").content.decode()


@pytest.mark.django_db
def test_signup_goes_on_to_the_next_page(client):
    response = _signup(client, next_url="/faq/some-faq/%23comments")
    assert response["Location"] == "/faq/some-faq/#comments"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/steal", "//evil.example/", "javascript:alert(1)"]
)
def test_signup_refuses_an_off_site_next(client, next_url):
    response = _signup(client, next_url=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_signup_keeps_next_on_the_form_and_the_sign_in_link(client):
    page = client.get(f"{SIGNUP}?next=/faq/x/%23comments").content.decode()
    assert '<input type="hidden" name="next" value="/faq/x/#comments">' in page
    assert f'href="{LOGIN}?next=/faq/x/%23comments"' in page


@pytest.mark.django_db
def test_signed_in_readers_are_sent_on_from_signup(client):
    client.force_login(_customer())
    response = client.get(f"{SIGNUP}?next=/history/")
    assert response.status_code == 302
    assert response["Location"] == "/history/"


@pytest.mark.django_db
def test_signup_refuses_an_email_taken_in_another_case(client):
    _customer(email="ada.lovelace@example.com")

    response = _signup(client, email="ADA.Lovelace@EXAMPLE.com")

    assert response.status_code == 200
    assert "An account with this e-mail already exists. Sign in, or reset your password." in (
        response.content.decode()
    )
    assert User.objects.count() == 1
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_signup_refuses_the_email_of_an_account_with_another_username(client):
    UserFactory(username="editor", email="Editor@example.com")
    response = _signup(client, email="editor@EXAMPLE.com")
    assert "An account with this e-mail already exists." in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password1", "password2", "field", "message"),
    [
        ("short1", "short1", "password1", "This password is too short."),
        ("password123", "password123", "password1", "This password is too common."),
        ("58203749162", "58203749162", "password1", "This password is entirely numeric."),
        ("ada.lovelace", "ada.lovelace", "password1", "The password is too similar to the"),
        (PASSWORD, PASSWORD + "x", "password2", "The two password fields didn’t match."),
    ],
)
def test_signup_refuses_weak_or_mismatched_passwords(client, password1, password2, field, message):
    response = _signup(client, password1=password1, password2=password2)
    assert response.status_code == 200
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.text)
    assert errors
    assert message in errors.group(1)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_needs_a_name_but_not_an_organisation(client):
    response = _signup(client, name="  ")
    assert response.status_code == 200
    assert '<ul class="errorlist" id="id_name_error"><li>Enter your name.</li></ul>' in (
        response.content.decode()
    )
    assert not User.objects.exists()

    response = _signup(client, organisation="")
    assert response.status_code == 302
    assert User.objects.get().profile.organisation == ""


@pytest.mark.django_db
def test_signup_racing_another_for_the_same_email_shows_the_duplicate_message(client, monkeypatch):
    _customer(email="ada.lovelace@example.com")
    # As if the other sign-up committed between our check and our insert.
    monkeypatch.setattr("faq.accounts._email_taken", lambda email: False)

    response = _signup(client)

    assert response.status_code == 200
    assert "An account with this e-mail already exists." in response.text
    assert User.objects.count() == 1
    assert Profile.objects.count() == 1


@pytest.mark.django_db
def test_signup_saves_nothing_if_the_profile_cannot_be_saved(client, monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Profile, "save", fail)
    with pytest.raises(DatabaseError):
        _signup(client)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_without_a_csrf_token_is_refused_and_creates_nothing():
    response = _signup(Client(enforce_csrf_checks=True))
    assert response.status_code == 403
    assert not User.objects.exists()
    assert not Profile.objects.exists()


@pytest.mark.django_db
def test_names_and_organisations_are_escaped_in_the_header(client):
    payload = "<script>alert(1)</script>"
    _signup(client, name=payload, organisation=payload)

    page = client.get("/").content.decode()

    assert payload not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_login_page_links_to_signup_and_password_reset_keeping_next(client, settings):
    page = client.get(f"{LOGIN}?next=/history/").content.decode()
    assert f'<a class="site-name" href="/">{settings.SITE_NAME}</a>' in page
    assert '<label for="id_username">E-mail</label>' in page
    assert f'href="{SIGNUP}?next=/history/"' in page
    assert f'href="{RESET}"' in page
    assert '<input type="hidden" name="next" value="/history/">' in page


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["grace@example.com", "Grace@Example.COM", " GRACE@example.com "])
def test_login_with_the_email_in_any_case(client, typed):
    user = _customer()
    response = client.post(f"{LOGIN}?next=/history/", {"username": typed, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/history/"
    assert _signed_in_user(client) == user


@pytest.mark.django_db
def test_login_with_a_wrong_password_shows_an_error(client):
    _customer()
    response = client.post(LOGIN, {"username": "grace@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert "That e-mail and password don’t match an account." in response.content.decode()
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_header_offers_sign_in_and_up_to_readers_and_sign_out_to_members(client):
    page = client.get("/history/?page=2").content.decode()
    assert f'href="{LOGIN}?next=/history/%3Fpage%3D2"' in page
    assert f'href="{SIGNUP}?next=/history/%3Fpage%3D2"' in page
    assert "Sign out" not in page

    client.force_login(_customer())
    page = client.get("/history/").content.decode()
    assert "Grace Hopper" in page
    assert f'<form class="site-signout" method="post" action="{LOGOUT}">' in page
    assert "Sign in" not in page


@pytest.mark.django_db
def test_header_falls_back_to_the_username_without_a_profile(client):
    client.force_login(UserFactory(username="editor"))
    page = client.get("/").content.decode()
    assert '<span class="visually-hidden">Signed in as </span>editor</span>' in page


@pytest.mark.django_db
def test_logout_by_post_only(client):
    client.force_login(_customer())

    assert client.get(LOGOUT).status_code == 405
    assert _signed_in_user(client).is_authenticated

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not _signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_password_reset_by_email_link_then_sign_in_with_the_new_password(client, settings):
    settings.SITE_URL = "https://status.example.com"
    _customer(email="Grace@Example.com")

    response = client.post(RESET, {"email": "grace@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Grace@Example.com"]
    assert "Reset your" in message.subject
    assert "Hello Grace Hopper," in message.body
    link = re.search(r"https://status\.example\.com(/accounts/reset/\S+/)", message.body)
    assert link

    set_password = client.get(link.group(1), follow=True)
    assert "Choose a new password" in set_password.content.decode()
    new_password = "quartz-meadow-51-harbour"
    done = client.post(
        set_password.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your password has been changed" in done.content.decode()

    signed_in = client.post(LOGIN, {"username": "GRACE@example.com", "password": new_password})
    assert signed_in.status_code == 302
    assert _signed_in_user(client).username == "grace@example.com"
    assert "This link no longer works" in client.get(link.group(1), follow=True).content.decode()


@pytest.mark.django_db
def test_password_reset_mail_shows_names_as_typed_not_html_escaped(client, settings):
    settings.SITE_NAME = "Tom & Jerry <status>"
    _customer(name="Tom & Jerry <script>")
    client.post(RESET, {"email": "grace@example.com"})
    [message] = mail.outbox
    assert message.subject == "Reset your Tom & Jerry <status> password"
    assert message.body.startswith("Hello Tom & Jerry <script>,")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):
    response = client.post(RESET, {"email": "nobody@example.com"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_urls_keep_djangos_global_names():
    assert reverse("login") == LOGIN
    assert reverse("signup") == SIGNUP
    assert reverse("password_reset") == RESET


@pytest.mark.django_db
def test_sign_ups_from_one_address_are_limited(settings):
    settings.SIGNUP_RATE_LIMITS = "3/hour"
    answers = [_signup(Client(), email=f"person{i}@example.com").status_code for i in range(4)]
    assert answers == [302, 302, 302, 429]
    assert User.objects.count() == 3


@pytest.mark.django_db
def test_sign_ups_for_one_email_are_limited_from_any_address(settings):
    settings.SIGNUP_RATE_LIMITS = "2/hour"
    answers = [
        _signup(Client(REMOTE_ADDR=f"198.51.100.{i}"), password2="typo").status_code
        for i in range(3)
    ]
    assert answers == [200, 200, 429]  # the form again (a typo), the form, then no more
    refused = _signup(Client(REMOTE_ADDR="198.51.100.9"))
    assert refused.status_code == 429
    assert "You are signing up faster than we allow" in refused.content.decode()
    assert int(refused["Retry-After"]) <= 3600


@pytest.mark.django_db
def test_password_resets_are_limited_per_address_and_per_email(client, settings):
    settings.PASSWORD_RESET_RATE_LIMITS = "2/hour"
    _customer()
    for i in range(2):
        assert (
            Client(REMOTE_ADDR=f"203.0.113.{i}")
            .post(RESET, {"email": "grace@example.com"})
            .status_code
            == 302
        )
    from_elsewhere = Client(REMOTE_ADDR="203.0.113.50").post(RESET, {"email": "Grace@Example.com"})
    assert from_elsewhere.status_code == 429
    assert len(mail.outbox) == 2
    one_address = Client(REMOTE_ADDR="192.0.2.7")
    assert [
        one_address.post(RESET, {"email": f"nobody{i}@example.com"}).status_code for i in range(3)
    ] == [302, 302, 429]


def test_replies_are_e_mailed_only_once_the_address_is_confirmed(
    db, client, django_capture_on_commit_callbacks
):
    """Sign-up sends a link; until its owner opens it and confirms, staff replies to their
    comments send nothing; a comment posted meanwhile sends the link again (once an hour)."""
    faq = FAQFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client, email="new@example.com")
    [invitation] = mail.outbox
    assert invitation.to == ["new@example.com"]
    link = re.search(rf"{re.escape(settings.SITE_URL)}(/accounts/confirm/\S+)", invitation.body)[1]
    customer = User.objects.get(username="new@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(faq.get_absolute_url(), {"body": "Why a Saturday?"})
    assert len(mail.outbox) == 1  # within the hour of the first link: not again
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=61)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(faq.get_absolute_url(), {"body": "And why 11:00?"})
    assert [m.to for m in mail.outbox] == [["new@example.com"]] * 2  # the link again
    question = Comment.objects.filter(author=customer).first()
    staff = StaffFactory(email="staff@example.com", profile__name="Stoo", profile__role="Support")

    def reply(body: str) -> list:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            comment_post(faq=faq, author=staff, body=body, parent=question)
        return [m for m in mail.outbox if m.to == ["new@example.com"]]

    assert reply("Because.") == []
    assert client.get(link).status_code == 200  # opening the link only asks
    customer.profile.refresh_from_db()
    assert customer.profile.email_confirmed_at is None
    assert client.post(link).status_code == 200
    customer.profile.refresh_from_db()
    assert customer.profile.email_confirmed_at is not None
    assert len(reply("Also this.")) == 1
    assert client.get("/accounts/confirm/forged:token/").status_code == 400
