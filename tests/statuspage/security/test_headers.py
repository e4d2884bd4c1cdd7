"""Security headers and cookie flags, over HTTP, with the settings production has.

The settings are read from a production process (tests/production.py), then requests go
through the whole middleware stack as HTTPS requests, as behind the site's TLS.
"""

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from faq.models import FAQ
from statuspage.models import Incident, MaintenanceWindow, Service
from statuspage.subscriptions import tokens
from statuspage.subscriptions.models import Subscriber
from tests.factories import PASSWORD, IncidentFactory, UserFactory
from tests.faults import database_down
from tests.production import production_settings

SECURITY_SETTINGS = (
    "MIDDLEWARE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "PERMISSIONS_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
)
SLUG = "dotmailer-database-upgrade"
HTTPS_ORIGIN = "https://testserver"

SITE_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
HSTS = "max-age=31536000; includeSubDomains; preload"
FEATURES_OFF = {"camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"}

# Representative pages and what they answer: HTML, JSON, feeds, forms, the admin, embeds.
PAGES = {
    "/": 200,
    f"/faq/{SLUG}/": 200,
    f"/maintenance/{SLUG}/": 200,
    f"/maintenance/{SLUG}/timeline/": 200,
    "/history/": 200,
    "/subscribe/": 200,
    "/api/v2/summary.json": 200,
    "/history.atom": 200,
    "/accounts/login/": 200,
    "/admin/login/": 200,
    "/embed/banner.js": 200,
    "/embed/banner.json": 200,
    "/no-such-page/": 404,
}


@pytest.fixture(scope="module")
def production_security():
    return production_settings(*SECURITY_SETTINGS)


@pytest.fixture
def production(settings, production_security):
    for name, value in production_security.items():
        setattr(settings, name, value)
    assert settings.SECURE_PROXY_SSL_HEADER is None


@pytest.fixture
def site(production, demo):
    pass


