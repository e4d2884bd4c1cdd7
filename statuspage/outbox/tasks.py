"""The outbox's tasks: thin, ids only; names pinned, so that messages queued before a
release and the beat schedules of running installs keep reaching them."""

from datetime import datetime

from celery import shared_task

from statuspage.outbox import services


@shared_task(name="statuspage.tasks.crosspost_send", ignore_result=True)
def outbox_send(message_id: int) -> str:
    """Send one message if it is due; safe to run twice (it is claimed first).

    Named for the cross-posts it first sent: tasks queued then still run.
    """
    return services.send(message_id=message_id)


# A hundred messages to a slow relay take longer than one task's 30 s; still well under the
# broker's visibility timeout, and the notices' 5 minutes before a sweep takes them back.
@shared_task(
    name="statuspage.tasks.outbox_send_batch",
    ignore_result=True,
    soft_time_limit=90,
    time_limit=110,
)
def outbox_send_batch(message_ids: list[int], claimed_at: str) -> int:
    """Send a batch of notices a sweep claimed, over one connection (safe to run twice:
    only messages still claimed by that sweep are sent)."""
    return services.send_batch(
        message_ids=message_ids, claimed_at=datetime.fromisoformat(claimed_at)
    )


@shared_task(name="statuspage.tasks.notifications_deliver", ignore_result=True)
def outbox_deliver() -> int:
    """Send every due message and recover those a dead worker left (after each commit that
    queued some, and every minute)."""
    return services.deliver_due()


@shared_task(name="statuspage.tasks.crosspost_sweep", ignore_result=True)
def outbox_sweep() -> int:
    """The same as outbox_deliver, under the name beat schedules of earlier releases use."""
    return services.deliver_due()
