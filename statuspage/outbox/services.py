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
Notices go in batches: the sweep claims ``BATCH`` at a time and hands each batch to a
task, which sends it over one connection; with a broker, the workers send the batches side
by side, and the sweep leaves nothing due behind.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from statuspage.common.queueing import start_after_commit
from statuspage.outbox.channels import CHANNELS, channel_of
from statuspage.outbox.channels.base import Channel, PermanentError, TemporaryError
from statuspage.outbox.models import (
    FINISHED_STATES,
    NOTICE_CHANNELS,
    POST_CHANNELS,
    Message,
    MessageState,
)
from statuspage.outbox.signals import message_failed, message_sent

logger = logging.getLogger(__name__)
BATCH = 100  # notices one task sends, over one connection to the mail relay
POSTS_PER_SWEEP = 50  # posts go one by one, in order; the next sweep goes on


# --- queueing ------------------------------------------------------------------------------


def message_queue(messages: list[Message]) -> None:
    """Write ``messages`` (one per recipient and topic: a repeat is ignored) and send them
    once the transaction commits."""
    Message.objects.bulk_create(messages, ignore_conflicts=True, batch_size=500)
    deliver_after_commit()


def post_queue(*, update) -> list[Message]:
    """Write the posts of a just-published update, one per post channel that is on (or
    keeps its posts when off), and send each once the transaction commits. Nothing for an
    update not to be posted."""
    event = update.event
    if not (update.cross_post and event.hashtag and update.published_at and event.is_published):
        return []
    posts = []
    for name in POST_CHANNELS:
        channel = CHANNELS[name]
        if channel.missing_settings() and not channel.posts_kept_when_off:
            continue
        post, created = Message.objects.get_or_create(
            update=update,
            channel=name,
            subscriber=None,
            webhook=None,
            defaults={"topic": f"update:{update.pk}", "body": channel.compose(update)},
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
    """The sweep: recover messages left sending, then send what is due, oldest first: posts
    one by one, notices in batches, each batch by a task of its own. Returns how many
    messages were handed out."""
    now = now or timezone.now()
    for channel in CHANNELS.values():
        stale = Message.objects.filter(
            channel=channel.name,
            state=MessageState.SENDING,
            sending_since__lt=now - channel.stale_after,
        )
        for message in stale.select_related("update"):
            _check_sending(message, channel, now=now)
    due = Message.objects.filter(state=MessageState.PENDING, next_attempt_at__lte=now)
    posts = due.filter(channel__in=POST_CHANNELS).order_by("pk").values_list("pk", flat=True)
    handed_out = 0
    for pk in posts[:POSTS_PER_SWEEP]:
        send(message_id=pk, now=now)
        handed_out += 1
    notices = due.exclude(channel__in=POST_CHANNELS).order_by("pk")
    for name in NOTICE_CHANNELS:
        pks = list(notices.filter(channel=name).values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            handed_out += _hand_out(pks[start : start + BATCH], now=now)
    return handed_out


def _hand_out(pks: list[int], *, now: datetime) -> int:
    """Claim the due ones of ``pks`` and start the task that sends them. If the broker
    cannot be reached, the claim is given back: the next sweep tries again."""
    from statuspage.outbox.tasks import outbox_send_batch

    claimed = Message.objects.filter(
        pk__in=pks, state=MessageState.PENDING, next_attempt_at__lte=now
    ).update(state=MessageState.SENDING, sending_since=now, attempts=F("attempts") + 1)
    if not claimed:
        return 0
    try:
        outbox_send_batch.delay(pks, now.isoformat())
    except BrokerUnreachable:
        logger.warning("Could not start a batch of %s notices: the broker is unreachable", claimed)
        Message.objects.filter(pk__in=pks, state=MessageState.SENDING, sending_since=now).update(
            state=MessageState.PENDING, attempts=F("attempts") - 1
        )
        return 0
    return claimed


def send_batch(*, message_ids: list[int], claimed_at: datetime) -> int:
    """Send the notices of ``message_ids`` a sweep claimed at ``claimed_at`` over one
    connection, all of one channel. One claimed again since (by a sweep that found this
    batch stale) is the later batch's. Returns how many were sent."""
    batch = Message.objects.select_related("update", "subscriber", "webhook").filter(
        pk__in=message_ids, state=MessageState.SENDING, sending_since=claimed_at
    )
    messages = list(batch.order_by("pk"))
    if not messages:
        return 0
    channel = channel_of(messages[0])
    sent = 0
    with channel.connection() as connection:
        for message in messages:
            if missing := channel.missing_settings():
                off = f"{channel.label} is off: {', '.join(missing)} not set."
                _finish(message, channel, MessageState.SKIPPED, off)
            elif reason := channel.refusal(message):
                _finish(message, channel, MessageState.FAILED, reason)
            else:
                sent += _attempt(message, channel, connection) == "sent"
    return sent


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
    with channel.connection() as connection:
        return _attempt(message, channel, connection)


def _attempt(message: Message, channel: Channel, connection) -> str:
    try:
        delivered = channel.send(message, connection)
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
    if message.channel in POST_CHANNELS:
        _send_after_commit(message.pk, countdown=max((due - now).total_seconds(), 1))
    # A notice waits for a sweep, which sends it with the others due then, in batches.
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
    if message.channel in POST_CHANNELS:
        message.save(update_fields=[*changes, "updated_at"])  # a sent post is on /social/
    else:
        # A notice is never shown to readers: one UPDATE, without the content version's
        # signals (which would read the row back first), at 10,000 a fan-out.
        message.updated_at = timezone.now()
        Message.objects.filter(pk=message.pk).update(**changes, updated_at=message.updated_at)


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
