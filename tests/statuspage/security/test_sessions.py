"""Sign-in lockouts (django-axes) and sessions that end when idle, through HTTP."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessLog
from django.test import Client
from django.utils import timezone

from faq.models import Profile
from statuspage.security import tasks
from tests.factories import PASSWORD, StaffFactory, UserFactory

ADMIN_LOGIN = "/admin/login/"
LOGIN = "/accounts/login/"


def _customer(email="grace@example.com"):
    user = UserFactory(username=email, email=email, password=PASSWORD)
    Profile.objects.create(user=user, name="Grace Hopper")
    return user


def _sign_in(client, username, password, *, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def _signed_in(client) -> bool:
    return client.get("/").wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_customer_out_with_a_page_saying_how_long(client):
    _customer()
    for _ in range(4):
        assert _sign_in(client, "grace@example.com", "wrong").status_code == 200

    locked = _sign_in(client, "grace@example.com", "wrong")

    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    page = locked.content.decode()
    assert "Too many wrong sign-in attempts" in page
    assert "for 15 minutes" in page
    # Now even the right password is refused, until the wait is over.
    assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 429
    assert not _signed_in(client)


@pytest.mark.django_db
def test_the_lockout_counts_the_address_typed_in_any_case(client):
    _customer()
    for typed in [
        "Grace@Example.com",
        "GRACE@example.com",
        "grace@EXAMPLE.com",
        "grace@example.com",
    ]:
        _sign_in(client, typed, "wrong")
    assert _sign_in(client, "Grace@example.COM", "wrong").status_code == 429


@pytest.mark.django_db
def test_the_lockout_ends_after_the_cool_off(client):
    _customer()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            _sign_in(client, "grace@example.com", "wrong")
        traveller.shift(timedelta(minutes=14))
        assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 429
        # Trying while locked out starts the wait again.
        traveller.shift(timedelta(minutes=14))
        assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=16))
        response = _sign_in(client, "grace@example.com", PASSWORD)
    assert response.status_code == 302
    assert _signed_in(client)


@pytest.mark.django_db
def test_a_lockout_holds_only_for_the_address_that_guessed(client):
    _customer()
    for _ in range(5):
        _sign_in(client, "grace@example.com", "wrong")

    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    response = _sign_in(elsewhere, "grace@example.com", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(elsewhere)


@pytest.mark.django_db
def test_a_right_password_clears_earlier_mistakes(client):
    _customer()
    for _ in range(4):
        _sign_in(client, "grace@example.com", "wrong")
    assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert _sign_in(client, "grace@example.com", "wrong").status_code == 200
    assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_sign_in_locks_out_too(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    StaffFactory(username="editor")
    for _ in range(2):
        assert _sign_in(client, "editor", "wrong", url=ADMIN_LOGIN).status_code == 200

    locked = _sign_in(client, "editor", "wrong", url=ADMIN_LOGIN)

    assert locked.status_code == 429
    assert "Too many wrong sign-in attempts" in locked.content.decode()
    assert _sign_in(client, "editor", PASSWORD, url=ADMIN_LOGIN).status_code == 429
    assert client.get("/admin/").status_code == 302


# --- idle sessions ---------------------------------------------------------------------------


def _staff_client():
    client = Client()
    assert _sign_in(client, "editor", PASSWORD, url=ADMIN_LOGIN).status_code == 302
    return client


@pytest.mark.django_db
def test_staff_are_signed_out_after_thirty_idle_minutes():
    StaffFactory(username="editor")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _staff_client()
        traveller.shift(timedelta(minutes=29))
        assert client.get("/admin/").status_code == 200
        # Activity restarts the clock: 29 more minutes are still fine.
        traveller.shift(timedelta(minutes=29))
        assert client.get("/admin/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/admin/", follow=True)

    assert response.redirect_chain[0] == ("/admin/login/?next=/admin/", 302)
    assert not response.wsgi_request.user.is_authenticated
    assert "signed out after 30 minutes without activity" in response.content.decode()


@pytest.mark.django_db
def test_timeline_polls_do_not_keep_a_staff_session_alive(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 10
    StaffFactory(username="editor")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = _staff_client()
        for _ in range(12):
            traveller.shift(timedelta(minutes=1))
            assert client.get("/timeline/").status_code == 200
        assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_customers_stay_signed_in_while_staff_would_not(client):
    _customer()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _sign_in(client, "grace@example.com", PASSWORD)
        traveller.shift(timedelta(hours=6))
        assert _signed_in(client)


@pytest.mark.django_db
def test_customer_sessions_end_after_the_idle_days(client):
    _customer()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _sign_in(client, "grace@example.com", PASSWORD)
        traveller.shift(timedelta(days=13))
        assert _signed_in(client)  # and the visit slides the expiry
        traveller.shift(timedelta(days=13))
        assert _signed_in(client)
        traveller.shift(timedelta(days=15))
        assert not _signed_in(client)


@pytest.mark.django_db
def test_anonymous_pages_get_no_session_from_the_idle_clock(client):
    response = client.get("/")
    assert "sessionid" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")


@pytest.mark.django_db
def test_sign_in_records_are_deleted_once_older_than_the_setting(client, settings):
    settings.SIGN_IN_LOG_DAYS = 90
    _customer()
    with time_machine.travel(timezone.now() - timedelta(days=91)):
        assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert _sign_in(client, "grace@example.com", PASSWORD).status_code == 302
    assert AccessLog.objects.count() == 2

    assert tasks.sign_in_logs_prune.delay().get() == 1

    (kept,) = AccessLog.objects.all()
    assert kept.attempt_time > timezone.now() - timedelta(days=1)
