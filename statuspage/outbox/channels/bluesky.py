"""Bluesky: progress posts of updates, one thread per event. The only module that uses the
atproto SDK.

A post is the update's words, a link to the event and its hashtag, at most 300 graphemes;
the link and the hashtag are rich-text facets (UTF-8 byte ranges, the SDK's TextBuilder) so
that they are clickable, and the event's page is a link card. Each reply names its thread's
root and its parent (AT URI and CID). The session is created once and kept in the cache
(``SESSION_KEY``); the SDK refreshes it before its access token runs out, and a token the
server calls expired is refreshed (or, if that fails too, the session created again). A
post's record key is made from its outbox row, so a try repeated after a timeout can never
make a second post: the server refuses the key, and the first one is found under it.
"""

from datetime import timedelta

import grapheme
from atproto import Client, Session, SessionEvent, client_utils, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.request import Request
from django.conf import settings
from django.core.cache import cache

from statuspage.common.links import absolute
from statuspage.common.text import plain_text
from statuspage.outbox.channels import posts
from statuspage.outbox.channels.base import (
    Backoff,
    Channel,
    Delivered,
    PermanentError,
    TemporaryError,
)
from statuspage.outbox.models import ChannelName

LIMIT = 300
# A post's text is also at most 3,000 bytes of UTF-8 (the lexicon's maxLength): 300 family
# emoji, 18 bytes each, would pass the grapheme count and still be refused.
MAX_BYTES = 3000
CARD_DESCRIPTION_LIMIT = 300
CREDENTIALS = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD")
TIMEOUT_SECONDS = 20  # as X's and Mastodon's
SESSION_KEY = "outbox:bluesky:session"
COLLECTION = "app.bsky.feed.post"
# The server's words for an access token it no longer takes.
TOKEN_REFUSED = ("ExpiredToken", "InvalidToken")
_BASE32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def profile_url() -> str:
    return f"https://bsky.app/profile/{settings.BLUESKY_HANDLE}"


def post_url(uri: str) -> str:
    """The address of the post ``at://…/app.bsky.feed.post/<key>`` on bsky.app."""
    return f"{profile_url()}/post/{uri.rsplit('/', 1)[-1]}"


def post_uri_in(url: str) -> str:
    """The AT URI of a post's address (https://bsky.app/profile/acme.com/post/3l…), or ""."""
    parts = url.rstrip("/").split("/")
    if len(parts) >= 7 and parts[2] == "bsky.app" and parts[3] == "profile" and parts[5] == "post":
        return f"at://{parts[4]}/{COLLECTION}/{parts[6]}"
    return ""


def record_key(message) -> str:
    """The post's record key: a TID (microseconds, then a 10-bit clock id) made from when the
    outbox row was written and its id, the same for every try of that row."""
    micros = int(message.created_at.timestamp() * 1_000_000)
    value = (micros << 10) | (message.pk % 1024)
    return "".join(_BASE32_SORTABLE[(value >> shift) & 31] for shift in range(60, -1, -5))


# --- what is posted ------------------------------------------------------------------------


def compose(*, event, body: str, status_label: str, custom: str = "") -> str:
    """The post for an update: its words or staff's own (cut to fit 300 graphemes), the
    link, the hashtag."""
    words = posts.words_of(event=event, body=body, status_label=status_label, custom=custom)
    return posts.fit(words, posts.tail_of(event), measure=_fitting_length, limit=LIMIT)


def _fitting_length(text: str) -> int:
    """The grapheme count, or over the limit if the text is too long in bytes."""
    return grapheme.length(text) if len(text.encode()) <= MAX_BYTES else LIMIT + 1


def compose_for(update) -> str:
    return compose(
        event=update.event,
        body=update.body,
        status_label=update.status_label,
        custom=update.x_text,
    )


def rich_text(text: str, *, url: str, hashtag: str) -> client_utils.TextBuilder:
    """``text`` with its last ``url`` as a link and its last ``hashtag`` as a tag."""
    builder = client_utils.TextBuilder()
    link_at = text.rfind(url) if url else -1
    tag_at = text.rfind(hashtag) if hashtag else -1
    marks = sorted(
        (at, kind, found)
        for at, kind, found in ((link_at, "link", url), (tag_at, "tag", hashtag))
        if at >= 0
    )
    done = 0
    for at, kind, found in marks:
        if at < done:
            continue
        builder.text(text[done:at])
        if kind == "link":
            builder.link(found, found)
        else:
            builder.tag(found, found.lstrip("#"))
        done = at + len(found)
    return builder.text(text[done:])


def link_card(event, update) -> models.AppBskyEmbedExternal.Main:
    description = getattr(event, "summary", "") or plain_text(update.body)
    return models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(
            uri=absolute(event.get_absolute_url()),
            title=event.title,
            description=description[:CARD_DESCRIPTION_LIMIT],
        )
    )


# --- the session ---------------------------------------------------------------------------


def _keep_session(event: SessionEvent, session) -> None:
    if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
        cache.set(SESSION_KEY, session.export(), timeout=None)


def _client() -> Client:
    """A client signed in with the kept session, or with a new one if none is kept."""
    client = Client(settings.BLUESKY_SERVICE_URL, request=Request(timeout=TIMEOUT_SECONDS))
    client.on_session_change(_keep_session)
    kept = cache.get(SESSION_KEY)
    if kept and kept.split(":::")[0] == settings.BLUESKY_HANDLE:
        client.login(session_string=kept, fetch_bsky_profile=False)
    else:
        _log_in(client)
    return client


