"""The outbox's one machine, for every channel: queue, claim, send, retry, recover.

A message is written in the transaction that calls for it; a task sends it once that
commits. It is claimed (pending → sending) before the channel is called, so a second
delivery of the task does nothing. Temporary failures come back on the channel's
schedule (``Channel.backoff``, or when the channel said); permanent ones are marked
failed with the channel's reason, and a refusal that may mean an earlier try got
through is left for staff to check. A message left "sending" by a worker that died is
sent again, or, for a post, left for staff to check, never posted blindly. On a
threaded channel the posts of one event go in order, each a reply to the one before.
Every minute a sweep sends what is due, so a lost task or a broker outage loses nothing.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from statuspage.common.queueing import start_after_commit
from statuspage.outbox.channels import CHANNELS, channel_of
from statuspage.outbox.channels.base import Channel, PermanentError, TemporaryError
from statuspage.outbox.models import FINISHED_STATES, POST_CHANNELS, Message, MessageState
from statuspage.outbox.signals import message_failed, message_sent

BATCH = 200  # messages sent by one sweep; the next sweep goes on


# --- queueing ------------------------------------------------------------------------------


def message_queue(messages: list[Message]) -> None:
    """Write ``messages`` (one per recipient and topic: a repeat is ignored) and send them
    once the transaction commits."""
    Message.objects.bulk_create(messages, ignore_conflicts=True)
    deliver_after_commit()


def post_queue(*, update) -> list[Message]:
    """Write the posts of a just-published update, one per post channel, and send each
    once the transaction commits. Nothing for an update not to be posted."""
    event = update.event
    if not (update.cross_post and event.hashtag and update.published_at and event.is_published):
        return []
    posts = []
    for name in POST_CHANNELS:
        post, created = Message.objects.get_or_create(
            update=update,
            channel=name,
            subscriber=None,
            webhook=None,
            defaults={"topic": f"update:{update.pk}", "body": CHANNELS[name].compose(update)},
        )
        if created:
            _send_after_commit(post.pk)
        posts.append(post)
    return posts


def deliver_after_commit() -> None:
    from statuspage.outbox.tasks import outbox_deliver

    start_after_commit(outbox_deliver)


def _send_after_commit(pk: int, countdown: float = 0) -> None:
    """Send ``pk`` after the commit; a wait the task cannot do is the sweep's."""
    from statuspage.outbox.tasks import outbox_send

    start_after_commit(outbox_send, pk, countdown=countdown)


# --- sending -------------------------------------------------------------------------------


def deliver_due(*, now: datetime | None = None) -> int:
    """The sweep: recover messages left sending, then send what is due, oldest first.
    Returns how many were sent."""
    now = now or timezone.now()
    for channel in CHANNELS.values():
        stale = Message.objects.filter(
            channel=channel.name,
            state=MessageState.SENDING,
            sending_since__lt=now - channel.stale_after,
        )
        for message in stale.select_related("update"):
            _check_sending(message, channel, now=now)
    due = Message.objects.filter(state=MessageState.PENDING, next_attempt_at__lte=now).order_by(
        "pk"
    )
    return sum(
        send(message_id=pk, now=now) == "sent" for pk in due.values_list("pk", flat=True)[:BATCH]
    )


