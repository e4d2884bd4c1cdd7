"""The fan-out benchmark of ``manage.py bench`` (section ``mail``): one update told to
10,000 subscribers through an SMTP sink on 127.0.0.1, beside the reference.

The sink (aiosmtpd, in a process of its own so that it takes no CPU time from the sender's
interpreter) accepts every message and counts messages, connections and the time the last
message arrived. Each row measures from the call that publishes the update (or, for the
reference, starts sending) to the last message the sink accepted:

* the reference, Django's own mass sending (``send_mass_mail``'s way: every message built
  first, then ``send_messages`` over one connection), of a message as long as ours; and the
  same split between two processes, one connection each, for the two cores;
* ours without a broker: the update's notices written for each subscriber, then sent in
  batches of ``outbox.services.BATCH`` over one connection each, on one thread;
* ours with a broker (when ``REDIS_URL`` is set): the same, the batches sent by two Celery
  worker processes side by side.

For ours, also the time to write the outbox's rows (the staff member's request, with a
broker) and the peak of Python memory while writing them (tracemalloc, in a run of its own,
since tracing slows everything it watches).
"""

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from statuspage import services
from statuspage.management import load
from statuspage.models import MaintenanceWindow
from statuspage.subscriptions.models import Subscriber

SUBSCRIBERS = 10_000
SINK_HOST = "127.0.0.1"


def _serve_sink(port: int, count, connects, last, ready) -> None:
    """The sink's process: accept everything, count it, keep nothing."""
    import asyncio
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class Counting(SMTP):
        def connection_made(self, transport):
            with connects.get_lock():
                connects.value += 1
            super().connection_made(transport)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
                last.value = time.time()
            return "250 2.0.0 OK"

    class Sink(Controller):
        def factory(self):
            return Counting(self.handler, hostname="sink")

    controller = Sink(Handler(), hostname=SINK_HOST, port=port, server_hostname="sink")
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()
    asyncio.set_event_loop(None)


@dataclass
class Sink:
    port: int

    def __post_init__(self) -> None:
        connections.close_all()  # the forked sink uses no database
        context = multiprocessing.get_context("fork")
        self.count = context.Value("i", 0)
        self.connects = context.Value("i", 0)
        self.last = context.Value("d", 0.0)
        ready = context.Event()
        self.process = context.Process(
            target=_serve_sink, args=(self.port, self.count, self.connects, self.last, ready)
        )
        self.process.start()
        if not ready.wait(30):
            raise RuntimeError("The SMTP sink did not start.")

    def reset(self) -> None:
        for value in (self.count, self.connects, self.last):
            value.value = 0

    def wait_for(self, messages: int, started: float, timeout: float = 600) -> float:
        """Seconds from ``started`` to the arrival of the ``messages``-th message."""
        deadline = time.monotonic() + timeout
        while self.count.value < messages:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Only {self.count.value} of {messages} messages arrived.")
            time.sleep(0.05)
        return self.last.value - started

    def stop(self) -> None:
        os.kill(self.process.pid, signal.SIGTERM)
        self.process.join(10)


def _send_share(port: int, messages: list[tuple[str, str, str]]) -> None:
    """The reference's sender (a forked process): Django's mass sending, every message
    built first, then all of them over one connection."""
    from django.core.mail import EmailMultiAlternatives, get_connection

    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host=SINK_HOST, port=port, use_tls=False
    )
    built = []
    for to, text, html in messages:
        message = EmailMultiAlternatives("Bench", text, "status@bench.example", [to])
        message.attach_alternative(html, "text/html")
        built.append(message)
    connection.send_messages(built)


BODY = "Bench: work has started. We will post again within the hour."


def run(write, *, subscribers: int = SUBSCRIBERS, broker_url: str = "") -> None:
    """Print the table; ``broker_url``: also run ours with Celery workers on that broker."""
    sink = Sink(load.free_port())
    mail_settings = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": SINK_HOST,
        "EMAIL_PORT": sink.port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
    }
    try:
        with override_settings(**mail_settings):
            window, emails = _prepare(subscribers)
            try:
                _table(write, sink, window, emails, broker_url)
            finally:
                _clean(window)
    finally:
        sink.stop()


def _table(write, sink: Sink, window, emails: list[str], broker_url: str) -> None:
    sample = _sample_message(window)
    write(
        f"\nMail: one update to {len(emails):,} subscribers through an SMTP sink on 127.0.0.1 "
        f"(a notice of {len(sample.body):,} + {len(sample.html):,} characters, text + HTML); "
        f"{connections['default'].vendor}"
    )
    write(f"{'sender':56} {'to last, s':>10} {'msgs/s':>8} {'conns':>6}")
    rows = [
        ("reference: Django send_messages, 1 process", _reference(sink, sample, emails, 1)),
        ("reference: Django send_messages, 2 processes", _reference(sink, sample, emails, 2)),
        ("ours, no broker (one thread)", _ours(sink, window, emails)),
    ]
    if broker_url:
        workers = _ours_with_workers(sink, broker_url, len(emails))
        rows.append(("ours, Redis + 2 Celery worker processes", workers))
    for label, (seconds, connects) in rows:
        write(f"{label:56} {seconds:>10.1f} {len(emails) / seconds:>8.0f} {connects:>6}")
    seconds, peak = _writing(window)
    write(
        f"Writing the {len(emails):,} notices into the outbox (all a staff member's request "
        f"does with a broker): {seconds:.1f} s; Python memory at its peak: {peak / 2**20:.0f} MiB"
    )


