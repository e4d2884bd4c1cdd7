"""The production stack as `make prod` starts it, on its own ports, and a fake X, Mastodon
and Bluesky beside it (fake_networks.py), on loopback like the rest.

`.ci/prod.sh` runs in its own process group: PostgreSQL and Redis from .ci/services.sh,
granian, a Celery worker and beat, production settings, the demo content, and a superuser.
Its ports and folders are the smoke test's own, so it runs beside the PostgreSQL pass's
servers (54329/63790) and a developer's `make prod` (54330/63791/8000). Everything is made
afresh for each run and stopped at the end, pass or fail. Needs root or sudo, like
.ci/services.sh. The tests talk to the stack over HTTP only.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.smoke import fake_networks
from tests.smoke.fake_networks import FakeBluesky, FakeMastodon
from tests.smtp_relay import Relay

ROOT = Path(__file__).resolve().parents[2]
_HERE = Path(__file__).parent

WEB_PORT, PG_PORT, REDIS_PORT = 8099, 54331, 63792
SECOND_WEB_PORT = 8098  # a second granian, as on a second machine (prod.sh's SECOND_PORT)
PORTS = (WEB_PORT, SECOND_WEB_PORT, PG_PORT, REDIS_PORT)
# Beside `make prod`'s, directly under /tmp: user postgres must reach its folder inside.
SERVICES_DIR = Path("/tmp/statuspage-smoke-services")  # noqa: S108
RUN_DIR = Path("/tmp/statuspage-smoke")  # noqa: S108
START_SECONDS = 180  # the first run may install PostgreSQL and Redis
STOP_SECONDS = 60  # granian and Celery finish what they are doing, then services.sh stops

X_ACCOUNT = "dmsmoke"
X_CREDENTIALS = {
    "X_CONSUMER_KEY": "smoke-consumer-key",
    "X_CONSUMER_SECRET": "smoke-consumer-secret",
    "X_ACCESS_TOKEN": "smoke-access-token",
    "X_ACCESS_TOKEN_SECRET": "smoke-access-token-secret",
}


def pytest_collection_modifyitems(config, items):
    selected = "smoke" in (config.getoption("markexpr") or "")
    for item in items:
        if _HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.smoke)
            if not selected:
                item.add_marker(pytest.mark.skip(reason="starts the production stack: make smoke"))


# --- a fake X ----------------------------------------------------------------------------------


class FakeX(ThreadingHTTPServer):
    """X's ``POST /2/tweets`` on loopback: answers as X does and keeps what it was sent.

    While ``hanging`` is set it takes a post and then keeps the answer back, as an X that
    stopped answering midway, until ``released`` is set (or a minute has passed).
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _FakeXHandler)
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        self.hanging = threading.Event()
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def handle_error(self, request, client_address) -> None:
        pass  # a client gone mid-answer (a worker killed while X hung) is no news here

    def received(self) -> list[dict]:
        with self.lock:
            return list(self.posts)


class _FakeXHandler(BaseHTTPRequestHandler):
    server: FakeX

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path != "/2/tweets" or not body.get("text"):
            return self._answer(400, {"title": "Invalid Request", "detail": self.path})
        with self.server.lock:
            post_id = str(1_860_000_000_000_000_000 + len(self.server.posts) + 1)
            self.server.posts.append(
                {"id": post_id, "authorization": self.headers.get("Authorization", ""), **body}
            )
        if self.server.hanging.is_set():
            self.server.released.wait(timeout=60)
        return self._answer(201, {"data": {"id": post_id, "text": body["text"]}})

    def _answer(self, status: int, payload: dict) -> None:
        content = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def fake_x():
    server = FakeX()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def fake_mastodon():
    with fake_networks.serving(FakeMastodon()) as server:
        yield server


@pytest.fixture(scope="session")
def fake_bluesky():
    with fake_networks.serving(FakeBluesky()) as server:
        yield server


# --- the stack -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mail_relay():
    """The stack's mail relay: a real SMTP server on loopback that keeps what it is sent."""
    relay = Relay()
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()


