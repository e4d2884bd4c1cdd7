"""A fake Mastodon and a fake Bluesky on loopback, beside conftest's fake X.

Each is a small HTTP server in a thread on 127.0.0.1 that answers the calls the real
Mastodon.py and atproto code make as the real services do (the shapes of the unit tests'
fakes, tests/statuspage/outbox/test_posts_to_*.py), and keeps what it was sent. A call to
anything else is answered as the service answers an unknown method, and kept in
``unexpected``.
"""

import base64
import contextlib
import hashlib
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MASTODON_ACCOUNT = "dmsmoke"
MASTODON_TOKEN = "smoke-mastodon-token"
BLUESKY_HANDLE = "dmsmoke.test"
BLUESKY_APP_PASSWORD = "smoke-app-pass-word"
BLUESKY_DID = "did:plc:smokesmokesmokesmokesmok"


class FakeService(ThreadingHTTPServer):
    """A loopback server whose handler's ``answer(method, path, query, body, headers)``
    returns (status, JSON); it keeps what it was sent in its own lists, under ``lock``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.unexpected: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def answer(self, method, path, query, body, headers) -> tuple[int, dict]:
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    server: FakeService

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw or b"{}")
        else:
            body = {name: values[0] for name, values in parse_qs(raw.decode()).items()}
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        status, payload = self.server.answer(self.command, url.path, query, body, self.headers)
        content = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format, *args):
        pass


# --- Mastodon --------------------------------------------------------------------------------


class FakeMastodon(FakeService):
    """Mastodon's ``POST /api/v1/statuses``: every status it was sent, with its headers."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[dict] = []

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.statuses)

    def answer(self, method, path, query, body, headers):
        if (method, path) != ("POST", "/api/v1/statuses"):
            with self.lock:
                self.unexpected.append(f"{method} {path}")
            return 404, {"error": "Record not found"}
        if headers.get("Authorization") != f"Bearer {MASTODON_TOKEN}":
            return 401, {"error": "The access token is invalid"}
        if not body.get("status"):
            return 422, {"error": "Validation failed: Text can't be blank"}
        with self.lock:
            status_id = str(113_600_000_000_000_000 + len(self.statuses) + 1)
            status = self._status(status_id, body)
            self.statuses.append(
                {
                    "id": status_id,
                    "url": status["url"],
                    "idempotency_key": headers.get("Idempotency-Key"),
                    **body,
                }
            )
        return 200, status

    def _status(self, status_id: str, body: dict) -> dict:
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        account_url = f"{self.url}/@{MASTODON_ACCOUNT}"
        return {
            "id": status_id,
            "uri": f"{self.url}/users/{MASTODON_ACCOUNT}/statuses/{status_id}",
            "url": f"{account_url}/{status_id}",
            "created_at": now,
            "content": f"<p>{body['status']}</p>",
            "visibility": body.get("visibility", "public"),
            "in_reply_to_id": body.get("in_reply_to_id"),
            "in_reply_to_account_id": "1" if body.get("in_reply_to_id") else None,
            "sensitive": False,
            "spoiler_text": "",
            "language": "en",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "account": {
                "id": "1",
                "username": MASTODON_ACCOUNT,
                "acct": MASTODON_ACCOUNT,
                "display_name": "dotmailer status",
                "url": account_url,
                "created_at": now,
            },
        }


# --- Bluesky ---------------------------------------------------------------------------------


def _jwt(scope: str, lasts: int) -> str:
    """A token the SDK can read the end of; nothing here checks its signature."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"scope": scope, "sub": BLUESKY_DID, "iat": now, "exp": now + lasts}
    claims["jti"] = hashlib.sha256(f"{scope}{now}{time.perf_counter_ns()}".encode()).hexdigest()
    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(claims)}.c2lnbmF0dXJl"


def cid_of(record: dict) -> str:
    """A CID in the form the network uses (v1, dag-cbor, sha-256, base32), of ``record``."""
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).digest()
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + digest
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


class FakeBluesky(FakeService):
    """A PDS under ``/xrpc``: sessions (created and refreshed), and posts created and read by
    record key. ``records`` keeps each created post with its ``uri`` and ``cid``."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict] = []
        self.calls: list[str] = []
        self.access_tokens: set[str] = set()
        self._counter = itertools.count(1)

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.records)

    def answer(self, method, path, query, body, headers):
        name = path.removeprefix("/xrpc/")
        with self.lock:
            self.calls.append(name)
        handler = {
            ("POST", "com.atproto.server.createSession"): self._create_session,
            ("POST", "com.atproto.server.refreshSession"): self._refresh_session,
            ("POST", "com.atproto.repo.createRecord"): self._create_record,
            ("GET", "com.atproto.repo.getRecord"): self._get_record,
        }.get((method, name))
        if handler is None:
            with self.lock:
                self.unexpected.append(f"{method} {path}")
            return 501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"}
        return handler(query=query, body=body, token=headers.get("Authorization", ""))

    def _session(self) -> dict:
        access = _jwt("com.atproto.appPass", lasts=2 * 3600)
        with self.lock:
            self.access_tokens.add(access)
        return {
            "accessJwt": access,
            "refreshJwt": _jwt("com.atproto.refresh", lasts=60 * 24 * 3600),
            "handle": BLUESKY_HANDLE,
            "did": BLUESKY_DID,
            "active": True,
        }

    def _create_session(self, *, query, body, token):
        if body != {"identifier": BLUESKY_HANDLE, "password": BLUESKY_APP_PASSWORD}:
            return 401, {"error": "AuthenticationRequired", "message": "Invalid password"}
        return 200, self._session()

    def _refresh_session(self, *, query, body, token):
        return 200, self._session()

    def _signed_in(self, token: str) -> bool:
        with self.lock:
            return token.removeprefix("Bearer ") in self.access_tokens

    def _create_record(self, *, query, body, token):
        if not self._signed_in(token):
            return 401, {"error": "InvalidToken", "message": "Bad token"}
        if body.get("repo") not in (BLUESKY_HANDLE, BLUESKY_DID):
            return 400, {"error": "InvalidRequest", "message": "Could not find repo"}
        key = body.get("rkey") or f"3smoke{next(self._counter):07d}"
        uri = f"at://{BLUESKY_DID}/{body['collection']}/{key}"
        with self.lock:
            if any(record["uri"] == uri for record in self.records):
                return 400, {"error": "InvalidRequest", "message": "Record already exists"}
            stored = {"uri": uri, "cid": cid_of(body["record"]), "value": body["record"]}
            self.records.append(stored)
        return 200, {"uri": uri, "cid": stored["cid"], "validationStatus": "valid"}

    def _get_record(self, *, query, body, token):
        uri = f"at://{BLUESKY_DID}/{query.get('collection')}/{query.get('rkey')}"
        if query.get("repo") not in (BLUESKY_HANDLE, BLUESKY_DID):
            return 400, {"error": "InvalidRequest", "message": "Could not find repo"}
        with self.lock:
            found = [record for record in self.records if record["uri"] == uri]
        if not found:
            return 400, {"error": "RecordNotFound", "message": "Could not locate record"}
        return 200, found[0]


@contextlib.contextmanager
def serving(server: FakeService):
    """Serve ``server`` in a thread while the ``with`` block runs."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
