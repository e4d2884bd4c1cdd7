"""Finished answers given again in front of Django, from this process's memory.

``FinishedAnswers`` wraps Django's WSGI handler. An anonymous GET of a public page that
Django answered already, for the same address, host, scheme and encoding, in the current
content version and minute, gets Django's own answer again (status, headers and body as
they left it) from ``caching.kept.ANSWERS``: no Redis, no database, no request built.
The version is this process's (``caching.watch``: pushed by Redis, not asked for).
Many readers of a page that is not kept yet wait for one render; of a page whose version
or minute has just passed, they are given its previous answer meanwhile. Anything else
goes to Django; ``caching.pages`` says which of its answers may be kept.
"""

import re
import time
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import get_conditional_response

from statuspage.caching.kept import ANSWERS, KeptAnswer
from statuspage.caching.pages import FINISHED_MARK
from statuspage.caching.query import READS_MARK, canonical
from statuspage.caching.version import content_version
from statuspage.common.db import DATABASE_ERRORS

PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)
MAX_QUERY_STRING, STATIC_URL = settings.MAX_QUERY_STRING, settings.STATIC_URL
# Django's own test of Accept-Encoding, compiled here once: Django's is a lazy object,
# a proxy call on every use.
ACCEPTS_GZIP = re.compile(re_accepts_gzip.pattern)
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
# What each public page reads from its query string, learnt from Django's answers: made-up
# parameters are then dropped here too, and hit the page's kept answer. One per path that
# answered as a public page, so as many as the site has.
_READS: dict[str, dict] = {}


class FinishedAnswers:
    """Keep and give again Django's finished answers to anonymous GETs of public pages."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if not _may_share(environ):
            if _forgotten_session(environ) and (answer := _current(environ, _key(environ))):
                start_response(answer.status, [*answer.headers, _forget_session_cookie()])
                return [answer.body]
            return self.app(environ, start_response)
        key = _key(environ)
        if (answer := _current(environ, key)) is not None:
            start_response(answer.status, answer.headers)
            return [answer.body]
        # The page's answer of a minute or a version ago: while another request renders
        # the new one (some milliseconds), readers are given it rather than kept waiting.
        previous = None if _conditional(environ) else ANSWERS.get(key)
        if not ANSWERS.first_to_render(key, wait=previous is None):
            if previous is not None:
                start_response(previous.status, previous.headers)
                return [previous.body]
            if (answer := _current(environ, key)) is not None:
                start_response(answer.status, answer.headers)
                return [answer.body]
            return self._django(environ, start_response, key, renders=False)
        return self._django(environ, start_response, key, renders=True)

    def _django(self, environ, start_response, key, *, renders: bool):
        finished = {}

        def noting_start_response(status, headers, exc_info=None):
            finished.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        try:
            body = self.app(environ, noting_start_response)
            if (mark := environ.get(FINISHED_MARK)) and _keepable(finished):
                # Kept under the query string Django left in the environ: only what the
                # page reads (caching.query), so made-up parameters add no entries.
                _READS[environ.get("PATH_INFO", "")] = environ.get(READS_MARK, {})
                kept = KeptAnswer(finished["status"], finished["headers"], **mark)
                kept_key = _key(environ)
                ANSWERS.put(_304(kept_key) if kept.status.startswith("304") else kept_key, kept)
        finally:
            if renders:
                ANSWERS.rendered(key)
        return body


def _keepable(finished: dict) -> bool:
    """An answer that varies on nothing but what the key holds (the encoding)."""
    if not finished:
        return False
    vary = ",".join(v for k, v in finished["headers"] if k.lower() == "vary")
    return all(name.strip().lower() in {"", "accept-encoding"} for name in vary.split(","))


def _may_share(environ) -> bool:
    """An anonymous GET (no session or flash messages) without a precondition that could
    fail, nor a query string too long to answer, for anything but a static file."""
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_MATCH" in environ:
        return False
    if "HTTP_IF_UNMODIFIED_SINCE" in environ:
        return False
    if len(environ.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        return False  # Django answers 414
    if environ.get("PATH_INFO", "").startswith(STATIC_URL):
        return False
    cookie = environ.get("HTTP_COOKIE")
    if not cookie or not any(name in cookie for name in PERSONAL_COOKIES):
        return True
    cookies = parse_cookie(cookie)
    return not any(name in cookies for name in PERSONAL_COOKIES)


def _forgotten_session(environ) -> bool:
    """A GET whose only reason not to share is a session cookie this site does not know
    (made up, or expired): an anonymous reader, known for one query; told to drop it."""
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_MATCH" in environ:
        return False
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not key or CookieStorage.cookie_name in cookies:
        return False
    try:
        return not SessionStore().exists(key)
    except DATABASE_ERRORS:
        return False  # Django answers, as while the database is down


def _forget_session_cookie() -> tuple[str, str]:
    """The ``Set-Cookie`` that Django's session middleware sends for a session it dropped."""
    response = HttpResponse()
    response.delete_cookie(
        settings.SESSION_COOKIE_NAME,
        path=settings.SESSION_COOKIE_PATH,
        domain=settings.SESSION_COOKIE_DOMAIN,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )
    return "Set-Cookie", response.cookies[settings.SESSION_COOKIE_NAME].OutputString()


def _key(environ) -> tuple:
    """What may change the answer: the address (with what the page reads of its query
    string), the host, the scheme (also as a proxy says it), and whether gzip is taken."""
    path, query_string = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    if query_string and (reads := _READS.get(path)) is not None:
        query_string = canonical(query_string, reads)
    return (
        path,
        query_string,
        environ.get("HTTP_HOST", ""),
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_X_FORWARDED_PROTO", ""),
        bool(ACCEPTS_GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", ""))),
    )


def _304(key: tuple) -> tuple:
    """Where the ``304`` to the page at ``key`` is kept."""
    return (key, 304)


def _current(environ, key: tuple) -> KeptAnswer | None:
    """The kept answer to this request, if it is of the current version and minute: for
    a conditional GET that the page's validators satisfy, the ``304`` (kept on its own:
    a poller may ask only that way all minute); else the page."""
    version, minute = content_version(), int(time.time()) // 60
    conditional = _conditional(environ)
    if conditional:
        answer = ANSWERS.get(_304(key))
        if answer and answer.current(version, minute) and _not_modified(environ, answer):
            return answer
    page = ANSWERS.get(key)
    if page is None or not page.current(version, minute):
        return None
    if conditional and _not_modified(environ, page):
        return None  # Django answers 304, which is kept
    return page


def _conditional(environ) -> bool:
    return "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ


def _not_modified(environ, page: KeptAnswer) -> bool:
    """Whether Django would answer ``304`` (its own rules, on the page's validators)."""
    if environ.get("HTTP_IF_NONE_MATCH") == page.etag:
        return True
    request = SimpleNamespace(method="GET", META=environ)
    return get_conditional_response(request, page.etag, page.last_modified) is not None
