"""Work to do once a transaction commits, once however many of its writes ask for it."""

from collections.abc import Callable

from django.db import transaction


class _Once:
    def __init__(self, function: Callable[[], None]) -> None:
        self.function = function
        self.done = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            self.function()


def once_after_commit(function: Callable[[], None]) -> None:
    """Call ``function`` once the current transaction commits (at once in autocommit):
    once, however many rows of it ask (an admin save writes dozens)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        transaction.on_commit(function)  # autocommit: the row is stored already
        return
    pending = [
        (set(sids), call)
        for sids, call, _robust in connection.run_on_commit
        if isinstance(call, _Once) and call.function is function and not call.done
    ]
    block = set(connection.savepoint_ids)
    if any(sids == block for sids, _call in pending):
        return  # registered in this very block: it runs, or goes, with this change
    # Django keeps callbacks with the savepoints they were registered in, and drops them if
    # one rolls back. In another block (a service's status set inside an update), the same
    # call is registered again: whichever copy survives runs it, once.
    transaction.on_commit(pending[0][1] if pending else _Once(function))
