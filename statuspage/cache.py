"""Public pages: conditional GETs, a shared response cache and a last good copy for outages.

Every view of the public site is wrapped in ``public_page``. For anonymous readers
(no session or messages cookie) it

* answers conditional GETs with ``304`` from one cached content version, no SQL;
* serves the rendered page from Django's cache, keyed by (content version, minute,
  full path with query string), so a hit runs no SQL either. A page that is not
  there is rendered once: the first request takes a short lock in the cache and
  the others wait up to ``LOCK_WAIT`` seconds for its copy;
* keeps, per path, a last good copy without expiry. While the database is
  unreachable the page is answered from it, with a notice (HTML) or an
  ``X-Served-Stale`` header; a page never rendered before answers ``503``.

Every write to the public content (any model of the status and FAQ apps)
replaces the version once its transaction commits, so every page's ETag and
cache key change together: publishing anything re-renders every public page
(one render each, on its next request). The ETag and the key also change each
minute, because pages show relative times (“starts in 3 hours”, elapsed time).

Signed-in readers, and anyone with a session, bypass the shared cache and are
told ``Cache-Control: private``. ``statuspage.middleware.PublicPagesMiddleware``
sets the final caching headers, after the decorators that wrap ``public_page``.

It also marks each such finished answer that every anonymous reader may be given
(``mark_finished``), for ``statuspage.wsgi.FinishedAnswers`` to keep as it leaves
Django and give again, in front of Django, until the version or the minute changes.
"""

import hashlib
import logging
import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import condition

logger = logging.getLogger(__name__)

VERSION_KEY = "public-content-version"
PUBLIC_APPS = {"statuspage", "faq"}
# What Django raises when the database cannot be reached (refused, dropped, closed).
DATABASE_ERRORS = (OperationalError, InterfaceError)

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

# Where mark_finished tells statuspage.wsgi that Django's answer may be kept (WSGI environ).
FINISHED_MARK = "statuspage.finished"

# How PublicPagesMiddleware finishes a response: the attribute and its values.
CACHE_KIND = "public_page_cache"
SHARED, PRIVATE, STALE, UNAVAILABLE = "shared", "private", "stale", "unavailable"


# --- the cache, never fatal ------------------------------------------------------------------


def _cache_call(method: str, *args, default=None, **kwargs):
    """``cache.<method>(...)``, or ``default`` if the cache (Redis) cannot be reached."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:
        logger.warning("Cache %s failed; carrying on without it", method, exc_info=True)
        return default


# --- the content version ---------------------------------------------------------------------


def content_version() -> int:
    """Nanoseconds since the epoch of the last change to public content."""
    version = _cache_call("get", VERSION_KEY)
    if version is None:
        version = time.time_ns()
        _cache_call("add", VERSION_KEY, version, timeout=None)
    return version


def bump_content_version() -> None:
    _cache_call("set", VERSION_KEY, time.time_ns(), timeout=None)
    # A transaction has just committed, so the database is back: render again at once.
    _cache_call("delete", DATABASE_DOWN_KEY)


def _on_change(sender, **kwargs) -> None:
    if sender._meta.app_label in PUBLIC_APPS:
        transaction.on_commit(bump_content_version)


def connect_signals() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"content-version-{signal}")


# --- who shares --------------------------------------------------------------------------------


def _personal(request) -> bool:
    """A request whose page may differ from everyone else's: a session or flash messages.

    Reading request.user would query the session; the cookie's presence is enough.
    """
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies


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


def _path_digest(request) -> str:
    return hashlib.sha256(request.get_full_path().encode()).hexdigest()


def _response_key(request) -> str:
    version, minute = _stamp(request)
    return f"public-page:{version:x}:{minute:x}:{_path_digest(request)}"


def _copy_key(request) -> str:
    """The last good copy of this path: no version, no expiry."""
    return f"public-page:last-good:{_path_digest(request)}"


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
        found = _cache_call("get_many", [key, lock], default={})
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
    if (_cache_call("get", DATABASE_DOWN_KEY) or 0) <= time.time():
        return False
    entry = _cache_call("get", _copy_key(request))
    if entry is not None:
        raise _KnownDown(entry)
    return True


def _render_shared(view, request, *args, **kwargs):
    """The page from the shared cache, or rendered once while other requests wait for it."""
    key = _response_key(request)
    entry = _cache_call("get", key)
    if entry is not None:
        return _from_entry(entry)
    known_down = _raise_if_known_down(request)
    lock = f"{key}:lock"
    owner = _cache_call("add", lock, 1, timeout=LOCK_TIMEOUT, default=True)
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
            _cache_call("delete", DATABASE_DOWN_KEY)
        entry = _entry(request, response)
        if entry is not None:
            _cache_call("set", key, entry, timeout=RESPONSE_TIMEOUT)
            _cache_call("set", _copy_key(request), entry, timeout=None)
    finally:
        if owner:
            _cache_call("delete", lock)
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
    """No ``Vary: Cookie`` for a page rendered without a session.

    The template asked who the reader is (``user.is_authenticated``), which marks
    the session accessed; with no session cookie the answer is the same for every
    reader, and requests with one never share this response.
    """
    session = getattr(request, "session", None)
    if session is not None and session.session_key is None and session.is_empty():
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


def _mark_database_down() -> None:
    # Until when, in the value: the cache's own expiry only cleans up after it.
    until = time.time() + DATABASE_RETRY_SECONDS
    _cache_call("set", DATABASE_DOWN_KEY, until, timeout=DATABASE_RETRY_SECONDS + 1)


def _database_failed(request, error: Exception) -> HttpResponse:
    _mark_database_down()
    entry = _cache_call("get", _copy_key(request))
    logger.warning(
        "Database unavailable (%s); %s %s answered %s",
        error,
        request.method,
        request.get_full_path(),
        "from its last good copy" if entry else "503",
    )
    return service_unavailable(request) if entry is None else _stale(request, entry)


# --- the decorator -----------------------------------------------------------------------------


def public_page(view):
    """Cache and serve a public page for anonymous readers; see the module's docstring."""

    def render(request, *args, **kwargs):
        if _personal(request) or _in_transaction():
            return view(request, *args, **kwargs)
        return _render_shared(view, request, *args, **kwargs)

    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(render)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
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


# --- finished answers, for statuspage.wsgi ----------------------------------------------------


def mark_finished(request, response) -> None:
    """Mark a finished ``200`` or ``304`` that every anonymous reader may be given, for
    ``statuspage.wsgi.FinishedAnswers``: its stamp, validators and body, in the environ."""
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
