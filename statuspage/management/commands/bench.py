"""Benchmarks, run by hand (`make bench`): our server beside nginx and beside the ceiling
for any Python server, the database and Redis stopped under load, and render time as data
grows.

Prints tables; asserts nothing. It expects what `make bench` prepares: the production
stack's PostgreSQL and Redis (started by ``.ci/services.sh run``, whose ``PG_PORT``,
``REDIS_PORT`` and ``CI_SERVICES_DIR`` it inherits, to stop and start PostgreSQL with
the same script), the demo content, collected static files, an exported mirror, and
the ``wrk``, ``nginx`` and ``curl`` programs.

1. Throughput: each server configuration asked for, nginx serving the static copy as
   production nginx would (``load.NGINX_CONF``), and the ceiling (``ceiling.py``: a
   WSGI application answering with the same bytes it holds, under the production
   granian settings), all started at once and measured in turn on the same pages, every
   page already kept. Besides wrk's figures, the CPU time the server and Redis used per
   request, which a busy machine disturbs less than requests per second. Then what
   10,000 open pages polling every ``STATUS_POLL_SECONDS`` cost, from the timeline's
   ``304`` CPU time, and the resident memory of the production server's workers.
2. Database down: ``.ci/services.sh stop-postgres`` once the pages were seen, a load
   run over the public pages counting every answer's status, then ``start-postgres``
   and the time until every page is rendered afresh again.
3. Redis down: ``stop-redis`` under the same load, requests/s beside a run with Redis,
   then ``start-redis`` and the time until a publish is seen again.
4. Mail: one update to 10,000 subscribers through an SMTP sink, beside Django's own mass
   sending (``statuspage/management/mail_bench.py``).
5. Growth: cold render time and SQL queries at demo size and at 100x the data.
"""

import os
import shutil
import statistics
import time
import urllib.request
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from faq.models import FAQ, Comment
from statuspage import history, selectors
from statuspage.management import load, mail_bench
from statuspage.models import (
    ChangeSource,
    Incident,
    KeptStrip,
    MaintenanceWindow,
    Service,
    ServiceGroup,
    StatusChange,
    StatusUpdate,
)
from statuspage.tasks import uptime_close_days

HOME, FAQ_PAGE, SUMMARY = "/", "/faq/dotmailer-database-upgrade/", "/api/v2/summary.json"
EVENT = "/maintenance/dotmailer-database-upgrade/"
TIMELINE = "/timeline/"  # what an open home page polls
PAGES = [HOME, FAQ_PAGE, SUMMARY]
# Growth also renders a service page (its bars and 12 months) and the uptime report.
GROWTH_PAGES = [*PAGES, "/services/dotmailer-api/", "/uptime/"]
DATABASE_DOWN_PAGES = [HOME, FAQ_PAGE, EVENT, SUMMARY]
NGINX, CEILING = "nginx (tuned)", "ceiling"
POLLERS = 10_000

# Server configurations by name: the program and its options. 2 cores: gunicorn's sync
# workers serve one request at a time each and close every connection; gthread workers keep
# connections alive and serve a few at once. granian's Rust runtime does the HTTP and hands
# requests to a few Python threads per worker, taking at most --backpressure at once.
SERVERS = {
    "granian": ["granian", "--workers", "2", "--blocking-threads", "4", "--backpressure", "16"],
    "granian-2t": ["granian", "--workers", "2", "--blocking-threads", "2", "--backpressure", "2"],
    "granian-4t4": ["granian", "--workers", "2", "--blocking-threads", "4", "--backpressure", "4"],
    "granian-8t": ["granian", "--workers", "2", "--blocking-threads", "8", "--backpressure", "32"],
    "gunicorn": ["gunicorn", "--workers", "4"],
    "gunicorn-gthread": ["gunicorn", "--workers", "2", "--threads", "4"],
}
PRODUCTION = "granian"  # what .ci/prod.sh runs; it also serves the database-down run
DEFAULT_SERVERS = PRODUCTION


