"""Talking to the production stack over HTTP, as a reader and as staff in the admin."""

import re
import time
from collections.abc import Callable
from datetime import datetime

import pytest
import requests

from tests.admin_forms import form_data
from tests.smoke.conftest import X_ACCOUNT
from tests.smoke.fake_networks import BLUESKY_HANDLE

WINDOW = "dotmailer-database-upgrade"  # the demo's upcoming window
EVENT = f"/maintenance/{WINDOW}/"
FAQ = "/faq/dotmailer-database-upgrade/"
SUMMARY = "/api/v2/summary.json"
PUBLIC = ["/", FAQ, EVENT, SUMMARY]
HASHTAG = "#dMmaint"
NOTICE = "Showing the status as of"
UNAVAILABLE = "This page is back in a moment"
POLL_SECONDS = 60  # at most, for the worker to post to X and the site to see PostgreSQL back
TIMEOUT = 30  # per request: only against a hang, on a machine that may be busy


def wait_for(what: str, check: Callable, timeout: float = POLL_SECONDS):
    """``check()`` again every quarter second until it returns something true; that is returned."""
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout} s waiting for {what}")
        time.sleep(0.25)


def anonymous_get(stack, path: str) -> requests.Response:
    return requests.get(stack.url + path, timeout=TIMEOUT)


def showing(stack, path: str, words: str) -> requests.Response:
    """An anonymous reader's ``path`` once it shows ``words``: each web process hears of a
    publish within a second (caching.watch), so one may answer without it for that long."""

    def answer() -> requests.Response | None:
        response = anonymous_get(stack, path)
        return response if words in response.text else None

    return wait_for(f"{path} to show “{words}”", answer, timeout=1)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


class Admin:
    """A staff member's browser session in the admin."""

    def __init__(self, stack, session: requests.Session) -> None:
        self.stack = stack
        self.session = session

    def get(self, path: str) -> requests.Response:
        return self.session.get(self.stack.url + path, timeout=TIMEOUT)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.session.post(
            self.stack.url + path, data=data, timeout=TIMEOUT, allow_redirects=False
        )

    def log_in(self) -> "Admin":
        form = self.get("/admin/login/")
        answer = self.post(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": csrf_token(form.text),
                "username": self.stack.username,
                "password": self.stack.password,
                "next": "/admin/",
            },
        )
        assert answer.status_code == 302, answer.text
        assert answer.headers["Location"] == "/admin/"
        return self.confirm_public_name()

    def confirm_public_name(self) -> "Admin":
        """On first use the console asks for the name and role customers see: give them."""
        console = self.get("/admin/")
        if "/admin/console/who-customers-see/" not in console.url:
            return self
        answer = self.post(
            console.url.removeprefix(self.stack.url),
            {
                "csrfmiddlewaretoken": csrf_token(console.text),
                "name": "Sam Okafor",
                "role": "Duty engineer",
            },
        )
        assert answer.status_code == 302, answer.text
        assert answer.headers["Location"] == "/admin/"
        return self

    def window_pk(self) -> str:
        changelist = self.get(
            f"/admin/statuspage/maintenancewindow/?q={WINDOW}&status__exact=scheduled"
        )
        assert changelist.status_code == 200
        (pk,) = set(
            re.findall(r"/admin/statuspage/maintenancewindow/(\d+)/change/", changelist.text)
        )
        return pk

    def post_update(self, body: str) -> requests.Response:
        """Fill in “Post an update” as staff do: the body typed, the rest as the form offers
        it. Returns the answer, a redirect to the console."""
        path = f"/admin/statuspage/maintenancewindow/{self.window_pk()}/post-update/"
        form = self.get(path)
        assert form.status_code == 200
        data = {**form_data(form.text), "csrfmiddlewaretoken": csrf_token(form.text), "body": body}
        assert data["publish"] == "on"
        assert data["cross_post"] == "on"
        answer = self.post(path, data)
        assert answer.status_code == 302, answer.text
        assert answer.headers["Location"] == "/admin/"
        return answer

    def sent_to_x(self, post_id: str) -> bool:
        """The admin's cross-post list shows the post sent, with its link on X."""
        return self.shows_sent(f"https://x.com/{X_ACCOUNT}/status/{post_id}")

    def shows_sent(self, link: str) -> bool:
        """The admin's cross-post list shows a post sent, with ``link`` to it."""
        page = self.get("/admin/statuspage/crosspost/?state__exact=sent").text
        return f'href="{link}"' in page


def x_post_of(fake_x, words: str) -> dict | None:
    return next((post for post in fake_x.received() if words in post["text"]), None)


def wait_for_x_post(fake_x, admin: Admin, words: str) -> dict:
    post = wait_for(f"the worker to post “{words}” to X", lambda: x_post_of(fake_x, words))
    wait_for("the admin to show the post sent", lambda: admin.sent_to_x(post["id"]))
    return post


def mastodon_status_of(fake_mastodon, words: str) -> dict | None:
    """The status on the fake Mastodon with ``words``; more than one fails the test."""
    found = [s for s in fake_mastodon.received() if words in s["status"]]
    assert len(found) <= 1, f"posted {len(found)} times on Mastodon: {words}"
    return found[0] if found else None


def bluesky_post_of(fake_bluesky, words: str) -> dict | None:
    """The post (uri, cid, value) on the fake Bluesky with ``words``; more than one fails."""
    found = [r for r in fake_bluesky.received() if words in r["value"]["text"]]
    assert len(found) <= 1, f"posted {len(found)} times on Bluesky: {words}"
    return found[0] if found else None


def wait_for_network_posts(fake_mastodon, fake_bluesky, admin: Admin, words: str):
    """The status on Mastodon and the post on Bluesky with ``words``, once the admin shows
    each of them sent."""
    status = wait_for(f"“{words}” on Mastodon", lambda: mastodon_status_of(fake_mastodon, words))
    post = wait_for(f"“{words}” on Bluesky", lambda: bluesky_post_of(fake_bluesky, words))
    for link in (status["url"], bluesky_link(post["uri"])):
        wait_for(f"the admin to show {link} sent", lambda link=link: admin.shows_sent(link))
    return status, post


def bluesky_link(uri: str) -> str:
    return f"https://bsky.app/profile/{BLUESKY_HANDLE}/post/{uri.rsplit('/', 1)[-1]}"


def is_stale(response: requests.Response) -> bool:
    return "X-Served-Stale" in response.headers


def is_fresh(response: requests.Response) -> bool:
    return response.status_code == 200 and not is_stale(response)


def served_stale_at(response: requests.Response) -> datetime:
    return datetime.fromisoformat(response.headers["X-Served-Stale"])
