"""Mastodon: progress posts of updates, one thread per event. The only module that uses
Mastodon.py.

A status is the update's words, a link to the event and its hashtag, at most Mastodon's 500
characters as Mastodon counts them (graphemes, every link 23: Mastodon.py's own count).
Mastodon.py's rate-limit waiting is off ("throw"): a worker never sleeps in a task, and a
429 is a ``TemporaryError`` at the server's ``X-RateLimit-Reset``. Each send carries an
``Idempotency-Key`` made from the outbox row, so a try repeated after a timeout, or sent
again by staff, gives back the status the server already has (for an hour) instead of a
second one.
"""

import hashlib
import re
from datetime import UTC, datetime, timedelta

from django.conf import settings
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
)

from statuspage.outbox.channels import posts
from statuspage.outbox.channels.base import (
    Backoff,
    Channel,
    Delivered,
    PermanentError,
    TemporaryError,
)
from statuspage.outbox.models import ChannelName

LIMIT = 500
CREDENTIALS = ("MASTODON_BASE_URL", "MASTODON_ACCESS_TOKEN")
# As X's: a server slower than this is in trouble, and the worker must not hang on it.
TIMEOUT_SECONDS = 20


def status_length(text: str) -> int:
    """Mastodon's count: graphemes, every link 23, a mention its local part."""
    return Mastodon.get_status_length(text)


def profile_url() -> str:
    """The account's page, for the "Follow" link ("" without ``MASTODON_ACCOUNT``)."""
    account = settings.MASTODON_ACCOUNT.lstrip("@").split("@")[0]
    return f"{settings.MASTODON_BASE_URL}/@{account}" if account else ""


def post_id_in(url: str) -> str:
    """The id in a status's address (https://mastodon.example/@acme/1234), or ""."""
    match = re.search(r"/(\d+)/?$", url)
    return match[1] if match else ""


def idempotency_key(message) -> str:
    """The same for every try of one outbox row of this site, and for nothing else."""
    return hashlib.sha256(f"{settings.SITE_URL} message {message.pk}".encode()).hexdigest()


# --- what is posted ------------------------------------------------------------------------


def compose(*, event, body: str, status_label: str, custom: str = "") -> str:
    """The status for an update: its words or staff's own (cut to fit), a link to the
    event, its hashtag."""
    words = posts.words_of(event=event, body=body, status_label=status_label, custom=custom)
    return posts.fit(words, posts.tail_of(event), measure=status_length, limit=LIMIT)


def compose_for(update) -> str:
    return compose(
        event=update.event,
        body=update.body,
        status_label=update.status_label,
        custom=update.x_text,
    )


# --- how it is posted ----------------------------------------------------------------------


def _client() -> Mastodon:
    return Mastodon(
        access_token=settings.MASTODON_ACCESS_TOKEN,
        api_base_url=settings.MASTODON_BASE_URL,
        ratelimit_method="throw",
        request_timeout=TIMEOUT_SECONDS,
        version_check_mode="none",
    )


def post(text: str, *, key: str, reply_to: str | None = None) -> Delivered:
    """Publish ``text`` as a status, as a reply to status ``reply_to`` if given; ``key`` is
    the idempotency key.

    Raises TemporaryError (rate limit, the server's 5xx, timeouts, connection trouble) or
    PermanentError (token, permissions, invalid content: 401, 403, 422 ...).
    """
    client = _client()
    try:
        status = client.status_post(
            text,
            in_reply_to_id=reply_to,
            visibility=settings.MASTODON_VISIBILITY,
            idempotency_key=key,
        )
    except MastodonRatelimitError as error:
        raise TemporaryError("Mastodon rate limit reached", _reset_time(client)) from error
    except MastodonServerError as error:
        raise TemporaryError(f"Mastodon answered {_status_of(error)}") from error
    except MastodonNetworkError as error:
        raise TemporaryError("Mastodon could not be reached: timeout or connection") from error
    except MastodonAPIError as error:
        reason = f"Mastodon refused it ({_status_of(error)}): {_reason_of(error)}"
        raise PermanentError(reason) from error
    status_id = str(status["id"])
    return Delivered(remote_id=status_id, remote_url=status.get("url") or status["uri"])


def _status_of(error: MastodonAPIError):
    # Mastodon.py's errors carry (message, status code, reason, the server's own words).
    return error.args[1] if len(error.args) > 1 else "an error"


def _reason_of(error: MastodonAPIError) -> str:
    args = [*error.args, "", "", ""]
    return str(args[3] or args[2] or args[0])


def _reset_time(client: Mastodon) -> datetime | None:
    # Mastodon.py reads X-RateLimit-Reset (set to this machine's clock) even when it throws.
    reset = client.ratelimit_reset
    return datetime.fromtimestamp(reset, tz=UTC) if reset else None


def _send(message, connection=None) -> Delivered:
    return post(message.body, key=idempotency_key(message), reply_to=message.reply_to_id or None)


CHANNEL = Channel(
    name=ChannelName.MASTODON,
    label="Mastodon",
    send=_send,
    # As X's: 30 s, 1, 2, 4, 8 minutes, then every 15 minutes, for as long as it takes.
    backoff=Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=15)),
    stale_after=timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30),
    # The idempotency key lasts an hour only: a post that lost its worker is for staff.
    resend_when_stale=False,
    threaded=True,
    required_settings=CREDENTIALS,
    compose=compose_for,
    profile_url=profile_url,
    measure=status_length,
    limit=LIMIT,
    remote_id_in=post_id_in,
    link_example="https://mastodon.social/@acme/113456789012345678",
)
