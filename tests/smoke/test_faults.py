"""The day's faults, injected into the production stack while staff publish, over HTTP only.

On the same stack as test_production_stack.py (each leaves it well). Redis stopped while
staff publish; the worker killed while X hangs mid-post; Redis restarted with a post
waiting in its queue. Each checks what staff saw, what readers got and what X (and a
subscriber's mailbox, a real SMTP relay on loopback) received.
"""

import os
import re
import signal
import time
from urllib.parse import quote

import pytest
import requests

from tests.smoke.client import (
    EVENT,
    HASHTAG,
    TIMEOUT,
    anonymous_get,
    csrf_token,
    wait_for,
    wait_for_network_posts,
)
from tests.smoke.conftest import X_ACCOUNT

DELAYED = "Posting to X and telling subscribers is delayed"
SUBSCRIBER = "pat.smoke@example.com"
CHECK_ON_X = "Check on X"


def _report(line: str) -> None:
    """What the fault stage measured, for the run's output (pytest -s shows it)."""
    print(f"[fault stage] {line}")


def _thread_on_x(fake_x, *words: str) -> list[dict]:
    """The posts on X that carry ``words``, one each, in the order given."""
    found = []
    for text in words:
        matching = [post for post in fake_x.received() if text in post["text"]]
        assert len(matching) <= 1, f"posted {len(matching)} times: {text}"
        if not matching:
            return []
        found.append(matching[0])
    return found


def _seconds_until_every_process_shows(stack, words: str, limit: float) -> float:
    """Until a round of new connections to both servers all answer the event with ``words``."""
    started = time.monotonic()
    urls = [stack.url] * 6 + [stack.second_url] * 2
    wait_for(
        f"every process to show “{words}”",
        lambda: all(words in requests.get(url + EVENT, timeout=TIMEOUT).text for url in urls),
        timeout=limit,
    )
    return time.monotonic() - started


def _reply_to(post: dict) -> str | None:
    return (post.get("reply") or {}).get("in_reply_to_tweet_id")


def _mails_to(relay, address: str, words: str) -> list:
    return [m for m in relay.outbox if address in m.to and words in m.body]


