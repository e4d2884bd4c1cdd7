"""The management API's rate limit, per key, as Statuspage's: one request a second on
average, in bursts of up to ``BURST``.

A token bucket, kept as one number per key in Django's cache (Redis in production): the
time at which the bucket would be full again, the generic cell rate algorithm's
“theoretical arrival time”. Read and written without a lock, so requests with one key at
the very same moment in several processes may pass a little over the limit; nothing is
let through without bound. A cache that cannot be reached limits nothing: the API keeps
answering, authenticated as ever.
"""

import logging
import math
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

BURST = 10  # requests a key may make at once
INTERVAL = 1.0  # seconds to earn one more


def take(subject: str, *, burst: int = BURST, interval: float = INTERVAL) -> int | None:
    """Count one request of ``subject``; seconds to wait (for ``Retry-After``) if it is
    over the limit, when it is not counted, else None."""
    now = time.time()
    key = f"api-rate:{subject}"
    try:
        full_at = max(cache.get(key) or now, now)
        allowance = (burst - 1) * interval
        if full_at - now > allowance:
            return max(1, math.ceil(full_at - now - allowance))
        cache.set(key, full_at + interval, timeout=math.ceil(burst * interval) + 1)
    except Exception:
        logger.warning("The API's rate limit cannot reach the cache; not limiting", exc_info=True)
    return None
