from pathlib import Path

from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings
from django.core.cache import cache

from statuspage import services
from statuspage.outbox import posts as crossposting
from statuspage.publishing import mirror
from statuspage.security import ratelimit
from statuspage.subscriptions import services as subscriptions


@shared_task(ignore_result=True)
def maintenance_advance_due() -> int:
    """Start and complete self-advancing windows whose time has come (beat: every minute)."""
    return len(services.maintenance_advance_due())


@shared_task(ignore_result=True)
def crosspost_send(crosspost_id: int) -> str:
    """Send one cross-post outbox row; safe to run twice (the row is claimed first)."""
    return crossposting.crosspost_send(crosspost_id=crosspost_id)


@shared_task(ignore_result=True)
def crosspost_sweep() -> int:
    """Re-queue cross-posts whose task was lost (beat: every minute)."""
    return len(crossposting.crosspost_sweep())


@shared_task(ignore_result=True)
def notifications_deliver() -> int:
    """Send due subscriber e-mails and webhooks (after each commit, and every minute)."""
    return subscriptions.deliver_due()


@shared_task(ignore_result=True)
def maintenance_reminders() -> int:
    """Remind subscribers of windows that start soon (beat: every five minutes)."""
    return subscriptions.maintenance_reminders()


@shared_task(ignore_result=True)
def mirror_refresh() -> int:
    """Rewrite the static mirror in STATIC_MIRROR_DIR after content changed."""
    cache.delete("mirror-refresh-queued")
    return len(mirror.export(Path(settings.STATIC_MIRROR_DIR)))


@shared_task(ignore_result=True)
def sign_in_logs_prune() -> int:
    """Delete sign-in records older than SIGN_IN_LOG_DAYS (beat: daily)."""
    return AxesProxyHandler.reset_logs(age_days=settings.SIGN_IN_LOG_DAYS)


@shared_task(ignore_result=True)
def rate_limits_prune() -> int:
    """Delete counted attempts older than any rate limit looks back (beat: hourly)."""
    return ratelimit.prune()
