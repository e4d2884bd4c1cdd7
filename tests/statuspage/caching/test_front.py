"""The WSGI application as the servers call it: behind a TLS proxy, in a production process
(HTTPS only); and Django's finished answers to anonymous readers, kept and given again."""

import gzip
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.signals import request_started
from django.db import connections
from django.test import TestCase

from statuspage import selectors, services
from statuspage.caching.kept import ANSWERS
from statuspage.models import MaintenanceWindow
from tests.production import in_production
from tests.wsgi import WSGIClient

# Calls statuspage.wsgi.application for an address that needs no database or template,
# from the given peer address with the given headers; prints statuses and redirects.
CALL = """
import io, json
from statuspage.wsgi import application

def call(peer, **headers):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/api/v2/no-such-thing.json", "QUERY_STRING": "",
        "SERVER_NAME": "status.example.com", "SERVER_PORT": "80",
        "HTTP_HOST": "status.example.com", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(),
        "REMOTE_ADDR": peer, **headers,
    }
    answer = []
    b"".join(application(environ, lambda status, headers, exc=None: answer.extend(
        [status.split()[0], dict(headers).get("Location")])))
    return answer

print(json.dumps({
    "plain": call("127.0.0.1"),
    "local proxy": call(
        "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https"
    ),
    "other peer": call(
        "198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https"
    ),
}))
"""


def test_a_tls_proxy_on_this_machine_is_believed_about_https():
    result = in_production("-c", CALL)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.splitlines()[-1])
    https = "https://status.example.com/api/v2/no-such-thing.json"
    assert answers["plain"] == ["301", https]  # plain http goes to https
    assert answers["local proxy"] == ["404", None]  # already https: the page itself
    assert answers["other peer"] == ["301", https]  # anyone else could claim anything


# --- finished answers: Django's answer to an anonymous GET, kept and given again -----------------

HOME, FAQ, SUMMARY = "/", "/faq/dotmailer-database-upgrade/", "/api/v2/summary.json"
EVENT = "/maintenance/dotmailer-database-upgrade/"
TIMELINE = "/timeline/"


@pytest.fixture
def site(demo):
    """The demo site, time standing still 20 s into a minute; counts Django's requests."""
    now = datetime.now(UTC).replace(second=20, microsecond=0)
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


@pytest.fixture
def django_requests():
    started = []

    def count(**kwargs):
        started.append(1)

    request_started.connect(count)
    yield started
    request_started.disconnect(count)


def call(path: str, **environ) -> tuple[str, list, bytes]:
    """The WSGI application's answer to a GET, as a server would ask for it."""
    return WSGIClient().exchange(path, **environ)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("encoding", ["", "gzip, br"])
@pytest.mark.parametrize("path", [HOME, FAQ, SUMMARY, "/badge.svg"])
def test_django_answers_once_then_its_answer_is_given_again(site, django_requests, path, encoding):
    first = call(path, HTTP_ACCEPT_ENCODING=encoding)
    assert first[0] == "200 OK"
    assert len(django_requests) == 1
    assert call(path, HTTP_ACCEPT_ENCODING=encoding) == first
    assert call(path, HTTP_ACCEPT_ENCODING=encoding) == first
    assert len(django_requests) == 1  # no request was built for those two
    etag = dict(first[1])["ETag"]
    unchanged = call(path, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=etag)
    assert unchanged[0] == "304 Not Modified"
    assert call(path, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=etag) == unchanged
    assert len(django_requests) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "validators",
    [
        {"HTTP_IF_NONE_MATCH": '"an-older-version"'},
        {"HTTP_IF_NONE_MATCH": '"'},  # malformed: no tag at all
        {"HTTP_IF_NONE_MATCH": "not quoted, W/, " + "x" * 3000},
        {"HTTP_IF_MODIFIED_SINCE": "yesterday-ish"},
        {"HTTP_IF_MODIFIED_SINCE": "Thu, 01 Jan 1970 00:00:00 GMT"},
    ],
)
def test_an_out_of_date_or_malformed_validator_gets_the_page(site, django_requests, validators):
    first = call(HOME)
    call(HOME, HTTP_IF_NONE_MATCH=dict(first[1])["ETag"])
    assert len(django_requests) == 2
    again = call(HOME, **validators)
    assert again == first  # from memory, as Django gives it (checked below)
    assert len(django_requests) == 2
    ANSWERS.clear()
    assert call(HOME, **validators) == first


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "validators",
    [
        {"HTTP_IF_NONE_MATCH": "*"},
        {"HTTP_IF_NONE_MATCH": '"other", {etag}, W/"x"'},
        {"HTTP_IF_NONE_MATCH": "W/{etag}"},  # weak comparison, as Django's
        {"HTTP_IF_MODIFIED_SINCE": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ],
)
def test_any_validator_the_page_satisfies_gets_a_304(site, django_requests, validators):
    etag = dict(call(HOME)[1])["ETag"]
    validators = {name: value.format(etag=etag) for name, value in validators.items()}
    from_django = call(HOME, **validators)
    assert from_django[0] == "304 Not Modified"
    assert call(HOME, **validators) == from_django
    assert call(HOME, HTTP_IF_NONE_MATCH=etag) == from_django
    assert len(django_requests) == 2


