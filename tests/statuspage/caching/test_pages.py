"""The shared response cache of public pages: hits run no SQL, publishing re-renders,
a cold page is rendered once however many readers ask at the same moment, CDN headers.

These tests commit (``transaction=True``): the cache never serves nor stores a page
rendered inside an open transaction, which is where pytest-django's ``db`` runs.
"""

import gzip
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from statuspage import selectors, services
from statuspage.caching import kept
from statuspage.models import Incident, MaintenanceWindow
from statuspage.subscriptions.models import Subscriber
from tests.wsgi import WSGIClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reader():
    """An anonymous reader, through the WSGI layer that keeps and gives answers again."""
    return WSGIClient()


HOME = "/"
FAQ = "/faq/dotmailer-database-upgrade/"
EVENT = "/maintenance/dotmailer-database-upgrade/"
SUMMARY = "/api/v2/summary.json"
PAGES = [HOME, FAQ, EVENT]
PUBLIC = "public, max-age=15, stale-while-revalidate=60, stale-if-error=86400"
API = "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"


@pytest.fixture
def frozen():
    """Time stands still 20 s into a minute, so that no test crosses into the next one."""
    now = datetime.now(UTC).replace(second=20, microsecond=0)
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


@pytest.fixture
def site(demo, frozen):
    return frozen


def _publish(body: str) -> None:
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body=body)


@pytest.mark.parametrize("path", [*PAGES, SUMMARY, "/history/", "/history.atom", "/badge.svg"])
def test_a_cache_hit_runs_no_sql(site, reader, django_assert_num_queries, path):
    first = reader.get(path)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = reader.get(path)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["ETag"] == first["ETag"]


def test_the_query_string_is_part_of_the_key(site, reader):
    everything = reader.get(FAQ).content.decode()
    filtered = reader.get(f"{FAQ}?level=unavailable").content.decode()
    assert filtered != everything
    assert reader.get(f"{FAQ}?level=unavailable").content.decode() == filtered


def test_publishing_re_renders_every_page_with_the_new_update(
    site, reader, django_assert_num_queries
):
    for path in [*PAGES, SUMMARY]:
        reader.get(path)
    site.shift(timedelta(seconds=1))  # the version is the time of the change
    _publish("Copy **finished** ahead of plan.")
    for path in [EVENT, HOME]:
        page = reader.get(path)
        assert page.status_code == 200
        assert "Copy <strong>finished</strong> ahead of plan." in page.content.decode()
    summary = reader.get(SUMMARY).json()
    bodies = [
        update["body"]
        for window in summary["scheduled_maintenances"]
        for update in window["incident_updates"]
    ]
    assert "Copy **finished** ahead of plan." in bodies
    with django_assert_num_queries(0):  # and the new copies are shared again
        assert reader.get(EVENT).status_code == 200