def _log_in(client: Client) -> None:
    cache.delete(SESSION_KEY)
    client.login(settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD, fetch_bsky_profile=False)


def _renew(client: Client) -> None:
    """The server refused the access token: refresh the session with its refresh token, or
    create a new one if that is refused too. (The SDK's public calls only: its own refresh
    is internal, and the SDK is young enough to change it.)"""
    kept = Session.decode(client.export_session_string())
    try:
        fresh = client.com.atproto.server.refresh_session(
            headers={"Authorization": f"Bearer {kept.refresh_jwt}"}
        )
    except (BadRequestError, UnauthorizedError):
        _log_in(client)
        return
    session = Session(
        fresh.handle, fresh.did, fresh.access_jwt, fresh.refresh_jwt, kept.pds_endpoint
    )
    cache.set(SESSION_KEY, session.export(), timeout=None)
    client.login(session_string=session.export(), fetch_bsky_profile=False)


# --- how it is posted ----------------------------------------------------------------------


def post(message) -> Delivered:
    """Publish ``message`` (an update's post) on Bluesky, as a reply to the post whose AT URI
    is its ``reply_to_id``, if any.

    Raises TemporaryError (rate limit, the server's 5xx, timeouts, connection trouble) or
    PermanentError (handle or app password, invalid content).
    """
    try:
        client = _client()
        try:
            return _create(client, message)
        except (BadRequestError, UnauthorizedError) as error:
            if _error_name(error) not in TOKEN_REFUSED:
                raise
            _renew(client)
            return _create(client, message)
    except RateLimitExceededError as error:
        raise TemporaryError("Bluesky rate limit reached", error.reset_at) from error
    except (InvokeTimeoutError, NetworkError) as error:
        raise TemporaryError(f"Bluesky could not be reached: {_describe(error)}") from error
    except RequestErrorBase as error:
        if error.response is not None and error.response.status_code >= 500:
            raise TemporaryError(f"Bluesky answered {_describe(error)}") from error
        raise PermanentError(f"Bluesky refused it: {_describe(error)}") from error
    except AtProtocolError as error:
        raise PermanentError(f"Bluesky refused it: {error}") from error


def _create(client: Client, message) -> Delivered:
    update = message.update
    event = update.event
    key = record_key(message)
    builder = rich_text(message.body, url=absolute(event.get_absolute_url()), hashtag=event.hashtag)
    record = models.AppBskyFeedPost.Record(
        created_at=client.get_current_time_iso(),
        text=builder.build_text(),
        facets=builder.build_facets() or None,
        embed=link_card(event, update),
        reply=_reply_ref(client, message.reply_to_id) if message.reply_to_id else None,
        langs=[settings.LANGUAGE_CODE.split("-")[0]],
    )
    try:
        created = client.app.bsky.feed.post.create(settings.BLUESKY_HANDLE, record, rkey=key)
    except (BadRequestError, NetworkError) as error:
        # An earlier try may have made it: its key is taken. Then that post is this one.
        refused = error.response is not None and message.attempts > 1
        earlier = _earlier_try(client, key) if refused else None
        if earlier is None:
            raise
        return earlier
    return Delivered(remote_id=created.uri, remote_url=post_url(created.uri))


def _earlier_try(client: Client, key: str) -> Delivered | None:
    try:
        found = client.app.bsky.feed.post.get(settings.BLUESKY_HANDLE, key)
    except BadRequestError:  # RecordNotFound
        return None
    return Delivered(remote_id=found.uri, remote_url=post_url(found.uri))


def _reply_ref(client: Client, parent_uri: str) -> models.AppBskyFeedPost.ReplyRef:
    """Reply to ``parent_uri``, in the thread its own reply names (or its own thread)."""
    repo, _, key = parent_uri.removeprefix("at://").split("/", 2)
    parent = client.app.bsky.feed.post.get(repo, key)
    parent_ref = models.ComAtprotoRepoStrongRef.Main(uri=parent.uri, cid=parent.cid)
    root_ref = parent.value.reply.root if parent.value.reply else parent_ref
    return models.AppBskyFeedPost.ReplyRef(root=root_ref, parent=parent_ref)


def _error_name(error: RequestErrorBase) -> str:
    content = error.response.content if error.response is not None else None
    return getattr(content, "error", "") or ""


def _describe(error: AtProtocolError) -> str:
    if isinstance(error, InvokeTimeoutError):
        return "timeout"
    if isinstance(error, RequestErrorBase) and error.response is None:
        return "connection trouble"
    return str(error)  # the status, then the server's own words: "400 InvalidRequest: …"


def _send(message, connection=None) -> Delivered:
    return post(message)


CHANNEL = Channel(
    name=ChannelName.BLUESKY,
    label="Bluesky",
    send=_send,
    # As X's: 30 s, 1, 2, 4, 8 minutes, then every 15 minutes, for as long as it takes.
    backoff=Backoff(first=timedelta(seconds=30), longest=timedelta(minutes=15)),
    stale_after=timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30),
    # Sent again it could not post twice (its record key), but staff check it, as on X.
    resend_when_stale=False,
    threaded=True,
    required_settings=CREDENTIALS,
    compose=compose_for,
    profile_url=profile_url,
    measure=grapheme.length,
    limit=LIMIT,
    remote_id_in=post_uri_in,
    link_example="https://bsky.app/profile/acme.com/post/3kq2nuv5a3k2x",
)
