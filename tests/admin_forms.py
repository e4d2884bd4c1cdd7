"""Reads an admin form the way a browser would submit it, so tests can edit and post it."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._multiple = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.data[name] = attrs.get("value") or "on"
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self._multiple = "multiple" in attrs
            # A browser sends a list for a multi-select: empty when nothing is chosen.
            self.data.setdefault(name, [] if self._multiple else "")
        elif tag == "option" and self._select and "selected" in attrs:
            if self._multiple:
                self.data[self._select].append(attrs.get("value") or "")
            else:
                self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.removeprefix("\n") if not self.data[self._textarea] else data
            )


def form_data(html: str) -> dict[str, str | list[str]]:
    reader = _FormReader()
    reader.feed(html)
    reader.data.pop("csrfmiddlewaretoken", None)
    return reader.data
