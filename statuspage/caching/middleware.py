"""The last word on public pages' caching headers, and a 503 while the database is down;
a 414 for query strings longer than any page reads."""

import logging

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from statuspage.caching.pages import (
    CACHE_KIND,
    PRIVATE,
    PUBLIC_CACHE_CONTROL,
    SHARED,
    STALE,
    UNAVAILABLE,
    mark_finished,
    service_unavailable,
)
from statuspage.common.db import DATABASE_ERRORS
from statuspage.common.redact import loggable_path

logger = logging.getLogger(__name__)


class PublicPagesMiddleware:
    """Finish what ``statuspage.caching.pages.public_page`` marked, after every view decorator.

    * a page shared by anonymous readers gets ``PUBLIC_CACHE_CONTROL`` unless the
      view or a decorator around it (the API, the embeds) set its own;
    * a page rendered for one reader is ``private``, whatever a decorator said;
    * a last good copy or a ``503`` is never stored (``no-store``);
    * a shared page is gzipped for clients that accept it. Only those: compressing a page
      with a secret in it (a CSRF token, a two-factor key) beside text an attacker chose
      would let its length give the secret away (BREACH); a shared page has no secret.

    A finished page that every anonymous reader may be given is marked for
    ``caching.front.FinishedAnswers`` (``caching.pages.mark_finished``).

    Any other view that meets an unreachable database (forms, sign-in, the admin,
    every POST) answers ``503`` with ``Retry-After`` instead of a ``500``.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.gzip = GZipMiddleware(get_response)

    def __call__(self, request):
        response = self.get_response(request)
        kind = getattr(response, CACHE_KIND, None)
        if kind == SHARED:
            if not response.has_header("Cache-Control"):
                response["Cache-Control"] = PUBLIC_CACHE_CONTROL
            response = self.gzip.process_response(request, response)
        elif kind == PRIVATE:
            patch_cache_control(response, private=True)
        elif kind in {STALE, UNAVAILABLE}:
            response["Cache-Control"] = "no-store"
        mark_finished(request, response)
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning(
            "Database unavailable (%s); %s %s answered 503",
            exception,
            request.method,
            loggable_path(request),
        )
        return service_unavailable(request)


class LongQueryStringMiddleware:
    """``414`` for a query string longer than ``MAX_QUERY_STRING``, before anything else runs.

    No page reads that much from its address; answering it would only copy it into the
    page (the links to sign in carry the address) and into caches. The JSON API answers
    its own ``414``, with the headers API clients expect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        too_long = len(request.META.get("QUERY_STRING", "")) > settings.MAX_QUERY_STRING
        if too_long and not request.path.startswith("/api/"):
            # "next": the header's sign-in links would otherwise copy the whole address.
            context = {"limit": settings.MAX_QUERY_STRING, "next": "/"}
            return render(request, "414.html", context, status=414)
        return self.get_response(request)
