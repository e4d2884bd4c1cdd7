"""This process's content version, kept current without asking Redis on each request.

With Redis, every process keeps the version in memory. A thread of its own listens on a
Redis channel where each change announces the new version (pushed: every process knows
within milliseconds), and reads the version again every ``VERSION_RECHECK_SECONDS``, the
net under a subscription that dropped. Requests never wait on Redis for it. Versions only
ever go up: Redis gives each change one greater than the last (whatever the clocks of the
machines say), and a process takes a version only if it is newer than the one it has, so
an announcement that arrives late never takes it back.

While the thread cannot confirm the version (Redis away), the process cannot know of
changes made in other processes: the version it gives then moves on by itself every few
seconds (``UNCONFIRMED_SECONDS``), so pages render again from the database that often
and show any change within seconds, and kept answers still serve everything in between.
A change made here meanwhile is announced by the thread once Redis is back.

Without Redis (the embedded default, one process) the version is read from the cache.
"""

import logging
import os
import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from statuspage.caching import store

logger = logging.getLogger(__name__)

VERSION_KEY = "public-content-version"
CHANNEL = "statuspage:public-content-version"
CLIENT_NAME = "statuspage-version-watch"  # the listeners' name in Redis's CLIENT LIST
RETRY_SECONDS = (0.2, 0.5, 1, 2, 5)  # reconnecting, a step further each failure
# Unconfirmed for this long (three missed re-checks), the version moves on by itself, a
# new one every UNCONFIRMED_SECONDS.
UNCONFIRMED_SECONDS = 3 * settings.VERSION_RECHECK_SECONDS


class VersionWatch:
    """The version as this process knows it; ``current()`` is a read of memory."""

    def __init__(self) -> None:
        self._version = 0
        self._owed = False  # content changed here while Redis was away, not yet announced
        self._confirmed_at = float("-inf")  # time.monotonic() of Redis's last word
        self._failures = 0  # in a row, reconnecting
        self._pid: int | None = None
        self._lock = threading.Lock()

    def current(self) -> int:
        if self._pid != os.getpid():  # first use, or a fork: a listener of this process's own
            self._start()
        if self.confirmed:
            return self._version
        # A new one each step, and with each change made here: the step's start (a time,
        # as versions are), plus the last version's remainder within a step.
        step = int(UNCONFIRMED_SECONDS * 1e9)
        return time.time_ns() // step * step + self._version % step

    @property
    def started(self) -> bool:
        """Whether this process listens (it has Redis: the version is the watch's)."""
        return self._pid == os.getpid()

    @property
    def confirmed(self) -> bool:
        """Whether Redis confirmed the version lately (a message, or a re-check)."""
        return time.monotonic() - self._confirmed_at <= UNCONFIRMED_SECONDS

    def announce(self) -> None:
        """Content changed in this process: a new version, known here at once, stored and
        announced to the others; if Redis cannot be reached, the listener announces it when
        it is back."""
        # Newer than this process's, whatever Redis holds (it may have lost its data) and
        # whatever this machine's clock says (another's may be ahead).
        newer = max(time.time_ns(), self._version + 1)
        try:
            self._take(_announce(newer))
        except (RedisError, OSError):
            logger.warning("Could not announce a new version; will once Redis is back")
            self._owed = True
            self._take(newer)

    def _take(self, version: int) -> None:
        """``version``, if newer than the one this process has."""
        with self._lock:
            if version > self._version:
                self._version = version

    def _confirm(self, version: int) -> None:
        self._take(version)
        self._confirmed_at = time.monotonic()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._version = time.time_ns()  # if Redis cannot be reached: unconfirmed
            try:
                self._version = cache.get(VERSION_KEY) or _announce(self._version)
                self._confirmed_at = time.monotonic()
            except (RedisError, OSError):
                logger.warning("Redis cannot be reached; the version is unconfirmed meanwhile")
            self._pid = os.getpid()
            thread = threading.Thread(target=self._listen, name="version-watch", daemon=True)
            thread.start()

    def _listen(self) -> None:
        client = _listening_client()
        while True:
            try:
                self._follow(client)
            except (RedisError, OSError):
                wait = RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)]
                self._failures += 1
                if self._failures == 1:
                    logger.warning("Lost Redis's version channel; trying again", exc_info=True)
                time.sleep(wait)

    def _follow(self, client: redis.Redis) -> None:
        """Subscribe, then take each announced version; read it again between messages."""
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(CHANNEL)
            self._check()  # announced while away?
            while True:
                message = pubsub.get_message(timeout=settings.VERSION_RECHECK_SECONDS)
                if message and message["type"] == "message":
                    self._confirm(int(message["data"]))
                else:
                    self._check()
        finally:
            pubsub.close()

    def _check(self) -> None:
        """Redis's version. First, if this process changed content while Redis was away, a
        new one announced for it (the other processes never heard of that change); and if
        Redis has an older one than this process (it lost its data), this one, announced."""
        if self._owed:
            self._owed = False
            try:
                self._take(_announce(max(time.time_ns(), self._version + 1)))
            except (RedisError, OSError):
                self._owed = True
                raise
            logger.warning("Redis is back: announced a new version for a change made meanwhile")
        stored = cache.get(VERSION_KEY)
        if stored is None or stored < self._version:
            stored = _announce(self._version)
        self._confirm(stored)
        if self._failures:
            logger.warning("Redis's version channel is back")
            self._failures = 0


def _listening_client() -> redis.Redis:
    """A client of the cache's Redis for the listener alone, named, so operators (and the
    smoke test) can tell its connection in ``CLIENT LIST``."""
    pool = store.redis_client().connection_pool
    kwargs = {**pool.connection_kwargs, "client_name": CLIENT_NAME}
    return redis.Redis(connection_pool=redis.ConnectionPool(pool.connection_class, **kwargs))


def _announce(version: int) -> int:
    """Store and announce a new version: ``version``, or one more than Redis's if that is
    as new or newer (another machine's clock ahead). Returns the version announced."""
    key = cache.make_and_validate_key(VERSION_KEY)
    announced = []

    def store_and_publish(pipe) -> None:
        stored = int(pipe.get(key) or 0)
        announced[:] = [max(version, stored + 1)]
        pipe.multi()
        pipe.set(key, announced[0])
        pipe.publish(CHANNEL, announced[0])

    store.redis_client().transaction(store_and_publish, key)
    return announced[0]
