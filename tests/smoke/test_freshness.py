"""A publish is seen by every web process at once: two granian servers on one Redis, as two
machines would be (three processes: the stack's two workers and the second server's one),
each giving its kept answers from its own memory. Over HTTP, and Redis's own commands to
cut the listeners' connections.
"""

import os
import time

import pytest
import redis
import requests

from tests.smoke.client import EVENT, SUMMARY, TIMEOUT
from tests.smoke.conftest import REDIS_PORT

WATCH_CLIENT = "statuspage-version-watch"  # caching.watch.CLIENT_NAME
WEB_PROCESSES = 3  # two workers on the first server, one on the second
ROUNDS_PER_SECOND = 20


def _report(line: str) -> None:
    print(f"[freshness] {line}")


@pytest.fixture
def redis_admin():
    with redis.Redis(host="127.0.0.1", port=REDIS_PORT) as client:
        yield client


def _listeners(redis_admin) -> list[dict]:
    return [c for c in redis_admin.client_list(_type="pubsub") if c["name"] == WATCH_CLIENT]


def _everywhere(stack, session, path: str, words: str) -> bool:
    """Whether every web process answers ``path`` with ``words``: a few new connections to
    each server, so each of the first server's workers is asked (the kernel spreads them)."""
    urls = [stack.url] * 6 + [stack.second_url] * 2
    return all(words in session.get(url + path, timeout=TIMEOUT).text for url in urls)


def _seconds_until_everywhere(stack, words: str, limit: float) -> float:
    started = time.monotonic()
    while True:
        with requests.Session() as session:
            session.headers["Connection"] = "close"
            if all(_everywhere(stack, session, path, words) for path in (EVENT, SUMMARY)):
                return time.monotonic() - started
        if time.monotonic() - started > limit:
            pytest.fail(f"not on every server within {limit} s")
        time.sleep(1 / ROUNDS_PER_SECOND)


def _warm(stack) -> None:
    """Every process keeps the pages: a publish must reach each one's memory."""
    for _ in range(20):
        for url in (stack.url, stack.second_url):
            for path in (EVENT, SUMMARY):
                assert requests.get(url + path, timeout=TIMEOUT).status_code == 200


def test_a_publish_on_one_server_is_answered_by_every_process_within_a_second(stack, admin):
    _warm(stack)
    words = f"Freshness check {os.urandom(3).hex()}: replication has caught up."
    admin.post_update(words)  # on the first server; committed once the redirect is back
    took = _seconds_until_everywhere(stack, words, limit=1.0)
    _report(f"published on one server: every process answers with it {took * 1000:.0f} ms later")


def test_listeners_cut_off_from_redis_come_back_and_answers_stay_fresh(stack, admin, redis_admin):
    _warm(stack)
    listeners = _listeners(redis_admin)  # the web processes', and the Celery worker's
    assert len(listeners) >= WEB_PROCESSES
    for listener in listeners:
        redis_admin.client_kill_filter(_id=listener["id"])
    words = f"Freshness check {os.urandom(3).hex()}: listeners cut off."
    admin.post_update(words)  # announced while the listeners are away
    took = _seconds_until_everywhere(stack, words, limit=3.0)  # the re-check's net
    back = time.monotonic()
    while len(_listeners(redis_admin)) < len(listeners):
        assert time.monotonic() - back < 10, "the listeners did not come back"
        time.sleep(0.05)
    _report(f"listeners cut: every process fresh {took * 1000:.0f} ms after the publish")
    words = f"Freshness check {os.urandom(3).hex()}: listeners back."
    admin.post_update(words)
    took = _seconds_until_everywhere(stack, words, limit=1.0)
    _report(f"listeners back: the next publish everywhere {took * 1000:.0f} ms later")
