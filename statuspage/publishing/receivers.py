"""Publishing's listeners: the static mirror is rewritten after what readers see changed."""

from django.conf import settings
from django.core.cache import cache

from statuspage.caching.version import public_content_changed
from statuspage.publishing.mirror import QUEUED_KEY
from statuspage.publishing.tasks import mirror_refresh


def _refresh_soon(sender, **kwargs) -> None:
    """After a committed change of what readers see: rewrite the mirror, soon."""
    if not settings.STATIC_MIRROR_DIR:
        return
    # Transactions close together make one refresh when a worker does it.
    if settings.CELERY_TASK_ALWAYS_EAGER or cache.add(QUEUED_KEY, 1, 30):
        mirror_refresh.apply_async(countdown=0 if settings.CELERY_TASK_ALWAYS_EAGER else 5)


def connect_signals() -> None:
    public_content_changed.connect(_refresh_soon, dispatch_uid="mirror-refresh")