@dataclass(frozen=True)
class Stack:
    url: str
    second_url: str  # the second web server's
    username: str
    password: str
    process: subprocess.Popen
    log: Path

    def services(self, command: str) -> None:
        """`.ci/services.sh COMMAND` for this stack's PostgreSQL and Redis."""
        _services(command)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def processes(self, *words: str) -> list[tuple[int, int]]:
        """(pid, parent pid) of the stack's processes whose command line has ``words``."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            # fields: state, ppid, pgrp, session; the stack runs in a session of its own.
            if int(fields[3]) == self.process.pid and all(word in command for word in words):
                found.append((int(proc.name), int(fields[1])))
        return found

    def worker(self) -> tuple[int, list[int]]:
        """The Celery worker's main process and its pool's processes."""
        workers = self.processes("celery", "worker")
        pids = {pid for pid, _ in workers}
        (main,) = [pid for pid, parent in workers if parent not in pids]
        return main, [pid for pid, parent in workers if parent == main]

    def pause_worker(self) -> None:
        """Stop the worker, warmly, and keep it stopped: tasks wait in the queue meanwhile."""
        (RUN_DIR / "worker.paused").touch()
        main, _ = self.worker()
        os.kill(main, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while self.processes("celery", "worker") and time.monotonic() < deadline:
            time.sleep(0.2)

    def resume_worker(self) -> None:
        (RUN_DIR / "worker.paused").unlink(missing_ok=True)


def _services(command: str) -> None:
    subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [ROOT / ".ci/services.sh", command],
        env={
            **os.environ,
            "PG_PORT": str(PG_PORT),
            "REDIS_PORT": str(REDIS_PORT),
            "CI_SERVICES_DIR": str(SERVICES_DIR),
        },
        check=True,
        timeout=120,
    )


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _environment(
    *, networks: tuple[FakeX, FakeMastodon, FakeBluesky], relay: Relay, username: str, password: str
) -> dict[str, str]:
    """A human's environment, without the test run's settings; prod.sh sets its own."""
    fake_x, fake_mastodon, fake_bluesky = networks
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("DJANGO_", "X_", "MASTODON_", "BLUESKY_", "PROD_", "DATABASE_", "REDIS_", "CELERY_")
        )
        and name not in {"PORT", "SITE_URL", "STATIC_ROOT", "STATIC_MIRROR_DIR"}
    }
    return {
        **inherited,
        "PORT": str(WEB_PORT),
        "SECOND_PORT": str(SECOND_WEB_PORT),
        "PROD_PG_PORT": str(PG_PORT),
        "PROD_REDIS_PORT": str(REDIS_PORT),
        "PROD_SERVICES_DIR": str(SERVICES_DIR),
        "PROD_RUN_DIR": str(RUN_DIR),
        "DJANGO_SUPERUSER_USERNAME": username,
        "DJANGO_SUPERUSER_PASSWORD": password,
        **X_CREDENTIALS,
        "X_ACCOUNT": X_ACCOUNT,
        "X_API_BASE_URL": fake_x.url,
        "MASTODON_BASE_URL": fake_mastodon.url,
        "MASTODON_ACCESS_TOKEN": fake_networks.MASTODON_TOKEN,
        "MASTODON_ACCOUNT": fake_networks.MASTODON_ACCOUNT,
        "MASTODON_VISIBILITY": "public",
        "BLUESKY_HANDLE": fake_networks.BLUESKY_HANDLE,
        "BLUESKY_APP_PASSWORD": fake_networks.BLUESKY_APP_PASSWORD,
        "BLUESKY_SERVICE_URL": fake_bluesky.url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(relay.port),
        "EMAIL_USE_TLS": "false",
        # The beat's outbox sweep every few seconds, not every minute: the faults' recovery
        # is measured in seconds.
        "OUTBOX_SWEEP_SECONDS": "3",
    }


def _serving(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _wait_until_serving(process: subprocess.Popen, url: str, log: Path) -> None:
    """Until the home page answers: the server listens before its workers have booted."""
    deadline = time.monotonic() + START_SECONDS
    while not _serving(url):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            pytest.fail(f"the production stack did not start (exit {process.poll()}):\n{tail}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the whole group, as Ctrl-C to `make prod`; SIGKILL if it hangs."""
    for signum, wait in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def stack(fake_x, fake_mastodon, fake_bluesky, mail_relay):
    busy = [port for port in PORTS if listening(port)]
    if busy:
        pytest.fail(f"127.0.0.1 ports {busy} are taken: is another smoke run going on?")
    _services("clean")  # whatever a killed run left behind
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    RUN_DIR.mkdir(parents=True)
    log = RUN_DIR / "stack.log"
    username, password = "smoke-admin", secrets.token_urlsafe(16)
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [ROOT / ".ci/prod.sh"],
            cwd=ROOT,
            env=_environment(
                networks=(fake_x, fake_mastodon, fake_bluesky),
                relay=mail_relay,
                username=username,
                password=password,
            ),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(
        f"http://127.0.0.1:{WEB_PORT}",
        f"http://127.0.0.1:{SECOND_WEB_PORT}",
        username,
        password,
        process,
        log,
    )
    # Killed (a CI job's timeout) as when interrupted: stop the stack on the way out.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _wait_until_serving(process, f"{stack.url}/", log)
        _wait_until_serving(process, f"{stack.second_url}/", log)
        yield stack
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop(process)
        _services("stop")  # in case prod.sh died before services.sh could stop them
        print(f"--- the stack's output, last lines ({log}) ---\n{stack.log_tail()}")
        left = [port for port in PORTS if listening(port)]
        assert not left, f"still listening after the stack stopped: {left}"


# --- who uses it ---------------------------------------------------------------------------------


@pytest.fixture
def admin(stack):
    """A member of staff signed in to the admin."""
    from tests.smoke.client import Admin  # it reads this module's constants

    with requests.Session() as session:
        yield Admin(stack, session).log_in()


@pytest.fixture
def visitor():
    """A reader's browser: keeps its cookies."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def words():
    """Words nobody else wrote, to find this run's update on the page, in the API and on X."""
    return f"Smoke check {secrets.token_hex(4)}: the new database servers are being prepared."
