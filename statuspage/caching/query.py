"""What a public page reads from its address, and nothing else.

A page declares the query parameters it reads, each with a normaliser that returns the
value as the page uses it, or None to drop it; everything else is dropped before the
view runs. Made-up parameters then change neither the page (its links to sign in copy
the address) nor its cache keys, so readers cannot fill the caches with addresses.
"""

import re
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import QueryDict

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


def keep_read(request, query: dict[str, Normaliser]) -> None:
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
