"""Public pages: conditional GETs, a shared response cache and a last good copy for outages.

Every view of the public site is wrapped in ``public_page``. For anonymous readers
(no live session, no messages cookie) it

* answers conditional GETs with ``304`` from the content version (``caching.version``)
  and the minute, no SQL;
* serves the rendered page from Django's cache, keyed by (content version, minute,
  path with the query parameters the page reads, ``caching.query``), so a hit runs no
  SQL either. A page that is not there is rendered once: the first request takes a
  short lock in the cache and the others wait up to ``LOCK_WAIT`` seconds for its copy;
* keeps, per path without a query string, a last good copy for ``LAST_GOOD_COPY_DAYS``
  (each render starts the time again). While the database is unreachable the page is
  answered from it, with a notice (HTML) or an ``X-Served-Stale`` header; an address
  with a query string (a filter, a page of comments) answers from its path's copy; a
  page never rendered before answers ``503``. Last good copies are as many as the site
  has public pages.

The ETag and the key change with the version and each minute, because pages show
relative times (“starts in 3 hours”, elapsed time). Signed-in readers, and anyone with
a live session, bypass the shared cache and are told ``Cache-Control: private``; a
session cookie the server does not know (made up, or expired) is an anonymous reader's.
``caching.middleware.PublicPagesMiddleware`` sets the final caching headers, after the
decorators that wrap ``public_page``. It also marks each finished answer that every
anonymous reader may be given (``mark_finished``), for ``caching.front`` to keep as it
leaves Django and give again, in front of Django, until the version or the minute changes.
"""

import hashlib
import logging
import time
from datetime import UTC, datetime
from functools import partial, wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import condition

from statuspage.caching import query as query_module
from statuspage.caching import store
from statuspage.caching.query import Normaliser
from statuspage.caching.version import content_version, public_content_changed
from statuspage.common.db import DATABASE_ERRORS

logger = logging.getLogger(__name__)

# For CDNs and browsers; views, or decorators around public_page, may set their own.
PUBLIC_CACHE_CONTROL = "public, max-age=15, stale-while-revalidate=60, stale-if-error=86400"
RESPONSE_TIMEOUT = 120  # a rendered page is only looked up during its own minute
LOCK_TIMEOUT = 10  # a render that takes longer than this lets the next request try
LOCK_WAIT = 2.0  # how long a request waits for another one's render of the same page
LOCK_POLL = 0.02
# After a database error, pages that have a last good copy answer from it for this
# long without trying the database again.
DATABASE_RETRY_SECONDS = 5
DATABASE_DOWN_KEY = "public-page:database-down"
RETRY_AFTER_SECONDS = 30

STALE_MARKER = b"<!--stale-notice-->"  # where base.html includes includes/stale_notice.html
STALE_HEADER = "X-Served-Stale"
# Worked out again for each response, never replayed from the cache.
UNSTORED_HEADERS = {"content-length", "etag", "last-modified"}

# Where mark_finished tells caching.front that Django's answer may be kept (WSGI environ).
FINISHED_MARK = "statuspage.finished"

# How PublicPagesMiddleware finishes a response: the attribute and its values.
CACHE_KIND = "public_page_cache"
SHARED, PRIVATE, STALE, UNAVAILABLE = "shared", "private", "stale", "unavailable"


# --- who shares --------------------------------------------------------------------------------


def _personal(request) -> bool:
    """A request whose page may differ from everyone else's: a live session or flash messages.

    Without a session cookie nothing is looked up. With one, the session is loaded (one
    query): a cookie the server does not know, made up or expired, is an anonymous
    reader's, or anyone could have every page rendered in full by sending one.
    """
    personal = getattr(request, "_public_page_personal", None)
    if personal is None:
        cookies = request.COOKIES
        personal = CookieStorage.cookie_name in cookies or (
            settings.SESSION_COOKIE_NAME in cookies and bool(request.session.keys())
        )
        request._public_page_personal = personal
    return personal