@pytest.mark.django_db(transaction=True)
def test_a_process_asked_only_conditionally_keeps_its_304(site, django_requests):
    # Open pages poll with the ETag another process gave them: this one may never be asked
    # for the page itself all minute, and its 304 is still answered from memory.
    etag = dict(call(TIMELINE)[1])["ETag"]
    ANSWERS.clear()  # as in a process that never answered the page
    first = call(TIMELINE, HTTP_IF_NONE_MATCH=etag)
    assert first[0] == "304 Not Modified"
    for _ in range(3):
        assert call(TIMELINE, HTTP_IF_NONE_MATCH=etag) == first
    assert len(django_requests) == 2
    # Its page, when asked for, is Django's again: the 304 tells nothing of the page.
    assert call(TIMELINE)[0] == "200 OK"
    assert len(django_requests) == 3


@pytest.mark.django_db(transaction=True)
def test_while_one_reader_renders_a_new_minute_the_others_get_the_last_answer(site, monkeypatch):
    before = call(HOME)
    site.shift(timedelta(minutes=1))
    rendering, go_on = threading.Event(), threading.Event()
    home_page = selectors.home_page

    def slow_home_page(*args, **kwargs):
        rendering.set()
        go_on.wait(5)
        return home_page(*args, **kwargs)

    def render():
        try:
            return call(HOME)
        finally:
            connections.close_all()

    monkeypatch.setattr(selectors, "home_page", slow_home_page)
    with ThreadPoolExecutor(1) as pool:
        renderer = pool.submit(render)
        assert rendering.wait(5)
        started = time.monotonic()
        meanwhile = call(HOME)  # at once, not after the render
        waited = time.monotonic() - started
        go_on.set()
        after = renderer.result()
    assert meanwhile == before
    assert waited < 1
    assert dict(after[1])["ETag"] != dict(before[1])["ETag"]
    assert call(HOME) == after


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "encoding", ["gzip;q=0", "GZIP", "identity", "x" * 5000, "br, deflate", "gzip" + "\x00"]
)
def test_any_accept_encoding_gets_what_django_gives_it(site, encoding):
    call(HOME, HTTP_ACCEPT_ENCODING="gzip")
    call(HOME)  # both forms kept
    kept = _plainly(call(HOME, HTTP_ACCEPT_ENCODING=encoding))
    ANSWERS.clear()
    assert kept == _plainly(call(HOME, HTTP_ACCEPT_ENCODING=encoding))


def _plainly(answer: tuple[str, list, bytes]) -> tuple[str, dict, bytes]:
    """An answer with its body uncompressed: Django's gzip differs each time (it adds random
    bytes against BREACH), and so does the length."""
    status, headers, body = answer
    headers = dict(headers)
    if headers.pop("Content-Encoding", None) == "gzip":
        body = gzip.decompress(body)
    del headers["Content-Length"]
    return status, headers, body


@pytest.mark.django_db(transaction=True)
def test_an_answer_that_varies_on_anything_else_is_never_kept(site, django_requests, settings):
    settings.MIDDLEWARE = ["django.middleware.locale.LocaleMiddleware", *settings.MIDDLEWARE]
    from statuspage.wsgi import django_application

    django_application.load_middleware()
    try:
        english = call(HOME, HTTP_ACCEPT_LANGUAGE="en")
        assert "Accept-Language" in dict(english[1])["Vary"]
        call(HOME, HTTP_ACCEPT_LANGUAGE="en")
        assert len(django_requests) == 2
    finally:
        settings.MIDDLEWARE = settings.MIDDLEWARE[1:]
        django_application.load_middleware()


@pytest.mark.django_db(transaction=True)
def test_a_publish_or_a_new_minute_goes_back_to_django(site, django_requests):
    call(EVENT)
    site.shift(timedelta(seconds=1))  # the version is the time of the change
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body="Copy finished ahead of plan.")
    assert b"Copy finished ahead of plan." in call(EVENT)[2]
    assert len(django_requests) == 2
    site.shift(timedelta(minutes=1))
    call(EVENT)
    assert len(django_requests) == 3


@pytest.mark.django_db(transaction=True)
def test_what_a_request_may_change_goes_to_django(site, django_requests):
    call(HOME)
    assert call(HOME, HTTP_HOST="attacker.example")[0].startswith("400")
    assert call(HOME, REQUEST_METHOD="HEAD")[0] == "200 OK"
    assert call(HOME, HTTP_IF_MATCH='"an-older-version"')[0].startswith("412")
    assert len(django_requests) == 4
    # A session cookie the site does not know is an anonymous reader's: answered here,
    # after one query for the session, and told to drop the cookie.
    status, headers, _ = call(HOME, HTTP_COOKIE="sessionid=no-such-session")
    assert status == "200 OK"
    assert any(name == "Set-Cookie" and value.startswith('sessionid=""') for name, value in headers)
    assert len(django_requests) == 4
