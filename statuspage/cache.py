"""Conditional GET for public pages: answered from one cached version number, no SQL.

Every write to the public content (any model of the status and FAQ apps)
replaces the version once its transaction commits, so every page's ETag changes
and readers fetch the new content. The ETag also changes each minute, because
pages show relative times (“starts in 3 hours”, elapsed time).
"""

import time
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.views.decorators.http import condition

VERSION_KEY = "public-content-version"
PUBLIC_APPS = {"statuspage", "faq"}


def content_version() -> int:
    """Nanoseconds since the epoch of the last change to public content."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
    return version


def bump_content_version() -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def _on_change(sender, **kwargs) -> None:
    if sender._meta.app_label in PUBLIC_APPS:
        transaction.on_commit(bump_content_version)


def connect_signals() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_on_change, dispatch_uid=f"content-version-{signal}")


def _signed_in(request) -> bool:
    # Reading request.user would query the session; the cookie's presence is enough.
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _etag(request, *args, **kwargs) -> str | None:
    if _signed_in(request):
        return None
    return f"{content_version():x}-{int(time.time()) // 60:x}"


def _last_modified(request, *args, **kwargs) -> datetime | None:
    if _signed_in(request):
        return None
    changed = content_version() / 1e9
    minute = int(time.time()) // 60 * 60
    return datetime.fromtimestamp(max(changed, minute), tz=UTC)


def public_page(view):
    """Answer conditional GETs of anonymous readers with 304 before the view runs."""
    return wraps(view)(condition(etag_func=_etag, last_modified_func=_last_modified)(view))