def _stamp(request) -> tuple[int, int]:
    """(content version, minute), read once per request for the ETag and the cache key."""
    stamp = getattr(request, "_public_page_stamp", None)
    if stamp is None:
        stamp = request._public_page_stamp = (content_version(), int(time.time()) // 60)
    return stamp


def _etag(request, *args, **kwargs) -> str | None:
    if _personal(request):
        return None
    version, minute = _stamp(request)
    return f"{version:x}-{minute:x}"


def _last_modified(request, *args, **kwargs) -> datetime | None:
    if _personal(request):
        return None
    version, minute = _stamp(request)
    return datetime.fromtimestamp(max(version / 1e9, minute * 60), tz=UTC)


# --- the shared cache --------------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _response_key(request) -> str:
    """This page in this version and minute: the path and the query the page reads."""
    version, minute = _stamp(request)
    return f"public-page:{version:x}:{minute:x}:{_digest(request.get_full_path())}"


def _copy_key(request) -> str:
    """The last good copy of this path, whatever the query: one per public page."""
    return f"public-page:last-good:{_digest(request.path)}"


def _last_good_copy(request) -> dict | None:
    """This path's last good copy, unless it is older than ``LAST_GOOD_COPY_DAYS`` (the
    cache's own expiry frees the memory; this says what may still be served)."""
    entry = store.call("get", _copy_key(request))
    oldest = time.time() - settings.LAST_GOOD_COPY_DAYS * 86400
    return entry if entry is not None and entry["rendered_at"] >= oldest else None


def _entry(request, response) -> dict | None:
    """What the cache keeps of a response everyone may be given, or None."""
    if (
        response.status_code != 200
        or response.streaming
        or not getattr(response, "is_rendered", True)
        or response.cookies
        # The page holds a CSRF token (or the view started a session): it is this reader's.
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or getattr(getattr(request, "session", None), "modified", False)
    ):
        return None
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in UNSTORED_HEADERS]
    return {"content": response.content, "headers": headers, "rendered_at": time.time()}


def _from_entry(entry: dict) -> HttpResponse:
    return HttpResponse(entry["content"], headers=dict(entry["headers"]))


def _wait_for(key: str, lock: str) -> dict | None:
    """The entry another request is rendering, once it is there; None if it gave up."""
    deadline = time.monotonic() + LOCK_WAIT
    while time.monotonic() < deadline:
        time.sleep(LOCK_POLL)
        found = store.call("get_many", [key, lock], default={})
        if key in found:
            return found[key]
        if lock not in found:  # the render ended without a page to share
            return None
    return None


class _KnownDown(Exception):
    """The database failed moments ago; answer from the last good copy without trying it."""

    def __init__(self, entry: dict) -> None:
        self.entry = entry


def _raise_if_known_down(request) -> bool:
    """Raise _KnownDown if the database failed moments ago and this page has a copy;
    return whether it failed moments ago."""
    if (store.call("get", DATABASE_DOWN_KEY) or 0) <= time.time():
        return False
    entry = _last_good_copy(request)
    if entry is not None:
        raise _KnownDown(entry)
    return True


def _render_shared(view, request, *args, **kwargs):
    """The page from the shared cache, or rendered once while other requests wait for it."""
    key = _response_key(request)
    entry = store.call("get", key)
    if entry is not None:
        return _from_entry(entry)
    known_down = _raise_if_known_down(request)
    lock = f"{key}:lock"
    owner = store.call("add", lock, 1, timeout=LOCK_TIMEOUT, default=True)
    if not owner:
        entry = _wait_for(key, lock)
        if entry is not None:
            return _from_entry(entry)
        # The render we waited for may have met a dead database.
        known_down = _raise_if_known_down(request)
    try:
        response = view(request, *args, **kwargs)
    except DATABASE_ERRORS:
        _mark_database_down()  # before the lock goes, so that waiting requests know
        raise
    else:
        if known_down:  # it answered: the database is back, for every page
            store.call("delete", DATABASE_DOWN_KEY)
        entry = _entry(request, response)
        if entry is not None:
            store.call("set", key, entry, timeout=RESPONSE_TIMEOUT)
            if not request.META.get("QUERY_STRING"):
                timeout = settings.LAST_GOOD_COPY_DAYS * 86400
                store.call("set", _copy_key(request), entry, timeout=timeout)
    finally:
        if owner:
            store.call("delete", lock)
    return response


def _in_transaction() -> bool:
    """Whether this request runs inside an open transaction (never in production: no
    ATOMIC_REQUESTS). What it reads may be uncommitted, and a write earlier in the
    transaction has not yet changed the version (that happens on commit): such a page
    is neither taken from the shared cache nor put in it. Tests that run in a
    transaction (pytest-django's ``db``) therefore always render.
    """
    return transaction.get_connection().in_atomic_block


