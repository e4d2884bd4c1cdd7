"""The cache, never fatal: Django's cache (Redis in production) called so that a cache that
cannot be reached is carried on without, for the caching package alone to use; and Redis
itself, when the cache is Redis, for what only it does (publish and subscribe)."""

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)


def call(method: str, *args, default=None, **kwargs):
    """``cache.<method>(...)``, or ``default`` if the cache (Redis) cannot be reached."""
    try:
        return getattr(cache, method)(*args, **kwargs)
    except Exception:
        logger.warning("Cache %s failed; carrying on without it", method, exc_info=True)
        return default


def redis_client():
    """The Redis client behind the cache, or None when the cache is not Redis."""
    client = getattr(cache, "redis_client", None)
    return client() if client else None
