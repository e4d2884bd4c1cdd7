"""The comment threads' tasks: thin, ids only, names pinned."""

from celery import shared_task

from faq import notifications


@shared_task(
    name="faq.tasks.comment_notify",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def comment_notify(comment_id: int) -> None:
    """E-mail staff about a new comment, and the customer about an official reply.

    SMTP trouble (OSError) is retried with back-off: 30 s, 60 s, ... up to 10 min.
    """
    notifications.comment_notify(comment_id=comment_id)


@shared_task(name="faq.tasks.comments_notify_due", ignore_result=True)
def comments_notify_due() -> int:
    """Send the mails of comments whose task was lost (beat: every minute)."""
    waiting = notifications.comments_not_notified()
    for comment_id in waiting:
        comment_notify.delay(comment_id)
    return len(waiting)
