"""Each web process's content version (caching.watch), kept by Redis's word: pushed on each
change, read again every second, and moving on by itself while Redis cannot be reached.
The PostgreSQL and Redis pass; two real servers are the smoke test's (test_freshness.py).
"""

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache

from statuspage.caching import version as version_module
from statuspage.caching import watch
from statuspage.caching.version import content_version
from statuspage.models import MaintenanceWindow
from tests.faults import redis_down
from tests.wsgi import WSGIClient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "RedisCache" not in settings.CACHES["default"]["BACKEND"],
        reason="the version is Redis's to push (the PostgreSQL and Redis pass)",
    ),
]

SLUG = "dotmailer-database-upgrade"
EVENT = f"/maintenance/{SLUG}/"


def _within(seconds: float, check) -> float:
    """How long until ``check()`` held, failing after ``seconds``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            pytest.fail(f"not within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


def _newer() -> int:
    """A version newer than this process's (which an earlier test may have taken from a
    clock travelling years ahead)."""
    return content_version() + 1


def _subscribers(redis) -> int:
    return redis.pubsub_numsub(watch.CHANNEL)[0][1]


@pytest.fixture
def redis():
    """A Redis client of the test's own."""
    import redis

    with redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]) as client:
        yield client


def test_an_announced_version_is_known_at_once(demo, redis):
    content_version()  # the listener starts
    _within(2, lambda: _subscribers(redis) >= 1)
    announced = _newer()
    cache.set(watch.VERSION_KEY, announced, timeout=None)
    redis.publish(watch.CHANNEL, announced)
    assert _within(0.5, lambda: content_version() == announced) < 0.2


def test_a_version_stored_without_a_word_is_read_within_the_recheck(demo):
    content_version()
    stored = _newer()
    cache.set(watch.VERSION_KEY, stored, timeout=None)  # as if the announcement were lost
    assert _within(settings.VERSION_RECHECK_SECONDS + 0.5, lambda: content_version() == stored)


def test_the_listener_comes_back_after_its_connection_is_killed(demo, redis):
    content_version()
    with redis_down():
        pass  # every connection killed; new ones are welcome again at once
    took = _within(3, lambda: _subscribers(redis) >= 1)
    announced = _newer()
    cache.set(watch.VERSION_KEY, announced, timeout=None)
    redis.publish(watch.CHANNEL, announced)
    _within(0.5, lambda: content_version() == announced)
    print(f"listener back {took:.2f} s after its connection was killed")


def test_while_redis_is_away_pages_render_again_every_few_seconds(demo, monkeypatch):
    monkeypatch.setattr(watch, "UNCONFIRMED_SECONDS", 0.3)
    now = datetime.now(UTC).replace(second=10, microsecond=0)
    with time_machine.travel(now, tick=False) as site:
        WSGIClient().get(EVENT)
        before = WSGIClient().get(EVENT).content.decode()
        version = content_version()
        with redis_down():
            # Another process's change, which it could not announce (no signals: no version).
            MaintenanceWindow.objects.filter(slug=SLUG).update(summary="Changed elsewhere.")
            assert WSGIClient().get(EVENT).content.decode() == before  # kept, for now
            # Unconfirmed for long enough, the version moves on by itself.
            _within(2, lambda: content_version() != version)
            site.shift(timedelta(seconds=1))  # into the next few seconds, the same minute
            answer = WSGIClient().get(EVENT)
            assert answer.status_code == 200
            assert "Changed elsewhere." in answer.content.decode()


def test_a_change_made_while_redis_is_away_is_announced_once_it_is_back(demo, redis):
    before = content_version()
    with redis_down():
        version_module.bump_content_version()  # staff publish here; nobody else can hear
        mine = content_version()
        assert mine != before
    # Back: the listener reconnects and announces a new version for the change.
    _within(3, lambda: (cache.get(watch.VERSION_KEY) or 0) > mine)
    assert _subscribers(redis) >= 1


def test_a_change_after_redis_lost_its_data_is_still_a_new_version(demo, redis):
    ahead = content_version() + 10**12  # from a machine whose clock is ahead
    cache.set(watch.VERSION_KEY, ahead, timeout=None)
    redis.publish(watch.CHANNEL, ahead)
    _within(0.5, lambda: content_version() == ahead)
    cache.delete(watch.VERSION_KEY)  # Redis restarted without its data
    version_module.bump_content_version()
    assert content_version() > ahead
    assert cache.get(watch.VERSION_KEY) == content_version()
