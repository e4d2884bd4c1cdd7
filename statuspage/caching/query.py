"""What a public page reads from its address, and nothing else.

A page declares the query parameters it reads, each with a normaliser that returns the
value as the page uses it, or None to drop it; everything else is dropped before the
view runs. Made-up parameters then change neither the page (its links to sign in copy
the address) nor its cache keys, so readers cannot fill the caches with addresses.
"""

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from django.http import QueryDict

MAX_PAGE_NUMBER = 10_000
_SLUG = re.compile(r"[-\w]{1,100}")

Normaliser = Callable[[str], str | None]
# Where keep_read leaves what the page reads (WSGI environ), for caching.front to learn it.
READS_MARK = "statuspage.reads"


def page_number(value: str) -> str | None:
    """A page number, as the view reads it (“007” is 7); anything else is dropped."""
    return str(int(value)) if value.isdigit() and 0 < int(value) <= MAX_PAGE_NUMBER else None


def slug(value: str) -> str | None:
    return value if _SLUG.fullmatch(value) else None


def one_of(*choices: str) -> Normaliser:
    return lambda value: value if value in choices else None


# Control characters and bidirectional overrides, never echoed into a page: a space each.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def words(limit: int) -> Normaliser:
    """Free text, its control characters dropped and spaces collapsed, at most ``limit``
    characters."""
    return lambda value: " ".join(_CONTROLS.sub(" ", value).split())[:limit] or None


def canonical(query_string: str, reads: dict[str, Normaliser]) -> str:
    """``query_string`` reduced to the parameters in ``reads``, normalised, in one order
    (the last value of a repeated one, as Django's ``request.GET`` gives it)."""
    if not query_string or not reads:
        return ""
    # Every field, however many: only what the page reads is kept, and the address was
    # bounded before (MAX_QUERY_STRING, and the server's own limit in front of Django).
    given = dict(parse_qsl(query_string, keep_blank_values=True))
    kept = []
    for name, normalise in reads.items():
        value = given.get(name)
        if value is not None and (value := normalise(value)) is not None:
            kept.append((name, value))
    return urlencode(kept)


def keep_read(request, reads: dict[str, Normaliser]) -> None:
    """Leave in the request only the parameters the page reads (``canonical``).

    The rest change neither the page (its links to sign in copy the address) nor its
    cache keys. A page that reads nothing from its address ignores every query string.
    """
    query_string = request.META.get("QUERY_STRING", "")
    reduced = canonical(query_string, reads)
    if reduced != query_string:
        request.META["QUERY_STRING"] = reduced
        request.GET = QueryDict(reduced)
    request.META[READS_MARK] = reads
