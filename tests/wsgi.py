"""Requests through the site's own WSGI application, in-process, as granian hands them over.

Django's test ``Client`` calls Django's handler directly, past ``statuspage.wsgi``: what
the front layer keeps and gives again (``caching.front``) is only seen through here.
"""

import io
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils.datastructures import CaseInsensitiveMapping

from statuspage.wsgi import application


@dataclass
class Answer:
    status_code: int
    headers: CaseInsensitiveMapping
    content: bytes
    cookies: SimpleCookie = field(default_factory=SimpleCookie)

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def get(self, name: str, default=None):
        return self.headers.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.headers

    def has_header(self, name: str) -> bool:
        return name in self.headers

    def json(self):
        import json

        return json.loads(self.content)


class WSGIClient:
    """An anonymous reader (unless given cookies), each request through the WSGI layer."""

    def __init__(self, **environ) -> None:
        self.environ = environ
        self.cookies = SimpleCookie()

    def get(self, path: str, data: dict | None = None, headers=None, **environ) -> Answer:
        """GET ``path`` (with ``data`` as its query); ``headers`` as the test client takes
        them ({"if-none-match": ...}), ``environ`` as WSGI keys (HTTP_ACCEPT_ENCODING=...)."""
        status, response_headers, content = self.exchange(path, data, headers, **environ)
        cookies = SimpleCookie()
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                cookies.load(value)
        return Answer(int(status[:3]), CaseInsensitiveMapping(response_headers), content, cookies)

    def exchange(
        self, path: str, data: dict | None = None, headers=None, **environ
    ) -> tuple[str, list, bytes]:
        """As ``get``, the answer as the server is given it: status line, headers, body."""
        parts = urlsplit(path)
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        query = urlencode(data or {}, doseq=True) or parts.query
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": parts.path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "HTTP_HOST": "testserver",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **self.environ,
            **environ,
        }
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        started = {}

        def start_response(status, response_headers, exc_info=None):
            started.update(status=status, headers=response_headers)

        # As Django's test client does: the test's own database connection stays open
        # (closing it would lose an in-memory database), whatever a request meets.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            body = application(environ, start_response)
            try:
                content = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return started["status"], started["headers"], content
