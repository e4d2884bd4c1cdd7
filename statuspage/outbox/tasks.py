"""The outbox's tasks: thin, ids only; names pinned, so that messages queued before a
release and the beat schedules of running installs keep reaching them."""

from celery import shared_task

from statuspage.outbox import services


@shared_task(name="statuspage.tasks.crosspost_send", ignore_result=True)
def outbox_send(message_id: int) -> str:
    """Send one message if it is due; safe to run twice (it is claimed first).

    Named for the cross-posts it first sent: tasks queued then still run.
    """
    return services.send(message_id=message_id)


@shared_task(name="statuspage.tasks.notifications_deliver", ignore_result=True)
def outbox_deliver() -> int:
    """Send every due message and recover those a dead worker left (after each commit that
    queued some, and every minute)."""
    return services.deliver_due()


@shared_task(name="statuspage.tasks.crosspost_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """The same as outbox_deliver, under the name beat schedules of earlier releases use."""
    return services.deliver_due()