@pytest.fixture(scope="module")
def subscriber(stack, mail_relay):
    """A reader subscribed to everything on /subscribe/, confirmed from the relay's mail."""
    with requests.Session() as reader:
        form = reader.get(f"{stack.url}/subscribe/", timeout=TIMEOUT)
        data = {"csrfmiddlewaretoken": csrf_token(form.text), "subscribe": "1", "email": SUBSCRIBER}
        answer = reader.post(f"{stack.url}/subscribe/", data=data, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        mail = wait_for(
            "the confirmation mail", lambda: _mails_to(mail_relay, SUBSCRIBER, "confirm")
        )
        link = re.search(r"http://\S+/subscriptions/confirm/\S+", mail[0].body)[0]
        page = reader.get(link, timeout=TIMEOUT)
        confirmed = reader.post(link, data={"csrfmiddlewaretoken": csrf_token(page.text)})
        assert confirmed.status_code == 200
    return SUBSCRIBER


def test_redis_stopped_while_staff_publish_delays_delivery_and_loses_nothing(
    stack, fake_x, mail_relay, admin, subscriber
):
    words = [f"Redis outage check {n} {os.urandom(3).hex()}" for n in (1, 2)]
    stack.services("stop-redis")
    try:
        for text in words:
            started = time.monotonic()
            answer = admin.post_update(text)  # a redirect to the event, not a 500
            page = admin.get(answer.headers["Location"])
            assert page.status_code == 200
            assert "Update published" in page.text
            assert DELAYED in page.text  # staff are told: no need to post it again
            took = time.monotonic() - started
            assert took < 15
            statuses = [anonymous_get(stack, path).status_code for path in ("/", EVENT)]
            assert statuses == [200, 200]  # readers keep getting the pages
            # Each process, unable to hear of the change, renders again every few seconds.
            seen = _seconds_until_every_process_shows(stack, text, limit=10)
            _report(
                f"Redis down: publish answered in {took:.1f} s, delay told; readers "
                f"{statuses}, every process showing it {seen:.1f} s after"
            )
        assert _thread_on_x(fake_x, words[0]) == []  # nothing could be sent meanwhile
    finally:
        stack.services("start-redis")
        back = time.monotonic()

    posts = wait_for("both posts on X, in order", lambda: _thread_on_x(fake_x, *words))
    _report(f"Redis back: both posts on X {time.monotonic() - back:.1f} s later, threaded")
    assert _reply_to(posts[1]) == posts[0]["id"]  # one thread
    assert posts[0]["text"].endswith(f"{EVENT} {HASHTAG}")
    for text in words:
        wait_for(f"the mail of “{text}”", lambda text=text: _mails_to(mail_relay, subscriber, text))
    time.sleep(5)  # a sweep or two more: nothing goes out twice
    assert len(_thread_on_x(fake_x, *words)) == 2
    assert [len(_mails_to(mail_relay, subscriber, text)) for text in words] == [1, 1]
    _report("after more sweeps: X has each post once, the subscriber each mail once")


def test_a_worker_killed_mid_post_leaves_it_to_staff_and_the_thread_goes_on_from_it(
    stack, fake_x, fake_mastodon, fake_bluesky, admin
):
    hung, after = (f"Worker fault check {n} {os.urandom(3).hex()}" for n in (1, 2))
    fake_x.released.clear()
    fake_x.hanging.set()
    try:
        admin.post_update(hung)
        wait_for("X to be posting", lambda: _thread_on_x(fake_x, hung))
        # Mastodon and Bluesky answer at once (the other pool process): only X's post dies.
        wait_for_network_posts(fake_mastodon, fake_bluesky, admin, hung)
        _, pool = stack.worker()
        for pid in pool:  # the process posting it dies, as under the OOM killer
            os.kill(pid, signal.SIGKILL)
    finally:
        fake_x.hanging.clear()
        fake_x.released.set()
    (on_x,) = _thread_on_x(fake_x, hung)
    killed = time.monotonic()

    # Never sent blindly again: once the worker is known dead it waits for staff.
    changelist = f"/admin/statuspage/crosspost/?state__exact=unconfirmed&q={quote(hung)}"
    wait_for(
        "the post to wait for staff to check it",
        lambda: 'name="_selected_action"' in admin.get(changelist).text,
        timeout=150,
    )
    _report(f"worker killed: 'Check on X' after {time.monotonic() - killed:.0f} s")
    admin.post_update(after)  # the thread waits for the check: it would start a new one
    time.sleep(4)
    assert _thread_on_x(fake_x, after) == []

    # Staff find it on X and mark it sent, with its link.
    page = admin.get(changelist)
    (pk,) = set(re.findall(r'name="_selected_action" value="(\d+)"', page.text))
    marked = admin.post(
        "/admin/statuspage/crosspost/",
        {
            "csrfmiddlewaretoken": csrf_token(page.text),
            "action": "confirm_sent",
            "_selected_action": pk,
            "apply": "1",
            "url": f"https://x.com/{X_ACCOUNT}/status/{on_x['id']}",
        },
    )
    assert marked.status_code == 302
    (next_post,) = wait_for("the next post on X", lambda: _thread_on_x(fake_x, after))
    assert _reply_to(next_post) == on_x["id"]
    assert len([p for p in fake_x.received() if hung in p["text"]]) == 1  # never posted twice
    _report("marked sent: the next post replied to it; the killed post was on X once")


def test_a_post_queued_when_redis_restarts_survives_it(stack, fake_x, admin):
    words = f"Redis restart check {os.urandom(3).hex()}"
    beat = [pid for pid, _ in stack.processes("celery", "beat")]
    stack.pause_worker()
    for pid in beat:  # no sweep may rescue it: only the queue can deliver it
        os.kill(pid, signal.SIGSTOP)
    try:
        admin.post_update(words)  # its task waits in Redis's queue
        time.sleep(1.5)  # Redis writes its append-only file every second
        stack.services("stop-redis")
        stack.services("start-redis")
        stack.resume_worker()
        resumed = time.monotonic()
        wait_for("the queued post on X", lambda: _thread_on_x(fake_x, words), timeout=60)
        _report(f"Redis restarted: the queued post on X {time.monotonic() - resumed:.1f} s later")
    finally:
        for pid in beat:
            os.kill(pid, signal.SIGCONT)
        stack.resume_worker()
    assert stack.process.poll() is None
