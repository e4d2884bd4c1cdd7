"""With the database unreachable, public pages answer from their last good copy and
everything else answers 503 (never 500); when it is back, fresh pages return by themselves.
How the database goes down: ``tests.faults.database_down``.
"""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, TestCase

from statuspage import services
from statuspage.caching import pages as public_cache
from statuspage.caching import store, watch
from statuspage.caching.version import content_version
from statuspage.models import MaintenanceWindow
from tests.faults import database_down
from tests.wsgi import WSGIClient

pytestmark = pytest.mark.django_db(transaction=True)

HOME = "/"
FAQ = "/faq/dotmailer-database-upgrade/"
EVENT = "/maintenance/dotmailer-database-upgrade/"
SUMMARY = "/api/v2/summary.json"
NOTICE = "live updates will resume shortly"


@pytest.fixture
def site(demo):
    """The demo site, with time standing still 20 s into a minute."""
    now = datetime.now(UTC).replace(second=20, microsecond=0)
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


def _warm(*paths: str) -> dict:
    """Anonymous readers see these pages once: their last good copies."""
    return {path: WSGIClient().get(path) for path in paths}


@pytest.mark.parametrize("path", [HOME, FAQ, EVENT])
def test_pages_answer_from_their_last_good_copy_with_a_notice(site, path):
    seen = _warm(path)[path]
    rendered_at = datetime.now(UTC)
    site.shift(timedelta(minutes=1))  # the shared copy has expired: the page must be rendered
    with database_down() as attempts:
        page = WSGIClient().get(path)
    assert attempts  # it did try the database
    assert page.status_code == 200
    html = page.content.decode()
    notice = (
        '<p class="message stale-notice" role="status">Showing the status as of '
        f'<time datetime="{rendered_at.isoformat()}">'
        f"{rendered_at.day} {rendered_at:%B %Y, %H:%M} UTC</time>; {NOTICE}.</p>"
    )
    assert notice in html
    # Apart from the notice, it is the page as it was.
    assert html.replace(notice, "<!--stale-notice-->") == seen.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert page["X-Served-Stale"] == rendered_at.isoformat().replace("+00:00", "Z")
    assert not page.has_header("ETag")


def test_the_api_answers_from_its_last_good_copy_with_a_header(site):
    seen = _warm(SUMMARY)[SUMMARY]
    rendered_at = datetime.now(UTC)
    site.shift(timedelta(minutes=1))
    with database_down():
        response = WSGIClient().get(SUMMARY)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == json.loads(seen.content)
    assert response["X-Served-Stale"] == rendered_at.isoformat().replace("+00:00", "Z")
    assert response["Cache-Control"] == "no-store"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_live_fragments_answer_from_their_copy_too(site):
    path = f"{EVENT}timeline/"
    seen = _warm(path)[path]
    site.shift(timedelta(minutes=1))
    with database_down():
        fragment = WSGIClient().get(path)
    assert fragment.status_code == 200
    assert fragment.content == seen.content  # no <main> to put a notice in; the header says it
    assert fragment.has_header("X-Served-Stale")


def test_cached_pages_and_304s_need_no_database(site):
    reader = WSGIClient()
    etag = reader.get(HOME)["ETag"]
    with database_down() as attempts:
        page = reader.get(HOME)
        unchanged = reader.get(HOME, headers={"if-none-match": etag})
    assert not attempts
    assert page.status_code == 200
    assert NOTICE not in page.content.decode()  # this minute's copy is simply up to date
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == etag


def test_signed_in_readers_get_the_last_good_copy_too(site, staff_client):
    _warm(HOME)
    site.shift(timedelta(minutes=1))
    with database_down():
        page = staff_client.get(HOME)  # their session cannot be read either
    assert page.status_code == 200
    assert NOTICE in page.content.decode()
    assert page["Cache-Control"] == "no-store"


def test_a_page_never_seen_answers_503_with_retry_after(site):
    with database_down():
        page = WSGIClient().get(FAQ)
        api = WSGIClient().get("/api/v2/incidents.json")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert page["Cache-Control"] == "no-store"
    assert "This page is back in a moment" in page.content.decode()
    assert api.status_code == 503
    assert api["Retry-After"] == "30"
    assert "unavailable" in api.json()["error"]