def _prepare(subscribers: int) -> tuple[MaintenanceWindow, list[str]]:
    """The demo's window, and ``subscribers`` confirmed subscribers of every service."""
    window = MaintenanceWindow.objects.filter(published_at__isnull=False).order_by("pk").first()
    if window is None:
        raise RuntimeError("The mail benchmark needs the demo content (manage.py load_demo).")
    now = timezone.now()
    emails = [f"reader{n:05}@bench.example" for n in range(subscribers)]
    Subscriber.objects.bulk_create(
        (Subscriber(email=email, confirmed_at=now) for email in emails), batch_size=1000
    )
    return window, emails


def _clean(window) -> None:
    window.updates.filter(body=BODY).delete()  # and their messages
    Subscriber.objects.filter(email__endswith="@bench.example").delete()


@dataclass
class _Sample:
    body: str
    html: str


def _sample_message(window) -> _Sample:
    """A notice as ours are, for the reference to send: the same text and HTML."""
    from statuspage.subscriptions.letters import Notice
    from statuspage.subscriptions.tokens import MANAGE

    notice = Notice(window, subject="Bench", headline="Work has started.")
    text, html = notice.written_for(frozenset())
    link = f"{settings.SITE_URL}/subscriptions/manage/{'x' * 60}/"
    return _Sample(text.replace(MANAGE, link), html.replace(MANAGE, link))


def _reference(sink: Sink, sample: _Sample, emails: list[str], processes: int):
    messages = [(email, sample.body, sample.html) for email in emails]
    share = -(-len(messages) // processes)
    connections.close_all()  # the forked senders use no database
    sink.reset()
    started = time.time()
    fork = multiprocessing.get_context("fork")
    senders = [
        fork.Process(target=_send_share, args=(sink.port, messages[n : n + share]))
        for n in range(0, len(messages), share)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    return sink.wait_for(len(emails), started), sink.connects.value


def _ours(sink: Sink, window, emails: list[str]) -> tuple[float, int]:
    """From the call that publishes the update to the last message at the sink."""
    sink.reset()
    started = time.time()
    services.update_post(event=window, author=None, body=BODY, status=window.status)
    return sink.wait_for(len(emails), started), sink.connects.value


class _Rollback(Exception):
    pass


def _writing(window) -> tuple[float, int]:
    """Seconds to write the notices (one run), and the peak of Python memory (another)."""
    results = []
    for traced in (False, True):
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        try:
            with transaction.atomic():  # rolled back: nothing is sent
                services.update_post(event=window, author=None, body=BODY, status=window.status)
                results.append(time.perf_counter() - started)
                raise _Rollback
        except _Rollback:
            pass
        if traced:
            results.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    return results[0], results[2]


def post_update() -> None:
    """What the row with workers runs in a process of its own, whose settings name the
    broker: print the time, then publish the update (its tasks go to the broker)."""
    window = MaintenanceWindow.objects.filter(published_at__isnull=False).order_by("pk").first()
    print(f"started={time.time()}", flush=True)
    services.update_post(event=window, author=None, body=BODY, status=window.status)


def _ours_with_workers(sink: Sink, broker_url: str, count: int) -> tuple[float, int]:
    """Two Celery worker processes on ``broker_url`` sending to the sink; the update is
    published by a process of its own, as a staff member's request would be."""
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_HOST": SINK_HOST,
        "EMAIL_PORT": str(sink.port),
        "EMAIL_USE_TLS": "false",
    }
    celery = [sys.executable, "-m", "celery", "-A", "statuspage"]
    worker = subprocess.Popen(  # noqa: S603
        [*celery, "worker", "--concurrency", "2", "--without-gossip", "--without-mingle",
         "--loglevel", "error"],
        env=env, cwd=settings.BASE_DIR, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _run(env, [*celery, "inspect", "ping", "--timeout", "1"]).returncode != 0:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError("The Celery workers did not start.")
        sink.reset()
        code = "from statuspage.management import mail_bench; mail_bench.post_update()"
        posted = _run(env, [sys.executable, "manage.py", "shell", "-v", "0", "-c", code])
        started = float(re.search(r"started=([\d.]+)", posted.stdout)[1])
        return sink.wait_for(count, started), sink.connects.value
    finally:
        worker.terminate()
        worker.wait(30)


def _run(env: dict, command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=False
    )
