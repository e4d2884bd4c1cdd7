"""Fixed-window rate limits kept in the shared cache.

(django-ratelimit refuses local-memory caches in its system checks, and the
embedded default uses one; these few lines work on any cache backend.)
"""

import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int
    text: str


def parse_rates(spec: str) -> list[Rate]:
    """“5/minute,50/day” → [Rate(5, 60), Rate(50, 86400)]."""
    rates = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        match = re.fullmatch(r"(\d+)\s*/\s*(second|minute|hour|day)", part)
        if not match:
            raise ValueError(f"Rate “{part}” is not like “5/minute”.")
        rates.append(Rate(int(match[1]), _PERIODS[match[2]], part))
    return rates


def hit(*, scope: str, keys: list[str], rates: list[Rate]) -> int | None:
    """Count one attempt for each key; return seconds to wait if any limit is passed."""
    now = int(time.time())
    wait = None
    for key in keys:
        for rate in rates:
            window = now // rate.seconds
            name = f"ratelimit:{scope}:{key}:{rate.seconds}:{window}"
            cache.add(name, 0, timeout=rate.seconds + 1)
            try:
                count = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.set(name, 1, timeout=rate.seconds + 1)
                count = 1
            if count > rate.count:
                left = (window + 1) * rate.seconds - now
                wait = max(wait or 0, left)
    return wait


def refuse_if_exceeded(
    request, *, scope: str, keys: list[str], rates: list[Rate], doing: str
) -> HttpResponse | None:
    """Count the request; past a limit, a 429 page saying what to wait for, else None."""
    wait = hit(scope=scope, keys=keys, rates=rates)
    if wait is None:
        return None
    response = render(request, "429.html", {"wait": wait, "doing": doing}, status=429)
    response["Retry-After"] = str(wait)
    return response


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
