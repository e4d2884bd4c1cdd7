"""Benchmarks, run by hand (`make bench`): throughput and latency beside nginx, and growth.

Prints figures; asserts nothing. It expects the bench database that `make bench`
prepares (demo content, collected static files, an exported mirror) and the
``wrk`` and ``nginx`` programs.
"""

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from faq.models import FAQ, Comment, ImpactEntry, Section
from statuspage.models import MaintenanceWindow, Service, ServiceGroup, StatusUpdate

PAGES = ["/", "/faq/dotmailer-database-upgrade/", "/api/v2/summary.json"]
APP_PORT, NGINX_PORT = 8097, 8098
NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  include /etc/nginx/mime.types;
  types {{ application/json json; }}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""


class Command(BaseCommand):
    help = "Measure throughput beside nginx, and render time and queries as data grows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--mirror", type=Path, required=True)
        parser.add_argument("--seconds", type=int, default=10)
        parser.add_argument("--connections", type=int, default=64)
        parser.add_argument("--workers", type=int, default=4)

    def handle(self, *args, mirror: Path, seconds: int, connections: int, workers: int, **kw):
        for program in ("wrk", "nginx"):
            if not shutil.which(program):
                raise CommandError(f"{program} is needed: `make bench` installs it.")
        self.stdout.write(f"Throughput: wrk, {connections} connections, {seconds} s each\n")
        self.stdout.write(f"{'page':42} {'server':18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        with _gunicorn(workers) as app, _nginx(mirror) as static:
            time.sleep(1)
            for page in PAGES:
                etag = _etag(f"{app}{page}")
                runs = [
                    ("gunicorn", f"{app}{page}", []),
                    ("gunicorn, 304", f"{app}{page}", ["-H", f"If-None-Match: {etag}"]),
                    ("nginx, static copy", f"{static}{page}", []),
                ]
                for name, url, extra in runs:
                    rate, p50, p99 = _wrk(url, seconds, connections, extra)
                    self.stdout.write(f"{page:42} {name:18} {rate:>9.0f} {p50:>8.1f} {p99:>8.1f}")
        self.stdout.write("\nGrowth: cold render (cache emptied each time), median of 20")
        self.stdout.write(f"{'page':42} {'size':8} {'ms':>8} {'queries':>8}")
        for label, grow in [("demo", None), ("100x", _grow_hundredfold)]:
            if grow:
                grow()
            for page in PAGES:
                ms, queries = _render(page)
                self.stdout.write(f"{page:42} {label:8} {ms:>8.1f} {queries:>8}")


class _Process:
    def __init__(self, args: list[str], url: str) -> None:
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        self.url = url

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _gunicorn(workers: int) -> _Process:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    args = [gunicorn, "statuspage.wsgi", "--bind", f"127.0.0.1:{APP_PORT}"]
    return _Process(
        [*args, "--workers", str(workers), "--log-level", "error"], f"http://127.0.0.1:{APP_PORT}"
    )


def _nginx(root: Path) -> _Process:
    tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=NGINX_PORT, root=root.resolve()))
    nginx = shutil.which("nginx")
    return _Process([nginx, "-c", str(conf), "-g", "daemon off;"], f"http://127.0.0.1:{NGINX_PORT}")


def _etag(url: str) -> str:
    result = subprocess.run(["curl", "-sI", url], capture_output=True, text=True, check=False)  # noqa: S603, S607
    match = re.search(r"(?im)^etag: (.+?)\r?$", result.stdout)
    return match[1] if match else '"none"'


def _wrk(url: str, seconds: int, connections: int, extra: list[str]) -> tuple[float, float, float]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url]
    out = subprocess.run(args, capture_output=True, text=True, check=False).stdout  # noqa: S603
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    return rate, _latency(out, "50%"), _latency(out, "99%")


def _latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def _render(page: str) -> tuple[float, int]:
    client = Client(HTTP_HOST="127.0.0.1")
    timings = []
    for _ in range(20):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            client.get(page)
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(queries)


def _grow_hundredfold() -> None:
    """Ninety-nine times more services, windows, impact entries, updates and comments."""
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade")
    window = faq.window
    groups = ServiceGroup.objects.bulk_create(
        ServiceGroup(name=f"Bench group {n}", position=10 + n) for n in range(99 * 4)
    )
    services = Service.objects.bulk_create(
        Service(group=groups[n % len(groups)], name=f"Bench service {n}", slug=f"bench-{n}")
        for n in range(99 * 8)
    )
    MaintenanceWindow.objects.bulk_create(
        MaintenanceWindow(
            title=f"Bench window {n}",
            slug=f"bench-window-{n}",
            summary="Bench.",
            scheduled_start=window.scheduled_start - timedelta(days=30 + n),
            scheduled_end=window.scheduled_end - timedelta(days=30 + n),
            status="completed",
            published_at=window.published_at,
        )
        for n in range(99 * 2)
    )
    section = Section.objects.create(
        faq=faq, number=99, position=99, heading="Bench", kind="impact"
    )
    ImpactEntry.objects.bulk_create(
        ImpactEntry(
            faq=faq,
            section=section,
            number=n + 1,
            subject=f"Bench feature {n}",
            service=services[n % len(services)],
            level="delayed",
            summary="Sent after the window.",
        )
        for n in range(99 * 29)
    )
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            maintenance=window,
            status=window.status,
            body=f"Bench progress {n}.",
            published_at=window.published_at,
        )
        for n in range(99 * 10)
    )
    Comment.objects.bulk_create(
        Comment(faq=faq, author_name="Bench reader", body=f"Bench comment {n}.")
        for n in range(99 * 2)
    )
