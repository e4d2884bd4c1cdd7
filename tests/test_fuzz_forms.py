"""Property-based tests of every form, over HTTP, as the people who may send it.

Each test posts generated data to the real view: arbitrary text mixed with markup meant to
break out of its context, NUL and other control characters, and, where hypothesis can build
them (``from_form``), values the form accepts, so the success paths run too. Whatever is
sent, the answer is never a server error, and the page that answers (or the one it redirects
to) shows the input only escaped. The hypothesis profile in tests/conftest.py sets how many
examples run; examples share one database transaction, which these properties allow.
"""

import socket

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import given
from hypothesis import strategies as st

from faq.accounts import EmailAuthenticationForm, SignUpForm
from faq.forms import CommentForm, ModerationForm
from faq.models import Profile
from statuspage.forms import StatusUpdateForm
from statuspage.subscriptions import tokens
from statuspage.subscriptions.models import Subscriber
from tests.factories import (
    PASSWORD,
    CommentFactory,
    FAQFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    StaffFactory,
    UserFactory,
)
from tests.fuzzing import arbitrary, fuzz_text, send, valid


@pytest.fixture
def fresh():
    """Start each example afresh: no rate-limit counts, no failed sign-ins."""

    def reset():
        cache.clear()
        AccessAttempt.objects.all().delete()

    return reset


@pytest.fixture
def public_dns(monkeypatch):
    """Every name resolves to a public address without the network."""

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def faq(db):
    return FAQFactory(window=MaintenanceWindowFactory(services=[ServiceFactory()]))


@pytest.fixture
def customer(db):
    user = UserFactory(username="pat@example.com", email="pat@example.com")
    Profile.objects.create(user=user, name="Pat", organisation="Acme")
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    return browser, user


@pytest.fixture
def staff(db):
    browser = Client(raise_request_exception=False)
    browser.force_login(StaffFactory(username="fz-editor"))
    return browser


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


# --- accounts ----------------------------------------------------------------------------------


_sign_ups = st.builds(
    lambda email, name, organisation, next_url: {
        "email": email, "name": name, "organisation": organisation, "password1": PASSWORD,
        "password2": PASSWORD, "next": next_url,
    },
    st.emails(), fuzz_text, fuzz_text, st.sampled_from(["/", "//evil.example/", "/faq/x/", ""]),
)  # fmt: skip


@pytest.mark.django_db
@given(data=st.one_of(_sign_ups, valid(SignUpForm), arbitrary(*SignUpForm.base_fields, "next")))
def test_sign_up(anonymous, fresh, data):
    fresh()
    anonymous.logout()
    send(anonymous, "/accounts/signup/", data)


@pytest.mark.django_db
@given(
    data=st.one_of(
        st.builds(dict, username=st.just("PAT@example.com"), password=st.just(PASSWORD),
                  next=fuzz_text),
        valid(EmailAuthenticationForm),
        arbitrary("username", "password", "next"),
    )
)  # fmt: skip
def test_sign_in(anonymous, fresh, data):
    fresh()
    UserFactory(username="pat@example.com", email="pat@example.com")
    anonymous.logout()
    send(anonymous, "/accounts/login/", data)


@pytest.mark.django_db
@given(data=arbitrary("username", "password", "next", "otp_token"))
def test_staff_sign_in(anonymous, fresh, data):
    fresh()
    send(anonymous, "/admin/login/", data)


@pytest.mark.django_db
@given(data=st.one_of(valid(PasswordResetForm), arbitrary("email")))
def test_password_reset(anonymous, fresh, data):
    fresh()
    UserFactory(username="pat@example.com", email="pat@example.com")
    send(anonymous, "/accounts/password_reset/", data)


