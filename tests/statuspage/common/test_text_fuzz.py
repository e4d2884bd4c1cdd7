"""Property-based tests of the one Markdown renderer: whatever staff type, the HTML that comes
out holds only the tags, attributes and URL schemes that statuspage/markdown.py allows.

The input is arbitrary text mixed with the pieces attacks are made of: dangerous tags,
event-handler attributes, script URLs in mixed case, behind entities and whitespace,
comments, CDATA, SVG and MathML, and Markdown links, images and autolinks to such URLs.
The hypothesis profile in tests/conftest.py sets how many examples run.
"""

import re
from html.parser import HTMLParser

import nh3
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from statuspage.common.text import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    render_markdown,
)

# nh3 adds rel="noopener noreferrer" to every link itself.
ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "a": {*ALLOWED_ATTRIBUTES["a"], "rel"}}
URL_ATTRIBUTES = {"href", "src"}
# Never these, whatever the allow-lists say.
NEVER_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "form"}
NEVER_ATTRIBUTES = {"style", "srcdoc", "formaction", "srcset"}
NEVER_SCHEMES = {"javascript", "vbscript", "data", "file"}

# --- what the input is made of ---------------------------------------------------------------


def _script_url(scheme: str, upper: list[bool], before: str, between: str, after: str) -> str:
    mixed = "".join(c.upper() if flip else c for c, flip in zip(scheme, upper, strict=False))
    return f"{before}{mixed}{between}:{after}"


_script_urls = st.builds(
    _script_url,
    st.sampled_from(["javascript", "vbscript", "data", "file", "jAvAsCrIpT"]),
    st.lists(st.booleans(), min_size=10, max_size=10),
    st.sampled_from(["", " ", "\t", "\n", "\x01", "&#32;", "%20"]),
    st.sampled_from(["", "\t", "\n", "&#x09;", "&Tab;", "&#10;"]),
    st.sampled_from(["alert(1)", "text/html;base64,PHNjcmlwdD4=", "//evil.example/x", ""]),
)
# The same URLs with some letters written as HTML entities (&#106; is "j").
_entity_urls = _script_urls.map(
    lambda url: "".join(f"&#{ord(c)};" if c in "jvsa" else c for c in url)
)
_urls = st.one_of(
    _script_urls,
    _entity_urls,
    st.sampled_from(["https://example.com/a?b=1&c=2", "mailto:ops@example.com", "/relative"]),
)
_tags = st.sampled_from(
    ["script", "iframe", "img", "a", "svg", "math", "style", "object", "embed", "form", "input",
     "details", "body", "base", "meta", "link", "table", "td", "li", "p", "b", "h3", "div",
     "mglyph", "button", "select", "option", "textarea", "marquee", "applet", "template",
     "noscript", "xmp", "plaintext", "title", "frameset", "image"]
)  # fmt: skip
_attributes = st.one_of(
    st.builds("{}={}".format, st.sampled_from(["href", "src", "xlink:href", "action", "data"]),
              _urls.map(lambda u: f'"{u}"')),
    st.sampled_from(["onerror=alert(1)", 'onload="alert(1)"', "OnClick=alert(1)",
                     'style="background:url(javascript:alert(1))"', "formaction=javascript:x",
                     "srcdoc='<script>alert(1)</script>'", "open", 'title="a"', "width=1"]),
)  # fmt: skip
_html_tags = st.builds(
    lambda tag, attrs, close: f"<{tag} {' '.join(attrs)}>x{f'</{tag}>' if close else ''}",
    _tags,
    st.lists(_attributes, max_size=3),
    st.booleans(),
)
_markdown = st.one_of(
    st.builds("[click]({})".format, _urls),
    st.builds("![pic]({})".format, _urls),
    st.builds("[ref]\n\n[ref]: {}".format, _urls),
    st.builds("<{}>".format, _urls),  # autolink
    st.builds(
        '[t]({} "{}")'.format, _urls, st.sampled_from(["a", 'x" onclick="1', "<script>", "&quot;"])
    ),
)
_oddities = st.sampled_from(
    ["<!-- <script>alert(1)</script> -->", "<![CDATA[<script>alert(1)</script>]]>",
     "<svg><script>alert(1)</script></svg>", "<math><mtext><table><mglyph><style>"
     "<img src=x onerror=alert(1)>", "<noscript><p title=\"</noscript><img src=x onerror=1>\">",
     "<?xml version='1.0'?>", "<!DOCTYPE html>", "```\n<script>x</script>\n```", "    <b>",
     "`<script>`", "| a | b |\n|---|---|\n| <img src=x onerror=1> | c |", "\n\n", "> ", "- ",
     "&lt;script&gt;", "</p>", "<", ">", "\"", "'", "&"]
)  # fmt: skip
markdown_texts = st.lists(
    st.one_of(st.text(max_size=30), _html_tags, _markdown, _oddities), max_size=8
).map("".join)

