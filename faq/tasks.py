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