def _policy(header: str) -> dict[str, set[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def _permissions(header: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in header.split(","))


def _assert_common_headers(response):
    assert response["Strict-Transport-Security"] == HSTS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = _permissions(response["Permissions-Policy"])
    assert {feature for feature, allow in permissions.items() if allow == "()"} >= FEATURES_OFF


@pytest.mark.parametrize(("path", "status"), PAGES.items())
def test_every_page_sends_the_security_headers(site, client, path, status):
    for _ in range(2):  # rendered, then from the shared cache
        response = client.get(path, secure=True)
        assert response.status_code == status
        _assert_common_headers(response)
        assert response["X-Frame-Options"] == "DENY"
        assert _policy(response["Content-Security-Policy"]) == SITE_POLICY


def test_the_page_for_a_database_outage_sends_them_too(site, client):
    with database_down():
        response = client.get("/subscribe/", secure=True)
    assert response.status_code == 503
    _assert_common_headers(response)
    assert response["X-Frame-Options"] == "DENY"
    assert _policy(response["Content-Security-Policy"]) == SITE_POLICY
    assert _inline_code(response) == []


def test_the_badge_may_be_framed_and_loads_nothing(site, client):
    for _ in range(2):
        response = client.get("/badge.svg", secure=True)
        assert response.status_code == 200
        _assert_common_headers(response)
        assert "X-Frame-Options" not in response
        assert _policy(response["Content-Security-Policy"]) == {"default-src": {"'none'"}}


class _StyleReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.styles: list[str] = []
        self.meta_policy: str | None = None
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_style = tag == "style"
        if tag == "style":
            self.styles.append("")
        if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy":
            self.meta_policy = attrs["content"]

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles[-1] += data


def test_the_holding_page_allows_its_own_style_by_hash_and_nothing_else(site, client):
    response = client.get(f"/maintenance/{SLUG}/holding-page.html", secure=True)
    assert response.status_code == 200
    _assert_common_headers(response)
    assert response["X-Frame-Options"] == "DENY"
    page = _StyleReader()
    page.feed(response.content.decode())
    [style] = page.styles
    assert "font:" in style
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    expected = {
        "default-src": {"'none'"},
        "style-src": {f"'sha256-{digest}'"},
        "base-uri": {"'none'"},
        "form-action": {"'none'"},
    }
    assert _policy(response["Content-Security-Policy"]) == {
        **expected,
        "frame-ancestors": {"'none'"},
    }
    # The same policy travels inside the file, for the servers operators serve it from
    # (frame-ancestors works only as a header).
    assert _policy(page.meta_policy) == expected


def test_plain_http_is_redirected_to_https(site, client):
    response = client.get(f"/faq/{SLUG}/?level=unavailable")
    assert response.status_code == 301
    assert response["Location"] == f"{HTTPS_ORIGIN}/faq/{SLUG}/?level=unavailable"
    assert "Strict-Transport-Security" not in response  # browsers ignore it over http


def test_a_forwarded_proto_header_is_not_believed_unless_configured(site, client):
    response = client.get("/", headers={"x-forwarded-proto": "https"})
    assert response.status_code == 301
    assert response["Location"] == f"{HTTPS_ORIGIN}/"


def _assert_cookie_flags(morsel):
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"


def _form_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_signing_in_sets_a_secure_httponly_lax_session_cookie(site):
    UserFactory(username="grace@example.com", email="grace@example.com", password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/accounts/login/", secure=True)
    _assert_cookie_flags(form.cookies["csrftoken"])
    # No script can read the CSRF cookie; the form carries the token.
    response = browser.post(
        "/accounts/login/",
        {
            "username": "grace@example.com",
            "password": PASSWORD,
            "csrfmiddlewaretoken": _form_token(form.content.decode()),
        },
        secure=True,
        headers={"origin": HTTPS_ORIGIN},
    )
    assert response.status_code == 302
    _assert_cookie_flags(response.cookies["sessionid"])
    assert response.cookies["sessionid"].value


def test_the_messages_cookie_is_secure_httponly_and_lax(site, client):
    subscriber = Subscriber.objects.create(email="pat@example.com")
    manage = f"/subscriptions/{tokens.token_for(subscriber)}/"
    response = client.post(manage, {"services": [Service.objects.first().pk]}, secure=True)
    assert response.status_code == 302
    _assert_cookie_flags(response.cookies["messages"])


class _InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' refuses: inline scripts, event handler
    attributes, javascript: URLs, style attributes and <style> elements."""

    SCRIPT_TYPES = {"", "text/javascript", "module", "application/javascript"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not attrs.get("src") and attrs.get("type", "") in self.SCRIPT_TYPES:
            self.found.append("<script> without src")


def _inline_code(response) -> list[str]:
    reader = _InlineCode()
    reader.feed(response.content.decode())
    return reader.found


@pytest.mark.parametrize(
    "path",
    [
        "/",
        f"/faq/{SLUG}/",
        f"/faq/{SLUG}/?level=unavailable&q=email",
        f"/maintenance/{SLUG}/",
        "/services/{service}/",
        "/incidents/{incident}/",
        "/history/",
        "/social/",
        "/subscribe/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/admin/login/",
        "/no-such-page/",
    ],
)
def test_public_pages_have_no_inline_script_or_style(site, client, path):
    IncidentFactory()
    path = path.format(service=Service.objects.first().slug, incident=Incident.objects.first().slug)
    response = client.get(path, secure=True)
    assert response.status_code in {200, 404}
    assert _inline_code(response) == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/statuspage/maintenancewindow/",
        "/admin/statuspage/maintenancewindow/{window}/change/",
        "/admin/statuspage/maintenancewindow/{window}/post-update/",
        "/admin/statuspage/incident/add/",
        "/admin/faq/faq/",
        "/admin/faq/faq/{faq}/change/",
        "/admin/auth/user/add/",
        "/admin/two-factor/",
        "/admin/console/who-customers-see/",
    ],
)
def test_admin_pages_have_no_inline_script_or_style(site, staff_client, path):
    path = path.format(
        window=MaintenanceWindow.objects.get(slug=SLUG).pk, faq=FAQ.objects.get(slug=SLUG).pk
    )
    response = staff_client.get(path, secure=True)
    assert response.status_code == 200
    assert _inline_code(response) == []
