"""X: progress posts of updates, one thread per event. The only module that uses tweepy.

A post is the update's words (or staff's own for X), a link to the event and its hashtag,
at most X's 280 weighted characters. tweepy (OAuth 1.0a user context) posts it; its own
rate-limit sleeping is off, as a worker must never sleep for fifteen minutes inside a
task: a 429 is a ``TemporaryError`` at X's reset time. ``X_API_BASE_URL`` (empty: X
itself) sends the requests elsewhere, e.g. to a fake X on loopback in the smoke test;
tweepy's host is fixed in its code, so the address is rewritten on the way into its session.
"""

import re
from datetime import UTC, datetime, timedelta

import requests
import tweepy
from django.conf import settings
from twitter_text import parse_tweet

from statuspage.outbox.channels import posts
from statuspage.outbox.channels.base import (
    Backoff,
    Channel,
    Delivered,
    PermanentError,
    TemporaryError,
)
from statuspage.outbox.models import ChannelName

LIMIT = 280
CREDENTIALS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
# X's API took this long at worst in its own status reports; longer means trouble.
TIMEOUT_SECONDS = 20
API_ROOT = "https://api.twitter.com/"  # where tweepy sends every API request


def weighted_length(text: str) -> int:
    """X's count: links are 23, emoji and CJK characters 2, most others 1."""
    return parse_tweet(text).weightedLength


def post_url(post_id: str) -> str:
    account = settings.X_ACCOUNT or "i/web"
    return f"https://x.com/{account}/status/{post_id}"


def hashtag_url(hashtag: str) -> str:
    return f"https://x.com/hashtag/{hashtag.lstrip('#')}?f=live"


def post_id_in(url: str) -> str:
    """The id in a post's address (https://x.com/acme/status/123), or ""."""
    match = re.search(r"/status/(\d+)", url)
    return match[1] if match else ""


# --- what is posted ------------------------------------------------------------------------


def compose(*, event, body: str, status_label: str, custom: str = "") -> str:
    """The post for an update: its words, then a link to the event and its hashtag.

    Custom words are kept as written (the update form refuses them if too long); the
    default summary is cut as on every network (``posts.fit``), to X's count.
    """
    tail = posts.tail_of(event)
    if custom.strip():
        return custom.strip() + tail
    words = posts.words_of(event=event, body=body, status_label=status_label)
    return posts.fit(words, tail, measure=weighted_length, limit=LIMIT)


def compose_for(update) -> str:
    return compose(
        event=update.event,
        body=update.body,
        status_label=update.status_label,
        custom=update.x_text,
    )


# --- how it is posted ----------------------------------------------------------------------


def _client() -> tweepy.Client:
    client = tweepy.Client(
        consumer_key=settings.X_CONSUMER_KEY,
        consumer_secret=settings.X_CONSUMER_SECRET,
        access_token=settings.X_ACCESS_TOKEN,
        access_token_secret=settings.X_ACCESS_TOKEN_SECRET,
        wait_on_rate_limit=False,
    )
    client.session.request = _bounded(client.session.request, base_url=settings.X_API_BASE_URL)
    return client


def _bounded(request, *, base_url: str):
    """``session.request`` with a timeout, and X's API at ``base_url`` if one is given."""

    def bounded(method, url, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        if base_url and url.startswith(API_ROOT):
            url = base_url.rstrip("/") + "/" + url.removeprefix(API_ROOT)
        return request(method, url, *args, **kwargs)

    return bounded


def post(text: str, *, reply_to: str | None = None) -> Delivered:
    """Publish ``text`` on X, as a reply to post ``reply_to`` if given.

    Raises TemporaryError (rate limit, X's 5xx, timeouts, connection trouble) or
    PermanentError (credentials, permissions, duplicate or invalid content).
    """
    try:
        response = _client().create_tweet(text=text, in_reply_to_tweet_id=reply_to)
    except tweepy.TooManyRequests as error:
        raise TemporaryError("X rate limit reached", _reset_time(error.response)) from error
    except tweepy.TwitterServerError as error:
        raise TemporaryError(f"X answered {error.response.status_code}") from error
    except (requests.Timeout, requests.ConnectionError) as error:
        raise TemporaryError(f"X could not be reached: {type(error).__name__}") from error
    except tweepy.HTTPException as error:
        detail = "; ".join(error.api_messages) or error.response.reason
        message = f"X refused it ({error.response.status_code}): {detail}"
        # X refuses a post with the text of one it has: an earlier try that timed out.
        raise PermanentError(message, maybe_sent="duplicate" in detail.lower()) from error
    post_id = str(response.data["id"])
    return Delivered(remote_id=post_id, remote_url=post_url(post_id))


def _reset_time(response) -> datetime | None:
    reset = response.headers.get("x-rate-limit-reset")
    return datetime.fromtimestamp(int(reset), tz=UTC) if reset and reset.isdigit() else None


def _send(message, connection=None) -> Delivered:
    return post(message.body, reply_to=message.reply_to_id or None)


CHANNEL = Channel(
    name=ChannelName.X,
    label="X",
    send=_send,
    # 30 s, 1, 2, 4, 8 minutes, then every 15 minutes, for as long as it takes.
    backoff=Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=15)),
    # Longer than the task's hard time limit: a post "sending" this long lost its worker.
    stale_after=timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30),
    resend_when_stale=False,
    threaded=True,
    required_settings=CREDENTIALS,
    posts_kept_when_off=True,
    compose=compose_for,
    measure=weighted_length,
    limit=LIMIT,
    remote_id_in=post_id_in,
    link_example="https://x.com/acme/status/123",
)
