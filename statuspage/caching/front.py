"""Finished answers given again in front of Django, without building a request.

``FinishedAnswers`` wraps Django's WSGI handler. It answers an anonymous GET of a public
page that Django answered already, for the same address, host, scheme and encoding, in
the same content version and minute, with Django's own answer (status, headers and body
as they left it), after one cache round trip. Such an answer is the same for every
anonymous reader until the version or the minute changes (``caching.pages`` says which
answers may be kept); what a request might change in it is in the key. Anything else
goes to Django.
"""

import hashlib
import time
from types import SimpleNamespace

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http.cookie import parse_cookie
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import get_conditional_response

from statuspage.caching import store
from statuspage.caching.pages import FINISHED_MARK, RESPONSE_TIMEOUT
from statuspage.caching.version import VERSION_KEY


class FinishedAnswers:
    """Keep and replay Django's finished answers to anonymous GETs of public pages."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        if not _may_share(environ):
            return self.app(environ, start_response)
        if (answer := _kept_answer(environ)) is not None:
            start_response(answer["status"], answer["headers"])
            return [answer["content"]]
        finished = {}

        def noting_start_response(status, headers, exc_info=None):
            finished.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, noting_start_response)
        if (mark := environ.get(FINISHED_MARK)) and finished:
            # Kept under the query string Django left in the environ: only the parameters
            # the page reads (statuspage.caching.pages.public_page), so made-up ones add no entries.
            answer = {**mark, **finished}
            store.call("set", _key(environ, int(answer["status"][:3])), answer, RESPONSE_TIMEOUT)
        return body


def _may_share(environ) -> bool:
    """An anonymous GET (no session or flash messages) without a precondition that could
    fail, for anything but a static file."""
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_MATCH" in environ:
        return False
    if "HTTP_IF_UNMODIFIED_SINCE" in environ:
        return False
    if environ.get("PATH_INFO", "").startswith(settings.STATIC_URL):
        return False
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


def _conditional(environ) -> bool:
    return "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ


def _key(environ, status: int) -> str:
    """What may change the answer: the address, the host, the scheme (also as a proxy
    says it), whether gzip is taken, and the status that is kept."""
    parts = [
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_HOST", ""),
        environ.get("wsgi.url_scheme", ""),
        environ.get("HTTP_X_FORWARDED_PROTO", ""),
        "gzip" if re_accepts_gzip.search(environ.get("HTTP_ACCEPT_ENCODING", "")) else "",
    ]
    digest = hashlib.sha256("\n".join(parts).encode("latin-1", "replace")).hexdigest()
    return f"public-page:answer:{status}:{digest}"


def _kept_answer(environ) -> dict | None:
    """This request's kept answer, if it is of the current version and minute, and for a
    conditional GET only if it is the ``304`` that the page's ETag calls for."""
    conditional = _conditional(environ)
    key = _key(environ, 304 if conditional else 200)
    found = store.call("get_many", [VERSION_KEY, key], default={})
    answer = found.get(key)
    if answer is None or answer["stamp"] != (found.get(VERSION_KEY), int(time.time()) // 60):
        return None
    if conditional:
        request = SimpleNamespace(method="GET", META=environ)
        if get_conditional_response(request, answer["etag"], answer["last_modified"]) is None:
            return None  # the reader's copy is out of date: Django answers 200
    return answer