class Command(BaseCommand):
    help = "Measure our server beside nginx and the ceiling, outages under load, and growth."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--mirror", type=Path, help="the exported static copy, for nginx")
        parser.add_argument("--seconds", type=int, default=10, help="per throughput row")
        parser.add_argument("--connections", type=int, default=64)
        parser.add_argument(
            "--servers", default=DEFAULT_SERVERS, help=f"comma-separated, of {', '.join(SERVERS)}"
        )
        parser.add_argument("--down-seconds", type=int, default=30)
        parser.add_argument(
            "--skip", default="", help="comma-separated: throughput,down,redis,mail,growth"
        )
        parser.add_argument("--subscribers", type=int, default=mail_bench.SUBSCRIBERS)

    def handle(
        self, *args, mirror: Path, seconds, connections, servers, down_seconds, skip, **options
    ):
        skipped = set(skip.split(","))
        names = [] if "throughput" in skipped else [n.strip() for n in servers.split(",") if n]
        if unknown := set(names) - set(SERVERS):
            raise CommandError(f"Unknown servers: {', '.join(sorted(unknown))}.")
        if {"down", "redis"} - skipped and PRODUCTION not in names:
            names.append(PRODUCTION)
        if names:
            self._under_load(names, mirror, seconds, connections, down_seconds, skipped)
        if "mail" not in skipped:
            # With Redis, the workers' broker is its database 2 (the cache has its own).
            redis = os.environ.get("REDIS_URL", "")
            broker = urlsplit(redis)._replace(path="/2").geturl() if redis else ""
            mail_bench.run(self.stdout.write, subscribers=options["subscribers"], broker_url=broker)
        if "growth" not in skipped:
            self._growth()

    def _under_load(self, names, mirror: Path, seconds, connections, down_seconds, skipped):
        for program in ("wrk", "nginx", "curl"):
            if not shutil.which(program):
                raise CommandError(f"{program} is needed: `make bench` installs it.")
        if mirror is None:
            raise CommandError("--mirror is needed, for nginx: manage.py export_static DIR.")
        workdir = mirror.resolve().parent  # for the servers' logs and nginx's files
        with ExitStack() as stack:
            apps = {
                name: stack.enter_context(
                    load.wsgi_server(SERVERS[name][0], SERVERS[name][1:], workdir / f"{name}.log")
                )
                for name in names
            }
            static = stack.enter_context(load.nginx(mirror, workdir))
            ceiling = stack.enter_context(
                load.wsgi_server(
                    SERVERS[PRODUCTION][0],
                    SERVERS[PRODUCTION][1:],
                    workdir / "ceiling.log",
                    module="statuspage.management.ceiling",
                    env={"CEILING_ROOT": str(mirror.resolve())},
                )
            )
            if "throughput" not in skipped:
                self._throughput(apps, static, ceiling, seconds, connections)
            if "down" not in skipped:
                self._database_down(apps[PRODUCTION], down_seconds, connections)
            if "redis" not in skipped:
                self._redis_down(apps[PRODUCTION], down_seconds, connections)
            if PRODUCTION in apps:
                workers = load.resident_mb(apps[PRODUCTION].pid)
                self.stdout.write(
                    f"\nResident memory of {PRODUCTION}'s workers after the runs: "
                    f"{', '.join(f'{mb:.0f} MB' for mb in workers)} "
                    f"(kept answers bound: {settings.KEPT_ANSWERS_MB} MB each)"
                )

    def _throughput(self, apps: dict, static, ceiling, seconds: int, connections: int) -> None:
        self.stdout.write(
            f"Throughput: wrk, {connections} connections, {seconds} s per row, every page "
            f"already kept; {connection.vendor}, {settings.CACHES['default']['BACKEND']}"
        )
        for name in apps:
            self.stdout.write(f"  {name}: {' '.join(SERVERS[name])}")
        self.stdout.write(
            f"  {CEILING}: statuspage.management.ceiling, the same bytes from memory, "
            f"under {PRODUCTION}'s settings\n"
            "  nginx %, ceil %: req/s as a share of theirs; CPU: server and Redis, µs per "
            "request; bytes: body"
        )
        self.stdout.write(
            f"\n{'page':42} {'server':18} {'req/s':>7} {'nginx %':>7} {'ceil %':>7} "
            f"{'p50 ms':>7} {'p99 ms':>7} {'CPU':>5} {'bytes':>6} {'non-2xx/3xx':>11}"
        )
        references = [(NGINX, static), (CEILING, ceiling)]
        for page, conditional in [(page, c) for c in (False, True) for page in PAGES]:
            results = {
                name: _measure(server.url + page, server.pid, seconds, connections, conditional)
                for name, server in [*references, *apps.items()]
            }
            label = f"{page} (304)" if conditional else page
            for name, r in results.items():
                self.stdout.write(
                    f"{label:42} {name:18} {r['rate']:>7.0f} "
                    f"{r['rate'] / results[NGINX]['rate']:>7.0%} "
                    f"{r['rate'] / results[CEILING]['rate']:>7.0%} {r['p50']:>7.1f} "
                    f"{r['p99']:>7.1f} {r['cpu']:>5.0f} {r['bytes']:>6} {r['errors']:>11}"
                )
        if PRODUCTION in apps:
            self._pollers(apps[PRODUCTION], seconds, connections)

    def _pollers(self, app, seconds: int, connections: int) -> None:
        """What open pages cost: each asks for the timeline every STATUS_POLL_SECONDS and,
        nothing having changed, is answered 304."""
        polls = _measure(app.url + TIMELINE, app.pid, seconds, connections, conditional=True)
        rate = POLLERS / settings.STATUS_POLL_SECONDS
        cores = rate * polls["cpu"] / 1e6
        self.stdout.write(
            f"\n{POLLERS:,} open pages polling {TIMELINE} every {settings.STATUS_POLL_SECONDS} s: "
            f"{rate:,.0f} req/s; at the {polls['cpu']:.0f} µs of CPU a 304 cost here "
            f"({polls['rate']:,.0f} req/s, p99 {polls['p99']:.1f} ms), {cores:.2f} of a core "
            f"({cores / os.cpu_count():.0%} of this machine's {os.cpu_count()})"
        )

    def _database_down(self, app, seconds: int, connections: int) -> None:
        """Within a minute every page is answered from memory, database or not; so the run is
        timed to cross into the next minute early, after which each page must be rendered
        and, the database being down, is answered from its last good copy."""
        self.stdout.write(
            f"\nDatabase down: {PRODUCTION}, wrk {seconds} s, {connections} connections, "
            f"rotating over {', '.join(DATABASE_DOWN_PAGES)}"
        )
        _wait_for_second_of_minute(60 - min(5, seconds // 4) - 2)
        for page in DATABASE_DOWN_PAGES:  # each page seen once: its last good copy
            load.curl(app.url + page)
        load.services("stop-postgres")
        try:
            counts, stale, socket_errors = load.wrk_statuses(
                app.url, DATABASE_DOWN_PAGES, seconds, connections
            )
        finally:
            load.services("start-postgres")
        self.stdout.write(
            f"responses {sum(counts.values())}, {_answered(counts)}, {stale} of them last good "
            f"copies; socket errors: {socket_errors}"
        )
        recovered = _wait_until_fresh(app.url, DATABASE_DOWN_PAGES, timeout=60)
        self.stdout.write(
            f"PostgreSQL started again: every page rendered afresh after {recovered:.1f} s"
            if recovered is not None
            else "PostgreSQL started again: pages still stale after 60 s"
        )

    def _redis_down(self, app, seconds: int, connections: int) -> None:
        """Answers come from each process's memory; Redis only tells them of changes. With
        Redis stopped, every page is rendered again every few seconds (nobody can say it
        is current), and the rest is served from memory."""
        self.stdout.write(
            f"\nRedis down: {PRODUCTION}, wrk {seconds} s, {connections} connections, "
            f"rotating over {', '.join(DATABASE_DOWN_PAGES)}"
        )
        runs = {"Redis up": load.wrk_statuses(app.url, DATABASE_DOWN_PAGES, seconds, connections)}
        load.services("stop-redis")
        try:
            runs["Redis stopped"] = load.wrk_statuses(
                app.url, DATABASE_DOWN_PAGES, seconds, connections
            )
        finally:
            load.services("start-redis")
        normal = sum(runs["Redis up"][0].values()) / seconds
        for label, (counts, _, socket_errors) in runs.items():
            rate = sum(counts.values()) / seconds
            self.stdout.write(
                f"{label:14} {rate:>7.0f} req/s ({rate / normal:.0%}), {_answered(counts)}; "
                f"socket errors: {socket_errors}"
            )
        seen = _seconds_until_a_change_is_seen(app.url, SUMMARY, timeout=60)
        self.stdout.write(
            f"Redis started again: a change then published seen in every answer after {seen:.1f} s"
            if seen is not None
            else "Redis started again: a change then published not seen after 60 s"
        )

    def _growth(self) -> None:
        connections.close_all()  # PostgreSQL may have been restarted: connect afresh
        self.stdout.write(
            f"\nGrowth: cold render (cache emptied each time), median of 20; {connection.vendor}"
        )
        self.stdout.write(f"{'page':42} {'size':8} {'ms':>8} {'queries':>8}")
        for label, grow in [("demo", None), ("100x", _grow_hundredfold)]:
            if grow:
                grow()
            # The days kept, as the hourly task keeps them once a day is over: timed apart.
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                uptime_close_days()
            ms = (time.perf_counter() - start) * 1000
            self.stdout.write(f"{'(keeping 12 months of days, once)':42} {label:8} {ms:>8.1f} "
                              f"{len(queries):>8}")  # fmt: skip
            for page in GROWTH_PAGES:
                ms, queries = _render(page)
                self.stdout.write(f"{page:42} {label:8} {ms:>8.1f} {queries:>8}")
                if page == HOME:
                    self._home_references(label)

    def _home_references(self, label: str) -> None:
        """`/` as it was before the service history, without bars: the reference; and `/`
        drawing its bars afresh, as its first render after a change to the history does."""
        with mock.patch.object(selectors, "with_strips", return_value=None):
            ms, queries = _render(HOME)
        self.stdout.write(f"{'/ without bars (the reference)':42} {label:8} {ms:>8.1f} "
                          f"{queries:>8}")  # fmt: skip
        ms, queries = _render(HOME, prepare=KeptStrip.objects.all().delete)
        self.stdout.write(f"{'/ drawing its bars afresh':42} {label:8} {ms:>8.1f} "
                          f"{queries:>8}")  # fmt: skip


def _measure(url: str, pid: int, seconds: int, connections: int, conditional: bool) -> dict:
    extra = []
    if conditional:
        # The application's ETags change each minute: the run must stay within one.
        if time.time() % 60 > 60 - seconds - 3:
            _wait_for_second_of_minute(1)
        extra = ["-H", f"If-None-Match: {load.etag(url)}"]
    before = load.cpu_seconds(pid, load.redis_pid())
    result = load.wrk(url, seconds, connections, extra)
    used = load.cpu_seconds(pid, load.redis_pid()) - before
    return {**result, "cpu": used / result["requests"] * 1e6, "bytes": load.curl(url, extra)[2]}


def _answered(counts: dict[int, int]) -> str:
    """The share of answers that were 200, and the count of each status."""
    total = sum(counts.values())
    by_status = ", ".join(f"{status}: {count}" for status, count in sorted(counts.items()))
    return f"answered 200: {counts.get(200, 0) / max(total, 1):.2%} ({by_status})"


def _wait_for_second_of_minute(second: int) -> None:
    time.sleep((second - time.time() % 60) % 60)


def _wait_until_fresh(base: str, paths: list[str], timeout: float) -> float | None:
    """Seconds until every path answers 200 without ``X-Served-Stale``; None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        answers = [load.curl(base + path) for path in paths]
        if all(s == 200 and "x-served-stale" not in h.lower() for s, h, _ in answers):
            return time.monotonic() - start
        time.sleep(0.5)
    return None


def _seconds_until_a_change_is_seen(base: str, path: str, timeout: float) -> float | None:
    """Renames a service (and names it back after): seconds until ten answers in a row
    show the new name, so every worker has it; None on timeout."""
    connections.close_all()  # Redis, and so this process's connections, were restarted
    service = Service.objects.order_by("pk").first()
    old_name, service.name = service.name, f"{service.name} (bench)"
    start = time.monotonic()
    service.save(update_fields=["name"])
    try:
        in_a_row = 0
        while time.monotonic() - start < timeout:
            with urllib.request.urlopen(base + path, timeout=5) as answer:  # noqa: S310
                in_a_row = in_a_row + 1 if service.name in answer.read().decode() else 0
            if in_a_row == 10:
                return time.monotonic() - start
            time.sleep(0.05)
        return None
    finally:
        service.name = old_name
        service.save(update_fields=["name"])


def _render(page: str, prepare=None) -> tuple[float, int]:
    client = Client(HTTP_HOST="127.0.0.1")
    timings = []
    for _ in range(20):
        cache.clear()
        if prepare:
            prepare()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            client.get(page)
            timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(queries)


def _grow_hundredfold() -> None:
    """A hundred times the demo's services, events with their updates, and comments.

    * services 8 → 800, in groups 4 → 40: a company with a hundred times the services
      has more groups, not a hundred times as many;
    * published events 2 → 200, past windows with five updates each, plus ten updates on
      the window that is coming up (updates 0 → 1,000);
    * comments on the FAQ 4 → 400;
    * the services' history over the last 90 days: 17 status changes → 1,700 (850 outages
      of 20 minutes to 4 hours, partial or major), and 6 incidents → 600 around them.

    The FAQ's own impact entries stay as they are: they are what staff write for one piece
    of work, and a FAQ of 2,900 entries is not one anybody reads.
    """
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade")
    window = faq.window
    groups = ServiceGroup.objects.bulk_create(
        ServiceGroup(name=f"Bench group {n}", position=10 + n) for n in range(36)
    )
    Service.objects.bulk_create(
        Service(group=groups[n % len(groups)], name=f"Bench service {n}", slug=f"bench-{n}")
        for n in range(792)
    )
    past = MaintenanceWindow.objects.bulk_create(
        MaintenanceWindow(
            title=f"Bench window {n}",
            slug=f"bench-window-{n}",
            summary="Bench.",
            scheduled_start=window.scheduled_start - timedelta(days=30 + n),
            scheduled_end=window.scheduled_end - timedelta(days=30 + n),
            status="completed",
            published_at=window.published_at,
        )
        for n in range(198)
    )
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            maintenance=past[n // 5],
            status="completed",
            body=f"Bench progress {n}.",
            published_at=window.published_at,
        )
        for n in range(990)
    )
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            maintenance=window,
            status=window.status,
            body=f"Bench note {n} on the coming window.",
            published_at=window.published_at,
        )
        for n in range(10)
    )
    _grow_history()
    first = faq.comments.filter(parent=None).count() + 1
    Comment.objects.bulk_create(  # each its thread's place, as posting gives (no save() here)
        Comment(faq=faq, author_name="Bench reader", body=f"Bench comment {n}.", thread_position=n)
        for n in range(first, first + 396)
    )


def _grow_history() -> None:
    """A hundred times the demo's last 90 days of history (see ``_grow_hundredfold``): each
    outage two status changes and an incident affecting its service, a service at most two
    outages, days apart, so that every service's history stays in order."""
    services = list(Service.objects.filter(slug__startswith="bench-").order_by("pk"))
    now = timezone.now()
    changes, incidents, affected = [], [], []
    for n in range(850):
        service = services[(n * 7) % len(services)]
        start = (now - timedelta(days=2 + (n * 13) % 86)).replace(hour=n % 20, minute=0)
        end = start + timedelta(minutes=20 + (n * 37) % 220)
        status = "major_outage" if n % 3 == 0 else "partial_outage"
        changes += [
            StatusChange(service=service, old_status="operational", new_status=status,
                         at=start, source=ChangeSource.API),
            StatusChange(service=service, old_status=status, new_status="operational",
                         at=end, source=ChangeSource.API),
        ]  # fmt: skip
        incidents.append(
            Incident(title=f"Bench incident {n}", slug=f"bench-incident-{n}", status="resolved",
                     started_at=start, resolved_at=end, published_at=start)
        )  # fmt: skip
        affected.append(service)
    StatusChange.objects.bulk_create(changes)
    made = Incident.objects.bulk_create(incidents[:600])
    Incident.services.through.objects.bulk_create(
        Incident.services.through(incident_id=incident.pk, service_id=service.pk)
        for incident, service in zip(made, affected, strict=False)
    )
    history.reopen(min(change.at for change in changes).date())  # written behind its back
