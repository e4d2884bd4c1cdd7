"""Publishing's tasks; names pinned, as for every task of this app."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from statuspage.publishing import mirror


@shared_task(name="statuspage.tasks.mirror_refresh", ignore_result=True)
def mirror_refresh() -> int:
    """Rewrite the static mirror in STATIC_MIRROR_DIR after content changed."""
    cache.delete(mirror.QUEUED_KEY)
    return len(mirror.export(Path(settings.STATIC_MIRROR_DIR)))
