"""Small points through HTTP: /favicon.ico, the way back from the 429 page, “just now”."""

import shutil
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from faq.models import Comment, Profile
from tests.factories import FAQFactory, UserFactory

ICO_MAGIC = b"\x00\x00\x01\x00"


def _icon(client) -> bytes:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_favicon_ico_is_served_from_the_static_files(client, settings):
    settings.WHITENOISE_USE_FINDERS = True  # as in debug mode
    body = _icon(client)
    assert body.startswith(ICO_MAGIC)
    assert body == (django_settings.BASE_DIR / "static/favicon.ico").read_bytes()


@pytest.mark.django_db
def test_favicon_ico_in_production_comes_from_the_collected_files(client, settings, tmp_path):
    settings.DEBUG = settings.WHITENOISE_USE_FINDERS = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    shutil.copy(settings.BASE_DIR / "static/favicon.ico", tmp_path / "favicon.ico")
    assert _icon(client).startswith(ICO_MAGIC)


@pytest.fixture
def faq(db):
    return FAQFactory()


@pytest.fixture
def reader(db, client):
    user = UserFactory()
    Profile.objects.create(user=user, name="Pat Reader", organisation="Acme")
    client.force_login(user)
    return client


def _comment(client, faq, body: str):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(faq.get_absolute_url(), {"body": body})


def test_the_429_page_after_too_many_comments_links_back_to_the_faq(faq, reader, settings):
    settings.COMMENT_RATE_LIMITS = "1/minute"
    assert _comment(reader, faq, "First").status_code == 302
    refused = _comment(reader, faq, "Second")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "You are commenting faster than we allow" in page
    assert f'<a class="button" href="{faq.get_absolute_url()}#comments">Back to the page</a>' in (
        page
    )


@pytest.mark.django_db
def test_the_429_page_links_back_to_the_page_posted_to_without_its_query(settings):
    settings.SIGNUP_RATE_LIMITS = "1/hour"
    client = Client(HTTP_REFERER="https://elsewhere.example/")
    address = f"{reverse('signup')}?next=/faq/"
    assert client.post(address, {"email": "a@example.com"}).status_code == 200
    refused = client.post(address, {"email": "b@example.com"})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert f'href="{reverse("signup")}">Back to the page</a>' in page
    assert "elsewhere.example" not in page


def test_a_new_comment_was_posted_just_now(faq, reader):
    _comment(reader, faq, "Hello")
    page = reader.get(faq.get_absolute_url()).content.decode()
    assert "just now" in page
    assert "0 minutes" not in page


def test_an_older_comment_says_how_long_ago(faq, reader):
    with time_machine.travel(timezone.now() - timedelta(minutes=5, seconds=10), tick=False):
        _comment(reader, faq, "Hello")
    assert Comment.objects.count() == 1
    page = reader.get(faq.get_absolute_url()).content.decode()
    assert "5\xa0minutes ago" in page
    assert "just now" not in page
