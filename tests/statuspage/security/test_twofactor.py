"""Two-factor sign-in to the admin with an authenticator app, through HTTP.

Codes are computed from the device's key as an authenticator app computes them.
"""

import re
import time
from base64 import b32decode

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, StaffFactory

LOGIN = "/admin/login/"
SETUP = "/admin/two-factor/"


def _code(key: bytes) -> str:
    """The code an authenticator app shows now for ``key``."""
    return f"{totp(key):06d}"


def _wrong(key: bytes) -> str:
    return f"{(totp(key) + 1) % 1_000_000:06d}"


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def _sign_in(client, **extra):
    return client.post(LOGIN, {"username": "editor", "password": PASSWORD, **extra})


@pytest.fixture
def editor(db):
    return StaffFactory(username="editor")


def test_staff_without_an_app_sign_in_with_the_password_alone(editor, client):
    response = _sign_in(client)
    assert response.status_code == 302
    index = client.get("/admin/")
    assert index.status_code == 200
    assert f'<a href="{SETUP}">Two-factor sign-in</a>' in index.content.decode()


def test_staff_with_an_app_must_give_its_code(editor, client):
    _device(editor)
    response = _sign_in(client)
    assert response.status_code == 200
    assert "Enter the code from your authenticator app." in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_wrong_code_is_refused(editor, client):
    device = _device(editor)
    response = _sign_in(client, code=_wrong(device.bin_key))
    assert response.status_code == 200
    assert "That code is wrong or has expired." in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_right_code_opens_the_admin(editor, client):
    device = _device(editor)
    response = _sign_in(client, code=_code(device.bin_key))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_code_cannot_be_used_twice(editor, client):
    device = _device(editor)
    with time_machine.travel(timezone.now(), tick=False):
        code = _code(device.bin_key)
        assert _sign_in(client, code=code).status_code == 302
        other = Client()
        assert _sign_in(other, code=code).status_code == 200


def test_wrong_codes_count_towards_the_lockout(editor, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device = _device(editor)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            traveller.shift(60)  # past django-otp's own throttle, which doubles each time
            _sign_in(client, code=_wrong(device.bin_key))
        traveller.shift(60)
        response = _sign_in(client, code=_code(device.bin_key))
    assert response.status_code == 429


def test_a_session_signed_in_elsewhere_without_the_code_is_not_let_into_the_admin(editor, client):
    _device(editor)
    client.force_login(editor)  # e.g. through the customers' sign-in page
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    # Nor can it replace the app with one of its own.
    page = client.get(SETUP).content.decode()
    assert "Two-factor sign-in is on for your account" in page
    assert "two-factor-key" not in page
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def _setup_key(client) -> bytes:
    page = client.get(SETUP).content.decode()
    assert re.search(r'class="two-factor-qr"[^>]*><svg', page)  # the QR code, inline
    key = re.search(r'<code class="two-factor-key">([A-Z2-7 ]+)</code>', page).group(1)
    return b32decode(key.replace(" ", ""))


def test_staff_set_up_an_app_and_then_need_its_code(editor, client):
    assert _sign_in(client).status_code == 302
    key = _setup_key(client)
    assert _setup_key(client) == key  # the same key until it is confirmed

    response = client.post(SETUP, {"code": _wrong(key)})
    assert "That code does not match." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()

    with time_machine.travel(time.time() + 60, tick=False):
        response = client.post(SETUP, {"code": _code(key)})
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200  # verified in this session

        fresh = Client()
        assert _sign_in(fresh).status_code == 200
        assert fresh.get("/admin/").status_code == 302


def test_setup_needs_a_signed_in_staff_member(db, client):
    assert client.get(SETUP)["Location"].startswith(LOGIN)


def test_mandatory_two_factor_sends_staff_without_an_app_to_set_one_up(editor, client, settings):
    settings.STAFF_REQUIRE_2FA = True
    response = _sign_in(client)
    assert response.status_code == 302

    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1] == (SETUP, 302)
    page = response.content.decode()
    assert "Staff must use two-factor sign-in here." in page
    assert "/admin/statuspage/" not in page  # no way round it
    assert client.get("/admin/statuspage/service/").status_code == 302

    key = _setup_key(client)
    with time_machine.travel(time.time() + 60, tick=False):
        client.post(SETUP, {"code": _code(key)})
        assert client.get("/admin/statuspage/service/").status_code == 200


def test_mandatory_two_factor_still_lets_staff_with_an_app_in_with_its_code(
    editor, client, settings
):
    settings.STAFF_REQUIRE_2FA = True
    device = _device(editor)
    assert _sign_in(client, code=_code(device.bin_key)).status_code == 302
    assert client.get("/admin/").status_code == 200
