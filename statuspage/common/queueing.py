"""Tasks started once the transaction commits, and a broker outage that does not undo a request.

Whatever a task will send is written first, in the transaction (an outbox row, a comment
waiting for its mails). Starting the task after the commit is then only a nudge: if the
broker (Redis) cannot be reached, the request still answers as it should, the failure is
logged, and the beat's sweeps send the rows once the broker is back. A view that wants to
tell staff so (“delivery is delayed”) watches the starts of its request with ``watching``.
Without a broker, a task runs on the server's task thread if it has one
(``statuspage.common.background``), else at once, in-process.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

from statuspage.common import background

logger = logging.getLogger(__name__)
# Longer waits are the sweeps' to keep: a task held back longer than the broker's
# visibility timeout would be handed out again (statuspage/settings.py).
LONGEST_COUNTDOWN = 60


@dataclass
class Starts:
    """What ``watching`` saw: the names of the tasks that could not be started."""

    failed: list[str] = field(default_factory=list)


_watched: ContextVar[Starts | None] = ContextVar("statuspage_task_starts", default=None)


@contextmanager
def watching() -> Iterator[Starts]:
    """Collect the tasks started (after commits) inside the block that could not be."""
    starts = Starts()
    token = _watched.set(starts)
    try:
        yield starts
    finally:
        _watched.reset(token)


def start_after_commit(task, *args, countdown: float = 0) -> None:
    """Start ``task(*args)`` once the transaction commits (now, outside one).

    A countdown beyond ``LONGEST_COUNTDOWN`` is left to the sweeps, as is any countdown
    when tasks run in-process (they cannot wait).
    """
    if countdown and (settings.CELERY_TASK_ALWAYS_EAGER or countdown > LONGEST_COUNTDOWN):
        return
    starts = _watched.get()

    def start() -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER and background.running():
            background.submit(task, *args)  # not in this request: on the server's task thread
            return
        try:
            task.apply_async(args=args, countdown=countdown or None)
        except BrokerUnreachable:
            logger.warning("Could not start %s: the broker is unreachable", task.name)
            if starts is not None:
                starts.failed.append(task.name)

    transaction.on_commit(start)
