"""What the browser fetches: nothing from another site (no fonts, scripts or images from
elsewhere), and the status page under 60 KB over the wire, compressed as production serves it."""

import gzip
from urllib.parse import urlsplit

import pytest

HOME = "/"
FAQ = "/faq/dotmailer-database-upgrade/"
BUDGET = 60_000  # bytes: HTML, CSS, JS and anything else the status page loads, headers too
TEXT_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


@pytest.fixture
def site(transactional_db, demo, live_server):
    return live_server.url


def load(page, url: str) -> list:
    """Open url and wait until the network is quiet; the requests it made, finished."""
    finished = []

    def record(request):
        finished.append(request)

    page.on("requestfinished", record)
    response = page.goto(url)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", record)
    return finished


def test_pages_load_nothing_from_another_site(site, page):
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    for path in (HOME, FAQ):
        load(page, site + path)
    ours = urlsplit(site).netloc
    elsewhere = [url for url in asked if urlsplit(url).netloc != ours]
    assert elsewhere == []
    # The recorder saw the pages' own files: stylesheet, scripts, icon.
    assert any(url.endswith(".css") for url in asked)
    assert any(url.endswith(".js") for url in asked)
    assert any(url.endswith(".svg") for url in asked)


def wire_bytes(request) -> int:
    """Bytes this response takes over the wire in production.

    Pages come gzipped from the site itself (shared public pages), so the browser's count is
    right. Static files come compressed from whitenoise in production only (the collected
    .gz copies, gzip level 9); the test server sends them plain, so they count as gzipped.
    """
    response = request.response()
    sizes = request.sizes()
    encoded = response.headers.get("content-encoding")
    content_type = response.headers.get("content-type", "")
    body = sizes["responseBodySize"]
    if not encoded and content_type.startswith(TEXT_TYPES):
        body = min(body, len(gzip.compress(response.body(), compresslevel=9)))
    return sizes["responseHeadersSize"] + body


def test_the_status_page_transfers_under_60_kb(site, page):
    finished = load(page, site + HOME)
    weights = {request.url.removeprefix(site): wire_bytes(request) for request in finished}
    total = sum(weights.values())
    table = "\n".join(f"{size:>7,}  {url}" for url, size in weights.items())
    print(f"\nThe status page over the wire, compressed:\n{table}\n{total:>7,}  in all")
    kinds = {request.resource_type for request in finished}
    assert {"document", "stylesheet", "script"} <= kinds
    document = next(r for r in finished if r.resource_type == "document")
    assert document.response().headers.get("content-encoding") == "gzip"
    assert total < BUDGET, table
