"""What the fuzzing tests (test_fuzz_forms.py, test_fuzz_pages.py) send and check.

The input: arbitrary text mixed with markup meant to break out of its context, NUL and other
control characters. The check: the answer is not a server error, and no input comes out as
markup: no element named fz-tag, no attribute named data-fz, no handler or URL calling fz().
"""

from html.parser import HTMLParser

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

# Anything but a server error; 429 is a rate limit or a sign-in lockout.
ANSWERS = {200, 302, 400, 403, 404, 405, 429}

# Markup that would come out as a real element or attribute if echoed unescaped: an element
# named fz-tag, an attribute named data-fz, a handler or URL calling fz().
BREAKOUTS = [
    '<fz-tag data-fz="1">',
    '"><fz-tag data-fz>',
    "'><fz-tag data-fz>",
    "</textarea><fz-tag data-fz>",
    "<script data-fz>fz()</script>",
    '<img src=x onerror="fz()" data-fz>',
    "javascript:fz()",
    "{{ fz }}{% fz %}",
    "\x00",
    "\u2028\u202e",
    "%s%(fz)s",
    "&lt;fz-tag&gt;",
]
fuzz_text = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(BREAKOUTS)), max_size=4).map(
    "".join
)


def arbitrary(*fields: str):
    """Any subset of ``fields``, each with one value or several."""
    value = st.one_of(fuzz_text, st.lists(fuzz_text, min_size=2, max_size=3))
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, value))


def valid(form_class, **form_kwargs):
    """What ``from_form`` builds for ``form_class``, as a browser would post it."""
    return from_form(form_class, form_kwargs=form_kwargs).map(
        lambda form: {k: v for k, v in form.data.items() if v is not None}
    )


class _Echoes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if tag == "fz-tag":
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            handler = name.startswith("on") and "fz()" in value
            url = name in {"href", "src", "action", "formaction"} and "javascript:fz" in value
            if name == "data-fz" or handler or url:
                self.found.append(f"{tag}[{name}={value!r}]")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "fz()" in data:
            self.found.append(f"<script>{data}")


def check(response) -> None:
    """The answer is not a server error, and shows no input unescaped."""
    event(f"HTTP {response.status_code}")  # the mix is shown by --hypothesis-show-statistics
    assert response.status_code in ANSWERS, response.status_code
    if response.get("Content-Type", "").startswith("text/html"):
        echoes = _Echoes()
        echoes.feed(response.content.decode())
        assert echoes.found == []


def send(client, path: str, data: dict) -> None:
    """Post ``data`` to ``path``, check the answer and, for a redirect within the site, the
    page it leads to."""
    response = client.post(path, data)
    check(response)
    if response.status_code == 302 and response["Location"].startswith("/"):
        check(client.get(response["Location"]))
