"""The one Markdown renderer: staff Markdown in, sanitised HTML out; and its plain text.

The admin preview (django-markdownx, via ``MARKDOWNX_MARKDOWNIFY_FUNCTION``)
and every public page call ``render_markdown``, so what staff preview is what
readers get, and nothing that nh3's allow-list rejects reaches a page.
``plain_text`` gives the words alone, for posts and e-mails; ``folded`` gives text as
searches compare it.
"""

import re
import unicodedata
from functools import lru_cache
from html import unescape

import markdown
import nh3
from django.utils.translation import gettext

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": set(),  # without it nh3 allows lang and title on every tag
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["markdown.extensions.tables", "markdown.extensions.sane_lists"]


def _sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


# Rendering is pure, and the same few dozen texts are rendered on every page
# view, so a bounded cache keyed by the text saves most of the work.
@lru_cache(maxsize=2048)
def render_markdown(text: str) -> str:
    """Return safe HTML for ``text``: Markdown rendered, then sanitised by nh3."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    # A tag nh3 removes can leave behind what the parser had put inside it, where HTML
    # does not allow it: "0<object>" becomes "<p>0<p></p></p>", which a browser parses
    # as three paragraphs. The second pass parses the first one's output as a browser
    # would, so what we serve is what readers' browsers build.
    return _sanitise(_sanitise(html))


_BLOCK_END = re.compile(r"<br\s*/?>|</(p|li|h\d|blockquote|pre|tr|td|th)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(markdown_text: str) -> str:
    """The words without markup: blocks end with a space, inline tags just go."""
    html = _BLOCK_END.sub(" ", render_markdown(markdown_text))
    return " ".join(unescape(_TAG.sub("", html)).split())


# Straight and typographic quotes and guillemets: a search for “links” finds links.
_QUOTES = re.compile("[\"'\u2018-\u201f\u00ab\u00bb\u2039\u203a]")


def folded(text: str) -> str:
    """``text`` as searches compare it: without case, accents or quotes (“Café” is cafe).
    static/js/impact-finder.js folds the same way in the browser."""
    decomposed = unicodedata.normalize("NFKD", _QUOTES.sub(" ", text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)
_PARAGRAPH_END = re.compile(r"</(p|h\d|blockquote|pre|ul|ol|table)>", re.IGNORECASE)
_LINE_END = re.compile(r"<br\s*/?>|</(li|tr)>", re.IGNORECASE)
_ITEM = re.compile(r"<li\b[^>]*>", re.IGNORECASE)


def markdown_text(markdown_text: str) -> str:
    """Markdown as a text e-mail shows it: paragraphs apart, each list item on a line of its
    own (“- …”), and links as “words (address)”, so that no address is lost."""

    def link(match: re.Match) -> str:
        address, words = unescape(match[1]), _TAG.sub("", match[2]).strip()
        return address if words in {address, ""} else f"{words} ({address})"

    # The renderer's own line breaks mean nothing (outside <pre>, which notices rarely hold).
    html = _LINK.sub(link, render_markdown(markdown_text).replace("\n", " "))
    html = _ITEM.sub("- ", _LINE_END.sub("\n", _PARAGRAPH_END.sub("\n\n", html)))
    lines = [" ".join(line.split()) for line in unescape(_TAG.sub("", html)).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def spoken_list(items: list[str], *, either: bool = False) -> str:
    """“X, Mastodon and Bluesky” (“… or Bluesky”, ``either``): ``items`` as a sentence
    names them, in the reader's language."""
    if len(items) < 2:
        return "".join(items)
    words = {"items": ", ".join(items[:-1]), "last": items[-1]}
    if either:
        return gettext("%(items)s or %(last)s") % words
    return gettext("%(items)s and %(last)s") % words
