"""Public pages: conditional GETs, a shared response cache and a last good copy for outages.

Every view of the public site is wrapped in ``public_page``. For anonymous readers
(no session or messages cookie) it

* answers conditional GETs with ``304`` from one cached content version, no SQL;
* serves the rendered page from Django's cache, keyed by (content version, minute,
  full path with query string), so a hit runs no SQL either. A page that is not
  there is rendered once: the first request takes a short lock in the cache and
  the others wait up to ``LOCK_WAIT`` seconds for its copy;
* keeps, per path without a query string, a last good copy for ``LAST_GOOD_COPY_DAYS``
  (each render starts the time again). While the database is unreachable the page is
  answered from it, with a notice (HTML) or an ``X-Served-Stale`` header; an address
  with a query string (a filter, a page of comments) answers from its path's copy; a
  page never rendered before answers ``503``.

A page reads only the query parameters it declares (``public_page(query=...)``), each
checked by a normaliser; the others are dropped before the view runs, so they change
neither the page nor its cache key, and readers cannot fill the cache with made-up
addresses. Last good copies, kept only for addresses without a query string, are as
many as the site has public pages.

Every write to what readers see replaces the version once its transaction commits,
so every page's ETag and cache key change together: publishing anything re-renders
every public page (one render each, on its next request). Models say what readers see
with a ``shown_to_readers()`` method; a write that was not and is not shown to readers
(a draft, a held comment, a subscriber, an outbox row) leaves the version alone, so
ETags tell nobody when staff save unpublished work. The ETag and the key also change
each minute, because pages show relative times (“starts in 3 hours”, elapsed time).

Signed-in readers, and anyone with a live session, bypass the shared cache and are
told ``Cache-Control: private``; a session cookie the server does not know (made up,
or expired) is an anonymous reader's. ``statuspage.caching.middleware.PublicPagesMiddleware``
sets the final caching headers, after the decorators that wrap ``public_page``.

It also marks each such finished answer that every anonymous reader may be given
(``mark_finished``), for ``statuspage.wsgi.FinishedAnswers`` to keep as it leaves
Django and give again, in front of Django, until the version or the minute changes.
"""

import hashlib
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial, wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.db.utils import InterfaceError, OperationalError
from django.dispatch import Signal
from django.http import HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import condition

logger = logging.getLogger(__name__)

VERSION_KEY = "public-content-version"
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


# Sent once a transaction that changed what readers see has committed (the static mirror
# listens); sender is None.
public_content_changed = Signal()


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
    public_content_changed.send(sender=None)


def _shown(instance) -> bool:
    shown_to_readers = getattr(instance, "shown_to_readers", None)
    return shown_to_readers is not None and shown_to_readers()


def _was_shown(sender, instance, signal, **kwargs) -> None:
    """Before a save or a delete: whether readers saw the row as it was stored (publishing
    a draft, hiding a comment and deleting a page all change what they see)."""
    if not hasattr(instance, "shown_to_readers") or instance.pk is None:
        return
    if signal is pre_delete:
        instance._was_shown_to_readers = instance.shown_to_readers()
    elif not instance.shown_to_readers():  # shown now: the version changes anyway
        stored = sender._base_manager.filter(pk=instance.pk).first()
        instance._was_shown_to_readers = stored is not None and stored.shown_to_readers()


def _changed(sender, instance, signal, **kwargs) -> None:
    """After a save, a delete or a many-to-many change: a new version once the transaction
    commits, if readers saw the row before or see it now."""
    if kwargs.get("action", "post").startswith("pre"):
        return
    shown = getattr(instance, "_was_shown_to_readers", False)
    if not shown and signal is not post_delete:  # a deleted row's relations may be gone
        shown = _shown(instance)
    if shown:
        _bump_after_commit()


def _bump_after_commit() -> None:
    """A new version once the current transaction commits: once, however many rows it
    writes (an admin save writes dozens, and each bump re-renders every page)."""
    connection = transaction.get_connection()
    # Django keeps callbacks with the savepoints they were registered in, and drops them
    # if one rolls back: one of ours from this same block will run, or go, with this change.
    block = set(connection.savepoint_ids)
    waiting = ((sids, callback) for sids, callback, _ in connection.run_on_commit)
    if connection.in_atomic_block and (block, bump_content_version) in waiting:
        return
    transaction.on_commit(bump_content_version)


def connect_signals() -> None:
    for signal in (pre_save, pre_delete):
        signal.connect(_was_shown, dispatch_uid=f"content-version-{signal}")
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, dispatch_uid=f"content-version-{signal}")


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
    entry = _cache_call("get", _copy_key(request))
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
    entry = _last_good_copy(request)
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
            if not request.META.get("QUERY_STRING"):
                timeout = settings.LAST_GOOD_COPY_DAYS * 86400
                _cache_call("set", _copy_key(request), entry, timeout=timeout)
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


def _mark_database_down() -> None:
    # Until when, in the value: the cache's own expiry only cleans up after it.
    until = time.time() + DATABASE_RETRY_SECONDS
    _cache_call("set", DATABASE_DOWN_KEY, until, timeout=DATABASE_RETRY_SECONDS + 1)


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

MAX_PAGE_NUMBER = 10_000
_SLUG = re.compile(r"[-\w]{1,100}")

Normaliser = Callable[[str], str | None]


def page_number(value: str) -> str | None:
    """A page number, as the view reads it (“007” is 7); anything else is dropped."""
    return str(int(value)) if value.isdigit() and 0 < int(value) <= MAX_PAGE_NUMBER else None


def slug(value: str) -> str | None:
    return value if _SLUG.fullmatch(value) else None


def one_of(*choices: str) -> Normaliser:
    return lambda value: value if value in choices else None


def words(limit: int) -> Normaliser:
    """Free text, its spaces collapsed, at most ``limit`` characters."""
    return lambda value: " ".join(value.split())[:limit] or None


def _read_only(request, query: dict[str, Normaliser]) -> None:
    """Leave in the request only the parameters the page reads, normalised, in one order.

    The rest change neither the page (its links to sign in copy the address) nor its
    cache keys. A page that reads nothing from its address ignores every query string.
    """
    kept = []
    for name, normalise in query.items():
        value = request.GET.get(name)
        if value is not None and (value := normalise(value)) is not None:
            kept.append((name, value))
    canonical = urlencode(kept)
    if canonical != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = canonical
        request.GET = QueryDict(canonical)


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
        _read_only(request, reads)
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
