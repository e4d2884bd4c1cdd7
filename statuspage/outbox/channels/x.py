"""The one place that talks to X, through tweepy (OAuth 1.0a user context).

Everything else asks this module to ``post`` and gets back the new post's id,
or a ``TemporaryError`` (try again later: rate limit, X's 5xx, timeouts,
connection trouble) or a ``PermanentError`` (fix something first: credentials,
permissions, duplicate or invalid content). tweepy's own rate-limit sleeping is
off: a worker must never sleep for fifteen minutes inside a task.

``X_API_BASE_URL`` (empty: X itself) sends the requests for X's API elsewhere,
e.g. to a fake X on loopback in the production smoke test. tweepy's host is
fixed in its code, so the URL is rewritten on the way into its session.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import requests
import tweepy
from django.conf import settings
from twitter_text import parse_tweet

LIMIT = 280
CREDENTIALS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")
# X's API took this long at worst in its own status reports; longer means trouble.
TIMEOUT_SECONDS = 20
API_ROOT = "https://api.twitter.com/"  # where tweepy sends every API request


class TemporaryError(Exception):
    """X could not take the post now; ``retry_at`` says when it wants us back, if it said."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class PermanentError(Exception):
    """X refused the post; sending it again unchanged would fail again."""


@dataclass(frozen=True)
class Post:
    id: str
    url: str


def weighted_length(text: str) -> int:
    """X's count: links are 23, emoji and CJK characters 2, most others 1."""
    return parse_tweet(text).weightedLength


def missing_credentials() -> list[str]:
    return [name for name in CREDENTIALS if not getattr(settings, name, "")]


def is_configured() -> bool:
    return not missing_credentials()


def post_url(post_id: str) -> str:
    account = settings.X_ACCOUNT or "i/web"
    return f"https://x.com/{account}/status/{post_id}"


def hashtag_url(hashtag: str) -> str:
    return f"https://x.com/hashtag/{hashtag.lstrip('#')}?f=live"


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


def post(text: str, *, reply_to: str | None = None) -> Post:
    """Publish ``text`` on X, as a reply to post ``reply_to`` if given."""
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
        raise PermanentError(f"X refused it ({error.response.status_code}): {detail}") from error
    post_id = str(response.data["id"])
    return Post(id=post_id, url=post_url(post_id))


def is_duplicate(error: PermanentError) -> bool:
    """X refused a post because it has one with the same text."""
    return "duplicate" in str(error).lower()


def _reset_time(response) -> datetime | None:
    reset = response.headers.get("x-rate-limit-reset")
    return datetime.fromtimestamp(int(reset), tz=UTC) if reset and reset.isdigit() else None
