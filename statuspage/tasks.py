from celery import shared_task

from statuspage import services


@shared_task(ignore_result=True)
def maintenance_advance_due() -> int:
    """Start and complete self-advancing windows whose time has come (beat: every minute)."""
    return len(services.maintenance_advance_due())