def test_forms_posts_and_the_admin_answer_503_not_500(site, staff_client):
    with database_down():
        anonymous_post = Client().post(f"{FAQ}comments/", {"body": "Is my data safe?"})
        signed_in_post = staff_client.post(f"{FAQ}comments/", {"body": "Is my data safe?"})
        subscribe = WSGIClient().get("/subscribe/")
        admin = staff_client.get("/admin/")
    for response in (anonymous_post, signed_in_post, subscribe, admin):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
        assert "This page is back in a moment" in response.content.decode()


def test_after_a_failure_pages_with_a_copy_wait_before_trying_the_database_again(site):
    _warm(HOME, FAQ)
    site.shift(timedelta(minutes=1))
    with database_down() as attempts:
        assert NOTICE in WSGIClient().get(HOME).content.decode()
        assert len(attempts) == 1
        assert NOTICE in WSGIClient().get(FAQ).content.decode()
        assert len(attempts) == 1  # known to be down: the copy at once
        site.shift(timedelta(seconds=public_cache.DATABASE_RETRY_SECONDS + 1))
        assert NOTICE in WSGIClient().get(FAQ).content.decode()
        assert len(attempts) == 2


def test_when_the_database_is_back_fresh_pages_return(site):
    _warm(HOME, EVENT, SUMMARY)
    site.shift(timedelta(minutes=1))
    with database_down():
        for path in (HOME, EVENT, SUMMARY):
            assert WSGIClient().get(path).has_header("X-Served-Stale")
    # Back. The first thing written (an update published) shows at once.
    site.shift(timedelta(seconds=1))
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body="We are back: all data is safe.")
    for path in (HOME, EVENT):
        page = WSGIClient().get(path)
        assert page.status_code == 200
        assert not page.has_header("X-Served-Stale")
        assert NOTICE not in page.content.decode()
        assert "We are back: all data is safe." in page.content.decode()
        assert page["Cache-Control"].startswith("public")
    assert "We are back: all data is safe." in WSGIClient().get(SUMMARY).content.decode()


def test_when_the_database_is_back_pages_render_again_without_any_write(site):
    _warm(FAQ)
    site.shift(timedelta(minutes=1))
    with database_down():
        assert WSGIClient().get(FAQ).has_header("X-Served-Stale")
        assert WSGIClient().get("/history/").status_code == 503
    site.shift(timedelta(seconds=public_cache.DATABASE_RETRY_SECONDS + 1))
    before = content_version()
    page = WSGIClient().get(FAQ)
    assert page.status_code == 200
    assert not page.has_header("X-Served-Stale")
    assert page.has_header("ETag")
    assert WSGIClient().get("/history/").status_code == 200
    # A new version says so to every other process, waiting out its own retry time.
    assert content_version() > before


def _another_process_commits() -> None:
    """What a write committed in another web process leaves in this one: a new content
    version (with Redis, by its word on the version channel)."""
    before = content_version()
    if store.redis_client() is None:
        cache.set(watch.VERSION_KEY, before + 1, timeout=None)
        return
    watch.VersionWatch().announce()  # as another process's watch does
    deadline = time.monotonic() + 1
    while content_version() == before:
        assert time.monotonic() < deadline, "the version was not heard within 1 s"
        time.sleep(0.01)


def test_a_change_committed_in_another_process_ends_the_wait(site):
    _warm(FAQ)
    site.shift(timedelta(minutes=1))
    with database_down():
        assert WSGIClient().get(FAQ).has_header("X-Served-Stale")
    # Back, within DATABASE_RETRY_SECONDS: nothing tells this process, and it waits...
    assert WSGIClient().get(FAQ).has_header("X-Served-Stale")
    # ... until another process commits a change, which it could only do with a database.
    _another_process_commits()
    page = WSGIClient().get(FAQ)
    assert page.status_code == 200
    assert not page.has_header("X-Served-Stale")
    assert NOTICE not in page.content.decode()


def test_any_page_that_renders_again_ends_the_wait_for_every_page(site):
    _warm(FAQ)
    site.shift(timedelta(minutes=1))
    with database_down():
        assert WSGIClient().get(FAQ).has_header("X-Served-Stale")
    # Back, within DATABASE_RETRY_SECONDS: a page without a copy tries, and succeeds.
    assert WSGIClient().get("/history/").status_code == 200
    page = WSGIClient().get(FAQ)
    assert not page.has_header("X-Served-Stale")
    assert NOTICE not in page.content.decode()
