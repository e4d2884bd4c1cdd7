"""Public pages: conditional GETs, answers kept for every anonymous reader, outages.

Every view of the public site is wrapped in ``public_page``. For anonymous readers
(no live session, no messages cookie) it

* answers conditional GETs with ``304`` from the content version (``caching.version``)
  and the minute, no SQL;
* marks the finished answer, which every anonymous reader may be given until the
  version or the minute changes, for ``caching.front`` to keep in this process's memory
  and give again in front of Django (``caching.kept``); a render of a page without a
  query string also becomes its last good copy;
* while the database cannot be reached, answers from the page's last good copy, with a
  notice (HTML) or an ``X-Served-Stale`` header (an address with a query string, a filter
  or a page of comments, answers from its path's copy), or ``503`` for a page never
  rendered; after a failure, pages with a copy answer from it for
  ``DATABASE_RETRY_SECONDS`` without trying the database again, or until a new content
  version arrives from any process (something committed, or a process found the
  database back and said so with a new version: every process renders again at once).

A page reads only the query parameters it declares (``caching.query``). The ETag changes
with the version and each minute, because pages show relative times (“starts in 3
hours”). Signed-in readers, and anyone with a live session, are answered for themselves
and told ``Cache-Control: private``; a session cookie the server does not know (made up,
or expired) is an anonymous reader's. ``caching.middleware.PublicPagesMiddleware`` sets
the final caching headers, after the decorators that wrap ``public_page``.
"""

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
from statuspage.caching.kept import KeptAnswer, good_copy, keep_good_copy
from statuspage.caching.query import Normaliser
from statuspage.caching.version import bump_content_version, content_version
from statuspage.common.db import DATABASE_ERRORS
from statuspage.common.redact import loggable_path

logger = logging.getLogger(__name__)

# For CDNs and browsers; views, or decorators around public_page, may set their own.
PUBLIC_CACHE_CONTROL = "public, max-age=15, stale-while-revalidate=60, stale-if-error=86400"
# After a database error, pages that have a last good copy answer from it for this
# long without trying the database again.
DATABASE_RETRY_SECONDS = 5
RETRY_AFTER_SECONDS = 30

STALE_MARKER = b"<!--stale-notice-->"  # where base.html includes includes/stale_notice.html
STALE_HEADER = "X-Served-Stale"
# Worked out again for each response, never replayed.
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


def _stale(request, copy: KeptAnswer) -> HttpResponse:
    """The last good copy, saying how old it is."""
    since = datetime.fromtimestamp(copy.rendered_at, tz=UTC)
    response = HttpResponse(copy.body, headers=dict(copy.headers))
    if response.get("Content-Type", "").startswith("text/html"):
        notice = render_to_string(
            "includes/stale_notice.html",
            {
                "stale_since": f"{since.day} {since:%B %Y, %H:%M}",
                "stale_iso": since.isoformat(timespec="seconds"),
            },
        )
        response.content = response.content.replace(
            STALE_MARKER, notice.strip().encode(response.charset), 1
        )
    response[STALE_HEADER] = since.isoformat(timespec="seconds").replace("+00:00", "Z")
    response["Cache-Control"] = "no-store"
    setattr(response, CACHE_KIND, STALE)
    return response


def service_unavailable(request) -> HttpResponse:
    """``503`` with ``Retry-After``, built without the database: templates/503.html, or JSON
    for the APIs (``.json`` addresses, and everything under /api/)."""
    if request.path.endswith(".json") or request.path.startswith("/api/"):
        error = "The status database is unavailable for a moment; try again shortly."
        response = JsonResponse({"error": error}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    setattr(response, CACHE_KIND, UNAVAILABLE)
    return response


# Until when this process answers from last good copies without trying the database, unless
# the content version has changed since the failure (a write committed, here or in another
# process: the database is back).
_down_until = 0.0
_down_version = None


def forget_database_failure() -> None:
    """As if the database had never failed in this process (for tests)."""
    global _down_until, _down_version
    _down_until, _down_version = 0.0, None


def _database_failed(request, error: Exception) -> HttpResponse:
    global _down_until, _down_version
    _down_until = time.time() + DATABASE_RETRY_SECONDS
    _down_version = _stamp(request)[0]
    copy = good_copy(request.path)
    logger.warning(
        "Database unavailable (%s); %s %s answered %s",
        error,
        request.method,
        loggable_path(request),
        "from its last good copy" if copy else "503",
    )
    return service_unavailable(request) if copy is None else _stale(request, copy)


def _render(view, request, *args, **kwargs):
    """The page rendered for every anonymous reader, becoming its last good copy; or, the
    database having failed moments ago, its last good copy without trying it."""
    global _down_until
    if (
        time.time() < _down_until
        and _stamp(request)[0] == _down_version
        and (copy := good_copy(request.path)) is not None
    ):
        return _stale(request, copy)
    response = view(request, *args, **kwargs)
    if _down_until:  # it answered after a failure: the database is back, for every page,
        _down_until = 0.0
        bump_content_version()  # and every process renders again at once
    if not request.META.get("QUERY_STRING") and (copy := _good(request, response)):
        keep_good_copy(request.path, copy)
    return response


def _good(request, response) -> KeptAnswer | None:
    """What is kept of a page every reader may be given, as its last good copy, or None."""
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
    return KeptAnswer("200 OK", headers, response.content, rendered_at=time.time())


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
        return _render(view, request, *args, **kwargs)

    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(render)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        query_module.keep_read(request, reads)
        if request.method not in {"GET", "HEAD"}:
            return conditional(request, *args, **kwargs)
        try:
            response = conditional(request, *args, **kwargs)
        except DATABASE_ERRORS as error:
            return _database_failed(request, error)
        if getattr(response, CACHE_KIND, None) == STALE:
            return response  # the database failed moments ago: never kept as current
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
    ``caching.front.FinishedAnswers``: its body, version and minute, validators, in the
    environ."""
    if (
        request.method != "GET"
        or getattr(response, CACHE_KIND, None) != SHARED
        or response.status_code not in {200, 304}
        or response.streaming
        or response.cookies  # a CSRF token or a session of this reader's
        or _in_transaction()
    ):
        return
    version, minute = _stamp(request)
    request.META[FINISHED_MARK] = {
        "body": response.content,
        "version": version,
        "minute": minute,
        "etag": quote_etag(_etag(request)),
        "last_modified": int(_last_modified(request).timestamp()),
        "rendered_at": time.time(),
    }