def _forget_session_access(request) -> None:
    """No ``Vary: Cookie`` for a page rendered without a live session.

    The template asked who the reader is (``user.is_authenticated``), which marks
    the session accessed; without a live session the answer is the same for every
    reader, and requests with one never share this response.
    """
    session = getattr(request, "session", None)
    if session is not None and not session.modified:
        session.accessed = False


# --- when the database is down -----------------------------------------------------------------


def _stale(request, entry: dict) -> HttpResponse:
    """The last good copy, saying how old it is."""
    since = datetime.fromtimestamp(entry["rendered_at"], tz=UTC)
    response = _from_entry(entry)
    if response.get("Content-Type", "").startswith("text/html"):
        notice = render_to_string(
            "includes/stale_notice.html",
            {"stale_since": f"{since.day} {since:%B %Y, %H:%M}", "stale_iso": since.isoformat()},
        )
        response.content = response.content.replace(
            STALE_MARKER, notice.strip().encode(response.charset), 1
        )
    response[STALE_HEADER] = since.isoformat(timespec="seconds").replace("+00:00", "Z")
    response["Cache-Control"] = "no-store"
    setattr(response, CACHE_KIND, STALE)
    return response


def service_unavailable(request) -> HttpResponse:
    """``503`` with ``Retry-After``, built without the database: templates/503.html, or JSON."""
    if request.path.endswith(".json"):
        error = "The status database is unavailable for a moment; try again shortly."
        response = JsonResponse({"error": error}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    setattr(response, CACHE_KIND, UNAVAILABLE)
    return response


def _database_is_back(sender, **kwargs) -> None:
    """A transaction has just committed, so the database is back: render again at once."""
    store.call("delete", DATABASE_DOWN_KEY)


def connect_signals() -> None:
    public_content_changed.connect(_database_is_back, dispatch_uid="database-is-back")


def _mark_database_down() -> None:
    # Until when, in the value: the cache's own expiry only cleans up after it.
    until = time.time() + DATABASE_RETRY_SECONDS
    store.call("set", DATABASE_DOWN_KEY, until, timeout=DATABASE_RETRY_SECONDS + 1)


def _database_failed(request, error: Exception) -> HttpResponse:
    _mark_database_down()
    entry = _last_good_copy(request)
    logger.warning(
        "Database unavailable (%s); %s %s answered %s",
        error,
        request.method,
        request.get_full_path(),
        "from its last good copy" if entry else "503",
    )
    return service_unavailable(request) if entry is None else _stale(request, entry)


# --- what a page reads from its address ---------------------------------------------------------

# --- the decorator -----------------------------------------------------------------------------


def public_page(view=None, *, query: dict[str, Normaliser] | None = None):
    """Cache and serve a public page for anonymous readers; see the module's docstring.

    ``query`` names the parameters the page reads, each with its normaliser
    (``page_number``, ``slug``, ``one_of(...)``, ``words(n)``); the view sees no others.
    """
    if view is None:
        return partial(public_page, query=query)
    reads = query or {}

    def render(request, *args, **kwargs):
        if _personal(request) or _in_transaction():
            return view(request, *args, **kwargs)
        return _render_shared(view, request, *args, **kwargs)

    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(render)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        query_module.keep_read(request, reads)
        if request.method not in {"GET", "HEAD"}:
            return conditional(request, *args, **kwargs)
        try:
            response = conditional(request, *args, **kwargs)
        except _KnownDown as known:
            return _stale(request, known.entry)
        except DATABASE_ERRORS as error:
            return _database_failed(request, error)
        if _personal(request):
            patch_cache_control(response, private=True)
            setattr(response, CACHE_KIND, PRIVATE)
        else:
            _forget_session_access(request)
            setattr(response, CACHE_KIND, SHARED)
        return response

    return wrapped


# --- finished answers, for caching.front -------------------------------------------------------


def mark_finished(request, response) -> None:
    """Mark a finished ``200`` or ``304`` that every anonymous reader may be given, for
    ``caching.front.FinishedAnswers``: its stamp, validators and body, in the environ."""
    if (
        request.method != "GET"
        or getattr(response, CACHE_KIND, None) != SHARED
        or response.status_code not in {200, 304}
        or response.streaming
        or response.cookies  # a CSRF token or a session of this reader's
        or _in_transaction()
    ):
        return
    request.META[FINISHED_MARK] = {
        "stamp": _stamp(request),
        "etag": quote_etag(_etag(request)),
        "last_modified": int(_last_modified(request).timestamp()),
        "content": response.content,
    }