def test_each_minute_renders_again(site, reader):
    first = reader.get(HOME)
    site.shift(timedelta(minutes=1))  # pages show relative times
    with CaptureQueriesContext(connection) as queries:
        again = reader.get(HOME, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert len(queries) > 0
    assert again["ETag"] != first["ETag"]


@pytest.mark.parametrize("path", [HOME, FAQ, SUMMARY])
def test_cdn_headers_for_anonymous_readers(site, reader, path):
    for response in (reader.get(path), reader.get(path)):  # rendered, then from the cache
        assert response.status_code == 200
        assert response["Cache-Control"] == (API if path == SUMMARY else PUBLIC)
        assert response["ETag"]
        assert response["Last-Modified"]
        assert "cookie" not in response.get("Vary", "").lower()
        assert not response.cookies
    unchanged = reader.get(path, headers={"if-none-match": response["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged["Cache-Control"] == (API if path == SUMMARY else PUBLIC)
    assert not unchanged.cookies


@pytest.mark.parametrize("path", [HOME, FAQ, SUMMARY])
def test_shared_pages_are_gzipped_for_clients_that_accept_it(site, reader, path):
    plain = reader.get(path)
    assert not plain.has_header("Content-Encoding")
    for _ in range(2):  # rendered, then from the cache
        packed = reader.get(path, headers={"accept-encoding": "gzip, br"})
        assert packed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed["Vary"]
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 2
    # The ETag gzip weakens still answers the next conditional GET.
    unchanged = reader.get(
        path, headers={"accept-encoding": "gzip", "if-none-match": packed["ETag"]}
    )
    assert unchanged.status_code == 304


def test_pages_with_a_secret_are_never_compressed(site, staff_client):
    # A CSRF token beside text a reader chose, compressed, leaks through its length (BREACH).
    anonymous = WSGIClient()
    for reader, path in [
        (staff_client, HOME),
        (staff_client, FAQ),
        (anonymous, "/subscribe/"),
        (anonymous, "/accounts/login/"),
    ]:
        page = reader.get(path, headers={"accept-encoding": "gzip"})
        assert page.status_code == 200
        assert "csrfmiddlewaretoken" in page.content.decode()
        assert not page.has_header("Content-Encoding")


def test_the_api_keeps_its_cors_headers_on_cache_hits(site, reader):
    reader.get(SUMMARY)
    hit = reader.get(SUMMARY)
    assert hit["Access-Control-Allow-Origin"] == "*"
    assert hit["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert hit["Content-Type"] == "application/json"


def test_embeds_keep_their_own_cache_control(site, reader):
    reader.get("/badge.svg")
    hit = reader.get("/badge.svg")
    assert hit["Cache-Control"] == "public, max-age=60"
    assert hit["Content-Type"] == "image/svg+xml"
    assert hit["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize("encoding", ["", "gzip, br"])
@pytest.mark.parametrize("path", [HOME, FAQ, SUMMARY, "/badge.svg", "/embed/banner.json"])
def test_repeated_requests_get_exactly_the_same_answer(site, reader, path, encoding):
    # A render and a hit of the shared cache answer alike: statuspage.wsgi gives Django's
    # first answer again to the readers after it. (Django's gzip pads each answer with up
    # to 100 random bytes, against BREACH: the compressed length may differ.)
    headers = {"accept-encoding": encoding}
    first, again = reader.get(path, headers=headers), reader.get(path, headers=headers)
    assert first.status_code == again.status_code == 200
    assert _decoded(again) == _decoded(first)
    assert _without_length(again) == _without_length(first)
    conditional = {**headers, "if-none-match": first["ETag"]}
    unchanged = [reader.get(path, headers=conditional) for _ in range(2)]
    assert [response.status_code for response in unchanged] == [304, 304]
    assert dict(unchanged[1].headers) == dict(unchanged[0].headers)
    assert unchanged[1]["ETag"].removeprefix("W/") == first["ETag"].removeprefix("W/")


def _decoded(response) -> bytes:
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


def _without_length(response) -> dict:
    return {k: v for k, v in response.headers.items() if k != "Content-Length"}


def test_signed_in_readers_bypass_the_shared_cache(
    site, staff_client, django_assert_max_num_queries
):
    anonymous = WSGIClient()
    assert "Sign in" in anonymous.get(HOME).content.decode()  # now in the shared cache
    for _ in range(2):
        page = staff_client.get(HOME)
        assert "Signed in as" in page.content.decode()
        assert "Sign in</a>" not in page.content.decode()
        assert page["Cache-Control"] == "private"
        assert "public" not in page["Cache-Control"]
        assert not page.has_header("ETag")
        assert "Cookie" in page["Vary"]
    api = staff_client.get(SUMMARY)
    assert "private" in api["Cache-Control"].split(", ")
    assert "public" not in api["Cache-Control"]
    # Their pages were never shared: anonymous readers still get the anonymous page.
    with django_assert_max_num_queries(0):
        assert "Signed in as" not in anonymous.get(HOME).content.decode()


@pytest.mark.parametrize("cookie", ["no-such-session", "x" * 32, "expiredsessionkey0123456789abcd"])
def test_an_unknown_or_expired_session_cookie_is_an_anonymous_reader(site, cookie):
    first = WSGIClient().get(HOME)
    reader = WSGIClient()
    reader.cookies["sessionid"] = cookie
    with CaptureQueriesContext(connection) as queries:
        page = reader.get(HOME)
    assert page.status_code == 200
    assert len(queries) == 1  # looking the session up; the page comes from the shared cache
    assert page["Cache-Control"] == first["Cache-Control"]
    assert page.content == first.content
    assert page.cookies["sessionid"].value == ""  # told to forget the cookie


def test_a_live_session_still_gets_its_own_page(site, django_user_model):
    WSGIClient().get(HOME)
    reader = Client()
    reader.force_login(django_user_model.objects.create_user("pat", "pat@example.com"))
    page = reader.get(HOME)
    assert page["Cache-Control"].startswith("private")
    assert "Signed in as" in page.content.decode()


def test_flash_messages_are_never_shared(site, reader):
    reader.get(HOME)
    reader = Client()
    reader.cookies["messages"] = "anything"
    assert reader.get(HOME)["Cache-Control"].startswith("private")


def _cold_page_stampede(monkeypatch, readers: int, render_seconds: float) -> tuple[list, list]:
    renders = []
    home_page = selectors.home_page

    def slow_home_page(*args, **kwargs):
        renders.append(threading.get_ident())
        threading.Event().wait(render_seconds)  # the others arrive while this one renders
        return home_page(*args, **kwargs)

    monkeypatch.setattr(selectors, "home_page", slow_home_page)
    start = threading.Barrier(readers)

    def read(_):
        start.wait()
        try:
            response = WSGIClient().get(HOME)
            return response.status_code, response.content
        finally:
            connections.close_all()

    with ThreadPoolExecutor(readers) as pool:
        results = list(pool.map(read, range(readers)))
    return renders, results


def test_concurrent_readers_of_a_cold_page_render_it_once(site, monkeypatch):
    renders, results = _cold_page_stampede(monkeypatch, readers=8, render_seconds=0.3)
    assert len(renders) == 1
    assert {status for status, _ in results} == {200}
    assert len({content for _, content in results}) == 1


def test_readers_stop_waiting_for_a_slow_render_and_render_themselves(site, monkeypatch):
    monkeypatch.setattr(kept, "LOCK_WAIT", 0.05)
    renders, results = _cold_page_stampede(monkeypatch, readers=3, render_seconds=0.5)
    assert len(renders) == 3
    assert {status for status, _ in results} == {200}


def test_pages_are_served_when_the_cache_is_down(site, reader, settings):
    # Nothing listens on port 1: every cache call is refused, as when Redis is down.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    for path in [HOME, SUMMARY]:
        response = reader.get(path)
        assert response.status_code == 200
        assert response["ETag"]


def _etag(path: str = HOME) -> str:
    return WSGIClient().get(path)["ETag"]


def test_saving_unpublished_work_leaves_every_etag_as_it_was(site, staff_client):
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    before = {path: _etag(path) for path in [HOME, FAQ, SUMMARY]}
    site.shift(timedelta(seconds=1))  # a new version would differ from the old one

    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_client.post(
            f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/",
            {"body": "Draft: the copy may overrun.", "status": window.status},
        )  # "publish" left unticked: a draft
        staff_client.post(
            "/admin/statuspage/incident/add/",
            {"title": "Not yet announced", "slug": "not-yet", "impact": "minor",
             "started_at_0": "2030-01-01", "started_at_1": "10:00",
             "time_zone": "Europe/London", "updates-TOTAL_FORMS": "0",
             "updates-INITIAL_FORMS": "0"},
        )  # fmt: skip
        Client().post("/subscribe/", {"subscribe": "1", "email": "pat@example.com"})
    assert window.updates.filter(published_at=None).exists()
    assert Incident.objects.filter(slug="not-yet", published_at=None).exists()
    assert Subscriber.objects.filter(email="pat@example.com", confirmed_at=None).exists()

    assert {path: _etag(path) for path in [HOME, FAQ, SUMMARY]} == before


def test_publishing_changes_every_etag(site, staff_client):
    before = _etag()
    site.shift(timedelta(seconds=1))
    _publish("Copy finished.")
    assert _etag() != before
