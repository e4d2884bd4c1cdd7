"""Sliding-window rate limits, counted in the database.

Each attempt is a row (scope, hashed subject, time); a limit like “5/minute” is passed
when the subject has more than 5 rows in the last minute. The database, not the cache:
readers' traffic fills a cache and evicts what it holds, and counters that can be
evicted let anyone past a limit. Refused attempts are not kept, so waiting works.
"""

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from statuspage.security.models import RateLimitHit

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
# Rows are kept as long as the longest period a rate may name.
KEEP = timedelta(seconds=max(_PERIODS.values()))


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


def _subject(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def hit(*, scope: str, keys: list[str], rates: list[Rate]) -> int | None:
    """Count one attempt for each key; return seconds to wait if any limit is passed (the
    attempt is then not counted), else None. Two queries, three when refused."""
    now = timezone.now()
    subjects = {_subject(key) for key in keys}
    rows = RateLimitHit.objects.bulk_create(
        [RateLimitHit(scope=scope, subject=subject, at=now) for subject in subjects]
    )
    wait = _wait(scope, subjects, rates, now)
    if wait is not None:
        RateLimitHit.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return wait


def _wait(scope: str, subjects: set[str], rates: list[Rate], now: datetime) -> int | None:
    """Seconds until every subject is back within every rate, counting this attempt."""
    windows = {}
    for index, rate in enumerate(rates):
        recent = Q(at__gt=now - timedelta(seconds=rate.seconds))
        windows[f"count{index}"] = Count("pk", filter=recent)
        windows[f"oldest{index}"] = Min("at", filter=recent)
    since = now - timedelta(seconds=max(rate.seconds for rate in rates))
    counted = (
        RateLimitHit.objects.filter(scope=scope, subject__in=subjects, at__gt=since)
        .values("subject")
        .annotate(**windows)
    )
    wait = None
    for row in counted:
        for index, rate in enumerate(rates):
            if row[f"count{index}"] > rate.count:
                until = row[f"oldest{index}"] + timedelta(seconds=rate.seconds)
                wait = max(wait or 0, math.ceil((until - now).total_seconds()), 1)
    return wait


def back_to(request) -> str:
    """Where the 429 page's “Back to the page” goes: the page asked for, without its query,
    or for a POST the page the form was posted to (our forms post to their own page). Only
    this site's path, never the Referer, which the client writes; "/" for a path that a
    browser would read as another host's (“//host”)."""
    path = request.path
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def refuse_if_exceeded(
    request,
    *,
    scope: str,
    keys: list[str],
    rates: list[Rate],
    doing: str,
    back: str | None = None,
) -> HttpResponse | None:
    """Count the request; past a limit, a 429 page saying what to wait for, else None.
    ``back``: the page its link goes back to, by default ``back_to(request)``."""
    wait = hit(scope=scope, keys=keys, rates=rates)
    if wait is None:
        return None
    context = {"wait": wait, "doing": doing, "back": back or back_to(request)}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


def refuse_per_client(
    request,
    *,
    scope: str,
    rates: str,
    doing: str,
    also: tuple[str, ...] = (),
    back: str | None = None,
) -> HttpResponse | None:
    """``refuse_if_exceeded`` counting the client's address and ``also`` (an account, an
    e-mail address named), each against ``rates`` (“5/minute,50/day”)."""
    keys = [f"ip:{client_address(request)}", *also]
    return refuse_if_exceeded(
        request, scope=scope, keys=keys, rates=parse_rates(rates), doing=doing, back=back
    )


def prune(*, now: datetime | None = None) -> int:
    """Delete attempts older than any rate looks back; returns how many."""
    cutoff = (now or timezone.now()) - KEEP
    return RateLimitHit.objects.filter(at__lt=cutoff).delete()[0]


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")
