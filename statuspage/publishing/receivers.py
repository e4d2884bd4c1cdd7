"""Publishing's listeners: the static mirror is rewritten after what readers see changed."""

from django.conf import settings

from statuspage.caching import store
from statuspage.caching.version import public_content_changed
from statuspage.common.queueing import start_after_commit
from statuspage.publishing.mirror import QUEUED_KEY
from statuspage.publishing.tasks import mirror_refresh


def _refresh_soon(sender, **kwargs) -> None:
    """After a committed change of what readers see: rewrite the mirror, soon."""
    if not settings.STATIC_MIRROR_DIR:
        return
    # Transactions close together make one refresh when a worker does it; without the
    # cache (Redis down) each asks for its own.
    if settings.CELERY_TASK_ALWAYS_EAGER:
        start_after_commit(mirror_refresh)
    elif store.call("add", QUEUED_KEY, 1, 30, default=True):
        start_after_commit(mirror_refresh, countdown=5)


def connect_signals() -> None:
    public_content_changed.connect(_refresh_soon, dispatch_uid="mirror-refresh")