@pytest.mark.django_db
@given(
    data=st.one_of(
        fuzz_text.map(lambda p: {"new_password1": p, "new_password2": p}),
        arbitrary("new_password1", "new_password2"),
    )
)
def test_set_a_new_password_from_a_reset_link(anonymous, data):
    user = UserFactory(username="pat@example.com", email="pat@example.com")
    uid, token = (
        urlsafe_base64_encode(force_bytes(user.pk)),
        default_token_generator.make_token(user),
    )
    response = anonymous.get(f"/accounts/reset/{uid}/{token}/")
    assert response.status_code == 302  # to the form, with the token kept in the session
    send(anonymous, response["Location"], data)


@pytest.mark.django_db
@given(data=arbitrary("code"))
def test_set_up_two_factor_sign_in(staff, data):
    send(staff, "/admin/two-factor/", data)


# --- subscriptions -----------------------------------------------------------------------------


def _with_services(data: st.SearchStrategy, key: str, services: list[str]) -> st.SearchStrategy:
    chosen = st.lists(st.one_of(st.sampled_from(services), fuzz_text), max_size=3)
    return st.builds(lambda d, s: {**d, key: s}, data, chosen)


@pytest.mark.django_db
@given(data=st.data())
def test_subscribe_by_email_and_by_webhook(anonymous, fresh, public_dns, faq, data):
    fresh()
    services = [str(pk) for pk in faq.window.services.values_list("pk", flat=True)]
    addresses = st.one_of(st.emails(), fuzz_text)
    urls = st.one_of(st.builds("https://hooks.example.com/{}".format, fuzz_text), fuzz_text)
    email = _with_services(
        st.builds(lambda e: {"subscribe": "", "email": e}, addresses), "services", services
    )
    hook = _with_services(
        st.builds(lambda u, e: {"webhook": "", "hook-url": u, "hook-email": e}, urls, addresses),
        "hook-services",
        services,
    )
    send(anonymous, "/subscribe/", data.draw(st.one_of(email, hook, arbitrary("subscribe"))))


@pytest.mark.django_db
@given(data=st.data())
def test_manage_a_subscription(anonymous, faq, data):
    subscriber, _ = Subscriber.objects.get_or_create(email="pat@example.com")
    services = [str(pk) for pk in faq.window.services.values_list("pk", flat=True)]
    token = tokens.token_for(subscriber)
    send(anonymous, f"/subscriptions/{token}/", data.draw(_with_services(
        arbitrary(), "services", services
    )))  # fmt: skip
    send(anonymous, f"/subscriptions/confirm/{token}/", data.draw(arbitrary("x")))


# --- comments ----------------------------------------------------------------------------------


@pytest.mark.django_db
@given(
    data=st.one_of(
        st.builds(dict, body=fuzz_text),
        valid(CommentForm),
        arbitrary("body", "parent", "website"),
    )
)
def test_post_a_comment(customer, fresh, faq, data):
    fresh()
    browser, _ = customer
    send(browser, f"{faq.get_absolute_url()}comments/", data)


@pytest.mark.django_db
@given(data=st.one_of(valid(CommentForm), arbitrary("body")))
def test_edit_a_comment(customer, faq, data):
    browser, user = customer
    comment = CommentFactory(faq=faq, author=user)
    send(browser, f"{faq.get_absolute_url()}comments/{comment.pk}/edit/", data)


@pytest.mark.django_db
@given(data=st.one_of(valid(ModerationForm), arbitrary("action", "reason")))
def test_moderate_a_comment(staff, faq, data):
    comment = CommentFactory(faq=faq, author_name='"><fz-tag data-fz>')
    send(staff, f"{faq.get_absolute_url()}comments/{comment.pk}/moderate/", data)


# --- the update form staff post from the admin ---------------------------------------------------


@pytest.mark.django_db
@given(data=st.data())
def test_post_an_update(staff, faq, data):
    for event in [faq.window, IncidentFactory(services=list(faq.window.services.all()))]:
        fields = StatusUpdateForm(event=event).fields
        posted = data.draw(st.one_of(valid(StatusUpdateForm, event=event), arbitrary(*fields)))
        url = f"/admin/statuspage/{event._meta.model_name}/{event.pk}/"
        send(staff, f"{url}post-update/", posted)
        response = staff.post(f"{url}preview/", posted)
        assert response.status_code == 200
