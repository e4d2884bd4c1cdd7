"""What an attacker would try to get into a page, and a reader of pages that finds it."""

from html.parser import HTMLParser

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    '<a href="#" onclick="alert(1)">x</a>',
    '"><script>alert(1)</script>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<details open ontoggle=alert(1)>",
    "[a](vbscript:msgbox(1))",
]
ALLOWED_SCRIPTS = ("/static/",)
BANNED_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "body", "details"}


class _Auditor(HTMLParser):
    """Collects every dangerous construct in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        ours = tag == "script" and (attrs.get("src") or "").startswith(ALLOWED_SCRIPTS)
        ours = ours or (
            tag == "details" and attrs.get("class") in {"impact__details", "reply", "follow__hook"}
        )
        ours = ours or (tag == "body" and set(attrs) <= {"data-local-label"})
        if tag in BANNED_TAGS and not ours:
            self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in {"style", "formaction"}:
                self.problems.append(f"{tag}[{name}]")
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in {"href", "src", "action", "data"} and url.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.problems.append(f"{tag}[{name}={value}]")


def audit(html: str) -> list[str]:
    auditor = _Auditor()
    auditor.feed(html)
    return auditor.problems
