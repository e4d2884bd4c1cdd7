"""Subscriptions' tasks; names pinned, as for every task of this app."""

from celery import shared_task

from statuspage.subscriptions import notices


@shared_task(name="statuspage.tasks.maintenance_reminders", ignore_result=True)
def maintenance_reminders() -> int:
    """Remind subscribers of windows that start soon (beat: every five minutes)."""
    return notices.maintenance_reminders()
