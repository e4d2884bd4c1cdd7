"""The ceiling for any Python server in `make bench`: a WSGI application that does nothing
but answer with bytes it already holds, served under the same granian settings as ours.

It reads the exported static copy (``CEILING_ROOT``) once, finding a path's file as the
benchmark's nginx does (the file itself, else its ``index.html``), and answers every GET
with those bytes and an ETag, or ``304`` when ``If-None-Match`` names it. Nothing here is
used by the site.
"""

import hashlib
import mimetypes
import os
from pathlib import Path

mimetypes.add_type("application/json", ".json")


def _load(root: Path) -> dict[str, tuple[bytes, list[tuple[str, str]]]]:
    answers = {}
    for file in root.rglob("*"):
        if not file.is_file():
            continue
        body = file.read_bytes()
        headers = [
            ("Content-Type", mimetypes.guess_type(file.name)[0] or "application/octet-stream"),
            ("Content-Length", str(len(body))),
            ("ETag", f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'),
        ]
        path = "/" + file.relative_to(root).as_posix()
        answers[path] = (body, headers)
        if file.name == "index.html":
            answers[path.removesuffix("index.html")] = (body, headers)
    return answers


ANSWERS = _load(Path(os.environ.get("CEILING_ROOT", ".")))
NOT_FOUND = [("Content-Type", "text/plain"), ("Content-Length", "0")]


def application(environ, start_response):
    found = ANSWERS.get(environ.get("PATH_INFO", "/"))
    if found is None:
        start_response("404 Not Found", NOT_FOUND)
        return [b""]
    body, headers = found
    if environ.get("HTTP_IF_NONE_MATCH") == headers[2][1]:
        start_response("304 Not Modified", [headers[2]])
        return [b""]
    start_response("200 OK", headers)
    return [body]
