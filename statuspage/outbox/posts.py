"""Cross-posting published updates to X: the outbox, its sending, its recovery.

An outbox row is written in the transaction that publishes the update; the
task starts once that commits and gets the row's id. A row is claimed (pending
→ sending) before X is called, so a second delivery of the task does nothing,
and a row found still “sending” after a worker died is never posted blindly:
it waits for staff to check X. Temporary failures come back on this schedule,
or when X's rate-limit reset says: 30 s, 1, 2, 4, 8 min, then every 15 min,
for as long as it takes. The periodic sweep sends rows whose task was lost.
"""

import re
from datetime import datetime, timedelta
from html import unescape

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from statuspage.common.text import render_markdown
from statuspage.models import CrossPost, CrossPostState, StatusUpdate
from statuspage.outbox.channels import x

S = CrossPostState
FINISHED = (S.SENT, S.FAILED, S.SKIPPED, S.UNCONFIRMED)
MAX_DELAY = timedelta(minutes=15)
# Longer than the task's hard time limit: a row “sending” for this long lost its worker.
STALE_SENDING = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
ELLIPSIS = "…"


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 15 minutes."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_DELAY)


_BLOCK_END = re.compile(r"<br\s*/?>|</(p|li|h\d|blockquote|pre|tr|td|th)>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(markdown_text: str) -> str:
    """The update's words without markup: blocks end with a space, inline tags just go."""
    html = _BLOCK_END.sub(" ", render_markdown(markdown_text))
    return " ".join(unescape(_TAG.sub("", html)).split())


def compose(*, event, body: str, status_label: str, custom: str = "") -> str:
    """The post for an update: its words, then a link to the event and its hashtag.

    Custom words are kept as written (the admin refuses them if too long); the
    default summary is cut on a word boundary, with an ellipsis, to fit.
    """
    tail = f"\n\n{settings.SITE_URL}{event.get_absolute_url()} {event.hashtag}".rstrip()
    if custom.strip():
        return custom.strip() + tail
    words = f"{event.title} — {status_label}: {plain_text(body)}".split(" ")
    text = " ".join(words) + tail
    while x.weighted_length(text) > x.LIMIT and len(words) > 1:
        words.pop()
        text = " ".join(words).rstrip(" ,;:—-") + ELLIPSIS + tail
    return text


def compose_for(update: StatusUpdate) -> str:
    return compose(
        event=update.event,
        body=update.body,
        status_label=update.status_label,
        custom=update.x_text,
    )


def crosspost_queue(*, update: StatusUpdate) -> CrossPost | None:
    """Write the outbox row for a just-published update; send it once the write commits."""
    event = update.event
    if not (update.cross_post and event.hashtag and update.published_at and event.is_published):
        return None
    row, created = CrossPost.objects.get_or_create(
        update=update, channel="x", defaults={"text": compose_for(update)}
    )
    if created:
        _enqueue_on_commit(row.pk)
    return row


def _enqueue_on_commit(pk: int, countdown: float = 0) -> None:
    from statuspage.tasks import crosspost_send

    def enqueue() -> None:
        if countdown and settings.CELERY_TASK_ALWAYS_EAGER:
            return  # in-process tasks cannot wait; the sweep sends it when it is due
        crosspost_send.apply_async(args=[pk], countdown=countdown)

    transaction.on_commit(enqueue)


def _event_rows(row: CrossPost):
    update = row.update
    return CrossPost.objects.filter(
        channel=row.channel,
        update__maintenance=update.maintenance_id,
        update__incident=update.incident_id,
    )


def crosspost_send(*, crosspost_id: int) -> str:
    """Send one outbox row to X if it is due; return what happened, in a word."""
    now = timezone.now()
    row = CrossPost.objects.select_related("update").filter(pk=crosspost_id).first()
    if row is None or row.state in FINISHED:
        return "nothing to do"
    if row.state == S.SENDING:
        return _check_sending(row, now=now)
    if row.next_attempt_at > now:
        return "not due"
    if not x.is_configured():
        missing = ", ".join(x.missing_credentials())
        _save(row, state=S.SKIPPED, last_error=f"X is off: {missing} not set.")
        return "skipped"
    earlier = _event_rows(row).filter(pk__lt=row.pk)
    blocking = earlier.exclude(state__in=FINISHED).order_by("pk").first()
    if blocking:
        # Sent when the earlier one finishes (see _send_next), or by the sweep.
        _save(row, next_attempt_at=max(blocking.next_attempt_at, now))
        return "waiting for an earlier update"
    previous = earlier.filter(state=S.SENT).order_by("-pk").first()
    reply_to = previous.remote_id if previous else ""
    claimed = CrossPost.objects.filter(pk=row.pk, state=S.PENDING).update(
        state=S.SENDING, sending_since=now, attempts=F("attempts") + 1, reply_to_id=reply_to
    )
    if not claimed:
        return "taken by another worker"
    row.refresh_from_db()
    return _post(row)


def _post(row: CrossPost) -> str:
    try:
        posted = x.post(row.text, reply_to=row.reply_to_id or None)
    except x.TemporaryError as error:
        due = error.retry_at or timezone.now() + retry_delay(row.attempts)
        _save(row, state=S.PENDING, last_error=str(error)[:500], next_attempt_at=due)
        countdown = max((due - timezone.now()).total_seconds(), 1)
        _enqueue_on_commit(row.pk, countdown=countdown)
        return "will retry"
    except x.PermanentError as error:
        if x.is_duplicate(error) and row.attempts > 1:
            # An earlier attempt that timed out reached X after all.
            _save(
                row,
                state=S.UNCONFIRMED,
                last_error=f"{error} An earlier try may have posted it."[:500],
            )
        else:
            _save(row, state=S.FAILED, last_error=str(error)[:500])
        _send_next(row)
        return row.state
    _save(
        row,
        state=S.SENT,
        remote_id=posted.id,
        remote_url=posted.url,
        sent_at=timezone.now(),
        last_error="",
    )
    _send_next(row)
    return "sent"


def _send_next(row: CrossPost) -> None:
    """The event's next waiting row can go now that this one is done with."""
    following = _event_rows(row).filter(pk__gt=row.pk, state=S.PENDING).order_by("pk").first()
    if following:
        _save(following, next_attempt_at=timezone.now())
        _enqueue_on_commit(following.pk)


def _check_sending(row: CrossPost, *, now: datetime) -> str:
    if row.sending_since and now - row.sending_since < STALE_SENDING:
        return "being sent"
    _save(
        row,
        state=S.UNCONFIRMED,
        last_error=(
            "The worker stopped while posting, so X may or may not have it. Check the "
            "account, then mark it sent (with its link) or send it again."
        ),
    )
    _send_next(row)
    return "needs checking"


def _save(row: CrossPost, **changes) -> None:
    for name, value in changes.items():
        setattr(row, name, value)
    row.save(update_fields=[*changes, "updated_at"])


def crosspost_sweep(*, now: datetime | None = None) -> list[int]:
    """Queue rows whose task was lost: pending and due, or stuck sending. Returns their ids."""
    now = now or timezone.now()
    due = CrossPost.objects.filter(
        Q(state=S.PENDING, next_attempt_at__lte=now)
        | Q(state=S.SENDING, sending_since__lt=now - STALE_SENDING)
    ).order_by("pk")
    ids = list(due.values_list("pk", flat=True))
    for pk in ids:
        _enqueue_on_commit(pk)
    return ids


@transaction.atomic
def crosspost_retry(*, row: CrossPost) -> None:
    """Staff: send a failed, skipped or unconfirmed row again, now."""
    if row.state not in (S.FAILED, S.SKIPPED, S.UNCONFIRMED):
        raise ValueError(
            f"Only failed, skipped or unchecked posts can be sent again, not {row.state}."
        )
    _save(row, state=S.PENDING, next_attempt_at=timezone.now(), text=compose_for(row.update))
    _enqueue_on_commit(row.pk)


@transaction.atomic
def crosspost_confirm_sent(*, row: CrossPost, url: str) -> None:
    """Staff: X has the post after all (found by hand); record its link."""
    match = re.search(r"/status/(\d+)", url)
    if row.state != S.UNCONFIRMED or not match:
        raise ValueError("Give the link of the post on X, e.g. https://x.com/acme/status/123.")
    _save(row, state=S.SENT, remote_id=match[1], remote_url=url, sent_at=timezone.now())
    _send_next(row)
