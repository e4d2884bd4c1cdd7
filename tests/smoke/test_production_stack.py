"""Smoke test of the production stack (`make smoke`, part of `make test`), over HTTP only.

Staff post updates through the admin's “Post an update” form; the page and the API show
them and the Celery worker posts them to a fake X on loopback. Then PostgreSQL is really
stopped: public pages answer from their last good copy with the notice, the admin and
forms answer 503, and once PostgreSQL is started again the site recovers by itself.
"""

import re
from datetime import UTC, datetime

import requests

from tests.smoke.client import (
    EVENT,
    HASHTAG,
    NOTICE,
    PUBLIC,
    SUMMARY,
    TIMEOUT,
    UNAVAILABLE,
    anonymous_get,
    csrf_token,
    is_fresh,
    is_stale,
    served_stale_at,
    showing,
    wait_for,
    wait_for_x_post,
)
from tests.smoke.conftest import X_CREDENTIALS


def test_static_files_are_compressed_and_cached_for_a_year(stack):
    page = anonymous_get(stack, "/").text
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)[1]
    asset = requests.get(
        stack.url + stylesheet, headers={"Accept-Encoding": "gzip"}, timeout=TIMEOUT
    )
    assert asset.status_code == 200
    assert asset.headers["Content-Encoding"] == "gzip"
    assert "immutable" in asset.headers["Cache-Control"]
    assert "max-age=315360000" in asset.headers["Cache-Control"]
    assert "body" in asset.text  # decoded by requests: the real stylesheet


def test_an_update_posted_in_the_admin_reaches_the_page_the_api_and_x(stack, fake_x, admin, words):
    admin.post_update(words)

    for path in ("/", EVENT):
        page = showing(stack, path, words)
        assert page.status_code == 200
        assert page.headers["Cache-Control"].startswith("public")
    summary = showing(stack, SUMMARY, words)
    (window,) = [
        w for w in summary.json()["scheduled_maintenances"] if w["shortlink"].endswith(EVENT)
    ]
    assert words in [update["body"] for update in window["incident_updates"]]

    post = wait_for_x_post(fake_x, admin, words)
    assert post["text"].endswith(f"{stack.url}{EVENT} {HASHTAG}")
    authorization = post["authorization"]
    assert authorization.startswith("OAuth ")
    assert f'oauth_consumer_key="{X_CREDENTIALS["X_CONSUMER_KEY"]}"' in authorization
    assert f'oauth_token="{X_CREDENTIALS["X_ACCESS_TOKEN"]}"' in authorization


def test_with_postgresql_stopped_pages_stay_up_and_the_site_recovers(
    stack, fake_x, admin, visitor, words
):
    post_update_form = f"/admin/statuspage/maintenancewindow/{admin.window_pk()}/post-update/"
    # Forms opened before the outage, sent during it.
    subscribe_token = csrf_token(visitor.get(f"{stack.url}/subscribe/", timeout=TIMEOUT).text)
    login_token = csrf_token(visitor.get(f"{stack.url}/admin/login/", timeout=TIMEOUT).text)
    # Readers have seen every page: each has a last good copy.
    for path in PUBLIC:
        assert is_fresh(anonymous_get(stack, path)), path

    stack.services("stop-postgres")
    stopped_at = datetime.now(UTC)

    # Signed-in readers skip the shared cache: at once, the last good copy with its notice.
    page = admin.get("/")
    assert page.status_code == 200
    assert NOTICE in page.text
    assert page.headers["Cache-Control"] == "no-store"

    # The admin and forms: a clear 503, not a 500.
    refused = [
        admin.get("/admin/"),
        admin.get(post_update_form),
        visitor.post(
            f"{stack.url}/subscribe/",
            data={"csrfmiddlewaretoken": subscribe_token, "email": "reader@example.com"},
            timeout=TIMEOUT,
        ),
        visitor.post(
            f"{stack.url}/admin/login/",
            data={
                "csrfmiddlewaretoken": login_token,
                "username": stack.username,
                "password": stack.password,
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        ),
    ]
    for response in refused:
        assert response.status_code == 503, response.request.url
        assert response.headers["Retry-After"] == "30"
        assert UNAVAILABLE in response.text

    # Anonymous readers share each page's copy for the minute it was rendered in, which needs
    # no database; after that minute, the last good copy with the notice. Every answer a 200.
    def stale_answers() -> list[requests.Response] | None:
        answers = [anonymous_get(stack, path) for path in PUBLIC]
        assert [a.status_code for a in answers] == [200] * len(PUBLIC)
        return answers if all(is_stale(a) for a in answers) else None

    until_next_minute = 60 - stopped_at.second
    answers = wait_for("the pages' minute to end", stale_answers, timeout=until_next_minute + 30)
    for path, answer in zip(PUBLIC, answers, strict=True):
        assert answer.headers["Cache-Control"] == "no-store", path
        assert served_stale_at(answer) <= stopped_at, path
        if path == SUMMARY:
            assert answer.json()["page"]["name"]
        else:
            assert NOTICE in answer.text, path
            assert "live updates will resume shortly" in answer.text, path

    # PostgreSQL is back: the same granian recovers by itself.
    stack.services("start-postgres")
    # The first process to render says so with a new version: soon every one answers afresh.
    wait_for(
        "fresh pages again, from every process",
        lambda: all(is_fresh(anonymous_get(stack, p)) for p in PUBLIC for _ in range(4)),
    )
    page = anonymous_get(stack, "/")
    assert NOTICE not in page.text
    assert page.headers["Cache-Control"].startswith("public")
    assert wait_for("the admin again", lambda: admin.get("/admin/").status_code == 200)

    # Staff post again, and the worker, which met the outage too, sends it to X.
    admin.post_update(words)
    showing(stack, EVENT, words)
    showing(stack, SUMMARY, words)
    wait_for_x_post(fake_x, admin, words)
    assert stack.process.poll() is None  # nothing was restarted
