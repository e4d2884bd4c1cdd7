"""What a progress post says on the networks that count graphemes (Mastodon, Bluesky).

The update's words, then a link to the event and its hashtag, as on X; words too long for
the network are cut on a word boundary with an ellipsis (text without spaces, such as
Chinese or Japanese, between graphemes), and the link and hashtag always kept. Each network
measures the text its own way (``measure``) against its own ``limit``.
"""

from collections.abc import Callable

import grapheme

from statuspage.common.links import absolute
from statuspage.common.text import plain_text

ELLIPSIS = "…"
# A word longer than this is a run of text without spaces, cut between graphemes.
LONG_RUN = 20


def words_of(*, event, body: str, status_label: str, custom: str = "") -> str:
    """The update's words as a post says them: staff's own words for the posts if they
    wrote some, else the event, its status, then the update."""
    return custom.strip() or f"{event.title} — {status_label}: {plain_text(body)}"


def tail_of(event) -> str:
    """What every post of an event ends with: a link to it and its hashtag."""
    return f"\n\n{absolute(event.get_absolute_url())} {event.hashtag}".rstrip()


def fit(words: str, tail: str, *, measure: Callable[[str], int], limit: int) -> str:
    """``words`` + ``tail``, the words cut (with an ellipsis) until ``measure`` is within
    ``limit``: as many whole words as fit, found by halves (a measure reads the whole text,
    so trying one word fewer at a time took minutes on a long update)."""
    text = words + tail
    if measure(text) <= limit:
        return text
    split = words.split(" ")

    def first(kept: int) -> str:
        return " ".join(split[:kept]).rstrip(" ,;:—-")

    if measure(first(0) + ELLIPSIS + tail) > limit:
        return ELLIPSIS + tail
    fits, longest = 0, len(split) - 1  # more words never measure less
    while fits < longest:
        middle = (fits + longest + 1) // 2
        if measure(first(middle) + ELLIPSIS + tail) <= limit:
            fits = middle
        else:
            longest = middle - 1
    head, last = first(fits), split[fits]
    if grapheme.length(last) <= LONG_RUN:
        return head + ELLIPSIS + tail
    # A long run without spaces (Chinese, Japanese): cut between its graphemes.
    return _cut_inside(f"{head} " if head else "", last, tail, measure, limit)


def _cut_inside(head: str, run: str, tail: str, measure, limit: int) -> str:
    """``head``, as much of ``run`` as fits (whole graphemes), an ellipsis and ``tail``."""
    fits, longest = 0, grapheme.length(run)
    while fits < longest:  # the longest start of the run that fits, by halves
        middle = (fits + longest + 1) // 2
        if measure(head + grapheme.slice(run, 0, middle) + ELLIPSIS + tail) <= limit:
            fits = middle
        else:
            longest = middle - 1
    return (head + grapheme.slice(run, 0, fits)).rstrip() + ELLIPSIS + tail
