"""Without a broker, tasks run on one thread of the serving process, never in a request.

Production hands tasks to Celery's workers through Redis. Without ``CELERY_BROKER_URL``
(``make run``, ``make dev``) there is no worker: the development server starts this thread
(``statuspage.devserver``), which runs the tasks started after each commit, one after
another, and every entry of ``CELERY_BEAT_SCHEDULE`` on its schedule, so that the
outbox's sweeps, notices waiting their quiet time, reminders and self-advancing windows
go on as with a worker and beat. A staff member's request only writes the outbox's rows
and answers. Where no thread was started (tests, management commands), tasks still run
in-process, at once.
"""

import logging
import queue
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
_STOP = object()


class _Worker(threading.Thread):
    def __init__(self, *, beat: bool) -> None:
        super().__init__(name="statuspage-tasks", daemon=True)
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.beat = beat

    def run(self) -> None:
        from statuspage.celery import app

        app.loader.import_default_modules()  # every app's tasks, as a worker finds them
        entries = settings.CELERY_BEAT_SCHEDULE.values() if self.beat else []
        beat = {app.tasks[entry["task"]]: float(entry["schedule"]) for entry in entries}
        due = dict.fromkeys(beat, time.monotonic())  # each once at the start, as beat does
        while True:
            for task, every in beat.items():
                if due[task] <= time.monotonic():
                    due[task] = time.monotonic() + every
                    _run(task, ())
            wait = max(min(due.values(), default=time.monotonic() + 60) - time.monotonic(), 0)
            try:
                job = self.tasks.get(timeout=wait)
            except queue.Empty:
                continue
            if job is _STOP:
                connections.close_all()  # this thread's own, which nothing else would close
                return
            _run(*job)


def _run(task, args: tuple) -> None:
    close_old_connections()
    try:
        task.apply(args=args, throw=True)
    except Exception:
        logger.exception("Task %s failed", task.name)
    finally:
        close_old_connections()


_worker: _Worker | None = None
_lock = threading.Lock()


def start(*, beat: bool = True) -> None:
    """Start the thread, unless it runs; ``beat``: with the beat's entries too (off where a
    beat runs elsewhere). A process forked from one with the thread has none: its tasks run
    in-process until it starts its own."""
    global _worker
    # A line per task run, every minute, would bury the server's own log.
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
    with _lock:
        if _worker is None or not _worker.is_alive():
            _worker = _Worker(beat=beat)
            _worker.start()


def running() -> bool:
    return _worker is not None and _worker.is_alive()


def submit(task, *args) -> None:
    """Run ``task(*args)`` on the thread, after what it was given before."""
    if _worker is None:
        raise RuntimeError("No task thread: background.start() first.")
    _worker.tasks.put((task, args))


def stop(timeout: float = 10) -> None:
    """Let the thread finish what it was given, then end it (tests)."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.tasks.put(_STOP)
            _worker.join(timeout)
            _worker = None
