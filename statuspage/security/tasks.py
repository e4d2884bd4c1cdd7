"""Security's housekeeping; names pinned, as for every task of this app."""

from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings

from statuspage.security import ratelimit


@shared_task(name="statuspage.tasks.sign_in_logs_prune", ignore_result=True)
def sign_in_logs_prune() -> int:
    """Delete sign-in records older than SIGN_IN_LOG_DAYS (beat: daily)."""
    return AxesProxyHandler.reset_logs(age_days=settings.SIGN_IN_LOG_DAYS)


@shared_task(name="statuspage.tasks.rate_limits_prune", ignore_result=True)
def rate_limits_prune() -> int:
    """Delete counted attempts older than any rate limit looks back (beat: hourly)."""
    return ratelimit.prune()