# --- what the output may hold ----------------------------------------------------------------


class _Inspector(HTMLParser):
    """Everything in the output that the allow-list does not allow."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS or tag in NEVER_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            never = name.startswith("on") or name in NEVER_ATTRIBUTES
            if never or name not in ATTRIBUTES.get(tag, set()):
                self.problems.append(f"{tag}[{name}]")
            elif name in URL_ATTRIBUTES and not _allowed_url(value or ""):
                self.problems.append(f"{tag}[{name}={value!r}]")

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"</{tag}>")

    def handle_comment(self, data):
        self.problems.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.problems.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.problems.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.problems.append(f"<![{data}]>")


def _allowed_url(url: str) -> bool:
    """True for a relative URL or one in an allowed scheme, read as the WHATWG URL parser
    reads it: entities decoded (the HTML parser did that), controls and spaces trimmed from
    both ends, tabs and newlines dropped everywhere."""
    cleaned = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return not scheme or scheme[1].lower() in ALLOWED_URL_SCHEMES - NEVER_SCHEMES


def problems(html: str) -> list[str]:
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    found = inspector.problems
    # Independent of the parser: nh3 escapes "<" in text and attribute values, so every "<"
    # left in the output starts a tag, and that tag must be an allowed one.
    for name in re.findall(r"<(/?[^\s/>]*)", html):
        if name.lstrip("/").lower() not in ALLOWED_TAGS - NEVER_TAGS:
            found.append(f"raw <{name}")
    return found


def test_the_inspector_catches_what_it_looks_for():
    assert problems('<a href=" JaVa&#09;script:x">') == ["a[href=' JaVa\\tscript:x']"]
    assert problems("<img src=x onerror=alert(1)>") == ["img[onerror]"]
    assert problems("<SCRIPT>x</SCRIPT>") == [
        "<script>",
        "</script>",
        "raw <SCRIPT",
        "raw </SCRIPT",
    ]
    assert problems("<p><!-- x --></p>") == ["<!-- x -->", "raw <!--"]
    assert problems('<a href="/faq/" rel="noopener noreferrer">x</a><br>') == []


# --- the properties --------------------------------------------------------------------------


@given(text=markdown_texts)
@example(text="<table title=x lang=en>")  # nh3 allowed these two on every tag
def test_rendered_markdown_holds_only_what_the_allow_list_allows(text):
    html = render_markdown(text)
    assert problems(html) == []


@given(text=markdown_texts)
@example(text="0<object>")  # once "<p>0<p></p></p>": three paragraphs to a browser
def test_rendered_markdown_is_already_clean(text):
    """Sanitising the output again changes nothing: nothing in it was left for nh3 to remove,
    so a second pass (a feed reader, a mail client) sees what the page shows."""
    html = render_markdown(text)
    again = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )  # fmt: skip
    assert again == html


@given(text=st.text())
def test_any_text_renders(text):
    assert isinstance(render_markdown(text), str)


@pytest.mark.django_db
@given(text=markdown_texts)
def test_editor_preview_returns_the_same_sanitised_html(staff_client, text):
    response = staff_client.post("/markdownx/markdownify/", {"content": text})
    assert response.status_code == 200
    assert response.content.decode() == render_markdown(text)
