"""Kept answers: the one idea of the caching package, used for speed and for outages.

A kept answer is what was sent for a public page: status, headers, body, the content
version and minute it belongs to, and when it was rendered. Each web process keeps
them in its own memory:

* ``ANSWERS``, finished answers by address (``caching.front`` gives them again, in front
  of Django, while their version and minute are current), bounded in bytes
  (``KEPT_ANSWERS_MB``) by a segmented LRU: an address enters on probation and is
  protected once asked for again, so a flood of addresses read once pushes out only
  other addresses read once, never the pages readers keep reading;
* the last good copy of each public page (``good_copy``), the answer for it while the
  database cannot be reached. Redis keeps one too, for a process that starts while the
  database is down; that and the content version are all Redis keeps for pages.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings

from statuspage.caching import store

# A protected address is demoted to probation beyond this share of the bound.
PROTECTED_SHARE = 0.8
GOOD_COPIES = 2000  # pages a process keeps a last good copy of, the most recent
LOCK_WAIT = 2.0  # how long a request waits for another one's render of the same address


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    version: int = 0
    minute: int = 0
    etag: str = ""
    last_modified: int = 0
    rendered_at: float = 0.0

    @property
    def size(self) -> int:
        """Bytes it holds, roughly: what the bound counts."""
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200

    def current(self, version: int, minute: int) -> bool:
        return self.version == version and self.minute == minute


class KeptAnswers:
    """Answers by key, bounded in bytes, segmented LRU; safe for a process's threads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._probation: OrderedDict = OrderedDict()
        self._protected: OrderedDict = OrderedDict()
        self._bytes = {"probation": 0, "protected": 0}
        self._lock = threading.Lock()
        self._rendering: dict = {}

    def get(self, key) -> KeptAnswer | None:
        with self._lock:
            answer = self._protected.get(key)
            if answer is not None:
                self._protected.move_to_end(key)
                return answer
            answer = self._probation.pop(key, None)
            if answer is None:
                return None
            self._bytes["probation"] -= answer.size
            self._protected[key] = answer  # asked for again: protected
            self._bytes["protected"] += answer.size
            self._shrink()
            return answer

    def put(self, key, answer: KeptAnswer) -> None:
        if answer.size > self.limit * (1 - PROTECTED_SHARE):
            return  # larger than probation itself: never kept
        with self._lock:
            self._drop(key)
            self._probation[key] = answer
            self._bytes["probation"] += answer.size
            self._shrink()

    def clear(self) -> None:
        with self._lock:
            self._probation.clear()
            self._protected.clear()
            self._bytes = {"probation": 0, "protected": 0}

    @property
    def size(self) -> int:
        return self._bytes["probation"] + self._bytes["protected"]

    def __len__(self) -> int:
        return len(self._probation) + len(self._protected)

    def _drop(self, key) -> None:
        for segment, name in ((self._probation, "probation"), (self._protected, "protected")):
            if (old := segment.pop(key, None)) is not None:
                self._bytes[name] -= old.size

    def _shrink(self) -> None:
        while self._bytes["protected"] > self.limit * PROTECTED_SHARE:
            key, answer = self._protected.popitem(last=False)  # demoted, not dropped
            self._bytes["protected"] -= answer.size
            self._probation[key] = answer
            self._bytes["probation"] += answer.size
        while self.size > self.limit and self._probation:
            _, answer = self._probation.popitem(last=False)
            self._bytes["probation"] -= answer.size

    def first_to_render(self, key, *, wait: bool = True) -> bool:
        """Whether this request renders ``key`` (True), or another one already does; then,
        if asked to, wait up to ``LOCK_WAIT`` for it (many readers of a cold page: one
        render)."""
        with self._lock:
            event = self._rendering.get(key)
            if event is None:
                self._rendering[key] = threading.Event()
                return True
        if wait:
            event.wait(LOCK_WAIT)
        return False

    def rendered(self, key) -> None:
        with self._lock:
            if event := self._rendering.pop(key, None):
                event.set()


ANSWERS = KeptAnswers(settings.KEPT_ANSWERS_MB * 1024 * 1024)


# --- last good copies ----------------------------------------------------------------------------

_good: OrderedDict = OrderedDict()
_good_lock = threading.Lock()


def _copy_key(path: str) -> str:
    return f"public-page:last-good:{hashlib.sha256(path.encode()).hexdigest()}"


def keep_good_copy(path: str, answer: KeptAnswer) -> None:
    """The page at ``path`` rendered: its last good copy, here and in Redis."""
    with _good_lock:
        _good.pop(path, None)
        _good[path] = answer
        while len(_good) > GOOD_COPIES:
            _good.popitem(last=False)
    timeout = settings.LAST_GOOD_COPY_DAYS * 86400
    store.call("set", _copy_key(path), answer, timeout=timeout)


def good_copy(path: str) -> KeptAnswer | None:
    """The last good copy of the page at ``path`` (this process's, else Redis's), unless it
    is older than ``LAST_GOOD_COPY_DAYS`` (Redis's own expiry frees its memory; this says
    what may still be served)."""
    with _good_lock:
        answer = _good.get(path)
    if answer is None:
        answer = store.call("get", _copy_key(path))
    oldest = time.time() - settings.LAST_GOOD_COPY_DAYS * 86400
    return answer if answer is not None and answer.rendered_at >= oldest else None


def forget_good_copies() -> None:
    """This process's copies gone (tests; a process starting afresh)."""
    with _good_lock:
        _good.clear()
