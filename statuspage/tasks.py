"""The status core's tasks. Every task of this app is named ``statuspage.tasks.<name>``,
wherever it lives, so that queued tasks and beat schedules survive moving its code."""

from celery import shared_task

from statuspage import services


@shared_task(name="statuspage.tasks.maintenance_advance_due", ignore_result=True)
def maintenance_advance_due() -> int:
    """Start and complete self-advancing windows whose time has come (beat: every minute)."""
    return len(services.maintenance_advance_due())