def send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is due; return what happened, in a word."""
    now = now or timezone.now()
    related = Message.objects.select_related("update", "subscriber", "webhook")
    message = related.filter(pk=message_id).first()
    if message is None or message.state in FINISHED_STATES:
        return "nothing to do"
    channel = channel_of(message)
    if message.state == MessageState.SENDING:
        return _check_sending(message, channel, now=now)
    if message.next_attempt_at > now:
        return "not due"
    if missing := channel.missing_settings():
        _save(
            message,
            state=MessageState.SKIPPED,
            last_error=f"{channel.label} is off: {', '.join(missing)} not set.",
        )
        return "skipped"
    if channel.threaded and _waits(message, now=now):
        return "waiting for an earlier update"
    # A threaded channel learns what it replies to now; e-mail was told when it was queued.
    threading = {"reply_to_id": _reply_to(message)} if channel.threaded else {}
    claimed = Message.objects.filter(pk=message.pk, state=MessageState.PENDING).update(
        state=MessageState.SENDING,
        sending_since=now,
        attempts=F("attempts") + 1,
        **threading,
    )
    if not claimed:
        return "taken by another worker"
    message.refresh_from_db(fields=["state", "sending_since", "attempts", "reply_to_id"])
    if reason := channel.refusal(message):
        _finish(message, channel, MessageState.FAILED, reason)
        return message.state
    return _attempt(message, channel)


def _attempt(message: Message, channel: Channel) -> str:
    try:
        delivered = channel.send(message)
    except TemporaryError as error:
        message_failed.send(sender=Message, message=message, error=error)
        if channel.refusal(message):  # the recipient went meanwhile (a webhook turned off)
            _finish(message, channel, MessageState.FAILED, str(error))
            return message.state
        return _retry_or_fail(message, channel, error)
    except PermanentError as error:
        if error.maybe_sent and message.attempts > 1:
            # An earlier try that timed out reached the channel after all.
            note = f"{error} An earlier try may have posted it."
            _finish(message, channel, MessageState.UNCONFIRMED, note)
        else:
            _finish(message, channel, MessageState.FAILED, str(error))
        message_failed.send(sender=Message, message=message, error=error)
        return message.state
    _finish(
        message,
        channel,
        MessageState.SENT,
        remote_id=delivered.remote_id,
        remote_url=delivered.remote_url,
    )
    message_sent.send(sender=Message, message=message)
    return "sent"


def _retry_or_fail(message: Message, channel: Channel, error: TemporaryError) -> str:
    tries = channel.backoff.attempts
    if tries and message.attempts >= tries:
        _finish(
            message,
            channel,
            MessageState.FAILED,
            f"Gave up after {message.attempts} tries: {error}",
        )
        return message.state
    now = timezone.now()
    due = error.retry_at or now + channel.backoff.delay(message.attempts)
    _save(message, state=MessageState.PENDING, last_error=str(error)[:500], next_attempt_at=due)
    _send_after_commit(message.pk, countdown=max((due - now).total_seconds(), 1))
    return "will retry"


def _check_sending(message: Message, channel: Channel, *, now: datetime) -> str:
    """A message found sending: its worker is at it, or died (sent again, or checked)."""
    if message.sending_since and now - message.sending_since < channel.stale_after:
        return "being sent"
    if channel.resend_when_stale:
        _save(message, state=MessageState.PENDING, next_attempt_at=now)
        return "sent again later"
    note = (
        f"The worker stopped while posting, so {channel.label} may or may not have it. Check "
        "the account, then mark it sent (with its link) or send it again."
    )
    _finish(message, channel, MessageState.UNCONFIRMED, note)
    return "needs checking"


def _finish(message: Message, channel: Channel, state: str, error: str = "", **sent) -> None:
    """End a message's sending; on a threaded channel, the event's next post can go."""
    sent_at = timezone.now() if state == MessageState.SENT else None
    _save(message, state=state, last_error=error[:500], sent_at=sent_at, **sent)
    if channel.threaded:
        _send_next(message)


def _save(message: Message, **changes) -> None:
    for name, value in changes.items():
        setattr(message, name, value)
    message.save(update_fields=[*changes, "updated_at"])


# --- threads of posts ------------------------------------------------------------------------


def _thread(message: Message):
    """The messages of the same channel about the same event, as one thread."""
    update = message.update
    return Message.objects.filter(
        channel=message.channel,
        update__maintenance=update.maintenance_id,
        update__incident=update.incident_id,
    )


def _waits(message: Message, *, now: datetime) -> bool:
    """Whether this post waits for an earlier one of its thread: one not done with, or one
    staff are to check (it is most likely out there: marked sent, this one replies to it),
    for ``POST_CHECK_WAIT_MINUTES`` at most."""
    earlier = _thread(message).filter(pk__lt=message.pk)
    blocking = earlier.exclude(state__in=FINISHED_STATES).order_by("pk").first()
    if blocking:
        # Sent when the earlier one finishes (see _send_next), or by the sweep.
        _save(message, next_attempt_at=max(blocking.next_attempt_at, now))
        return True
    wait = timedelta(minutes=settings.POST_CHECK_WAIT_MINUTES)
    unchecked = earlier.filter(state=MessageState.UNCONFIRMED, updated_at__gt=now - wait)
    if unchecked := unchecked.order_by("-pk").first():
        until = unchecked.updated_at + wait
        label = channel_of(message).label
        note = (
            f"Waiting until {until:%H:%M} UTC for staff to check the post before it on "
            f"{label}: marked sent, this one replies to it; else this one goes on then, "
            "replying to the last post known to be sent."
        )
        _save(message, next_attempt_at=until, last_error=note)
    return unchecked is not None


def _reply_to(message: Message) -> str:
    previous = (
        _thread(message).filter(pk__lt=message.pk, state=MessageState.SENT).order_by("-pk").first()
    )
    return previous.remote_id if previous else ""


def _send_next(message: Message) -> None:
    following = (
        _thread(message).filter(pk__gt=message.pk, state=MessageState.PENDING).order_by("pk")
    )
    if following := following.first():
        _save(following, next_attempt_at=timezone.now())
        _send_after_commit(following.pk)


# --- staff ----------------------------------------------------------------------------------


@transaction.atomic
def message_retry(*, message: Message) -> None:
    """Staff: send a failed, skipped or unconfirmed message again, now (a post with its text
    made again, so that a fixed event title or link is in it)."""
    if message.state not in (MessageState.FAILED, MessageState.SKIPPED, MessageState.UNCONFIRMED):
        raise ValueError(
            f"Only failed, skipped or unchecked posts can be sent again, not {message.state}."
        )
    changes = {"state": MessageState.PENDING, "next_attempt_at": timezone.now()}
    if message.update_id and message.channel in POST_CHANNELS:
        changes["body"] = channel_of(message).compose(message.update)
    _save(message, **changes)
    _send_after_commit(message.pk)


@transaction.atomic
def message_confirm_sent(*, message: Message, url: str) -> None:
    """Staff: the channel has the post after all (found by hand); record its link."""
    channel = channel_of(message)
    remote_id = channel.remote_id_in(url) if channel.remote_id_in else ""
    if message.state != MessageState.UNCONFIRMED or not remote_id:
        raise ValueError(
            f"Give the link of the post on {channel.label}, e.g. {channel.link_example}."
        )
    _finish(message, channel, MessageState.SENT, remote_id=remote_id, remote_url=url)
