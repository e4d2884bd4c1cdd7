"""Progress threads on Bluesky.

The real atproto SDK runs; only the HTTP exchange with the service is faked. The SDK speaks
HTTP through httpx, not requests, so the fake is ``respx`` (what ``responses`` is for
requests). Every scenario counts the calls made, as for X, so that a duplicate post shows.
"""

import base64
import json
from datetime import UTC, datetime, timedelta

import grapheme
import httpx
import pytest
import respx
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase

from statuspage import services
from statuspage.models import MaintenanceStatus, StatusUpdate
from statuspage.outbox import tasks
from statuspage.outbox.channels import bluesky
from statuspage.outbox.models import ChannelName, CrossPost, MessageState
from statuspage.outbox.services import deliver_due, message_confirm_sent
from tests.factories import IncidentFactory, MaintenanceWindowFactory, StaffFactory

SERVICE = "https://bsky.example"
HANDLE = "acme.example"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
STALE_SENDING = bluesky.CHANNEL.stale_after
CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"
CREATE_RECORD = "com.atproto.repo.createRecord"
GET_RECORD = "com.atproto.repo.getRecord"


def _jwt(expires: datetime, kind: str) -> str:
    """A token the SDK can read the end of (it is never checked by anything here)."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {
        "sub": DID,
        "scope": kind,
        "iat": int(NOW.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return f"{part({'alg': 'ES256K', 'typ': 'at+jwt'})}.{part(claims)}.c2lnbmF0dXJl"


def scope_of(token: str) -> str:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["scope"]


class FakeBluesky:
    """A PDS on ``respx``: sessions, records by key, and planned answers to createRecord."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router
        self.records: dict[str, dict] = {}
        self.planned: list = []  # answers to the next createRecord calls, before succeeding
        self.access_lasts = timedelta(hours=2)
        self.sessions = 0
        for name, handler in [
            (CREATE_SESSION, self.create_session),
            (REFRESH_SESSION, self.refresh_session),
            (CREATE_RECORD, self.create_record),
        ]:
            router.post(f"/{name}", name=name).mock(side_effect=handler)
        router.get(f"/{GET_RECORD}", name=GET_RECORD).mock(side_effect=self.get_record)

    def session(self) -> dict:
        self.sessions += 1
        now = datetime.now(tz=UTC)
        return {
            "accessJwt": _jwt(now + self.access_lasts, f"access-{self.sessions}"),
            "refreshJwt": _jwt(now + timedelta(days=60), f"refresh-{self.sessions}"),
            "handle": HANDLE,
            "did": DID,
            "active": True,
        }

    def create_session(self, request):
        body = json.loads(request.content)
        if body != {"identifier": HANDLE, "password": "app-pass-word"}:
            return httpx.Response(
                401, json={"error": "AuthenticationRequired", "message": "Invalid password"}
            )
        return httpx.Response(200, json=self.session())

    def refresh_session(self, request):
        return httpx.Response(200, json=self.session())

    def create_record(self, request):
        if self.planned:
            planned = self.planned.pop(0)
            if isinstance(planned, Exception):
                raise planned
            return planned
        body = json.loads(request.content)
        key = body["rkey"]
        if key in self.records:
            return httpx.Response(
                400, json={"error": "InvalidRequest", "message": "Record already exists"}
            )
        uri = f"at://{DID}/app.bsky.feed.post/{key}"
        self.records[key] = {"uri": uri, "cid": f"bafyrei{key}", "value": body["record"]}
        return httpx.Response(200, json={"uri": uri, "cid": f"bafyrei{key}"})

    def get_record(self, request):
        key = request.url.params["rkey"]
        if key not in self.records:
            return httpx.Response(
                400, json={"error": "RecordNotFound", "message": "Could not locate record"}
            )
        return httpx.Response(200, json=self.records[key])

    def calls(self, name: str | None = None) -> list:
        if name is None:
            return list(self.router.calls)
        return list(self.router.routes[name].calls)

    def posted(self) -> list[dict]:
        return [json.loads(call.request.content) for call in self.calls(CREATE_RECORD)]


@pytest.fixture(autouse=True)
def bluesky_settings(settings):
    settings.BLUESKY_HANDLE = HANDLE
    settings.BLUESKY_APP_PASSWORD = "app-pass-word"
    settings.BLUESKY_SERVICE_URL = SERVICE
    return settings


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pds():
    with respx.mock(base_url=f"{SERVICE}/xrpc", assert_all_called=False) as router:
        yield FakeBluesky(router)


@pytest.fixture
def author(db):
    return StaffFactory(username="editor")


@pytest.fixture
def window(db):
    return MaintenanceWindowFactory(title="Database upgrade", slug="database-upgrade")


def publish(event, author, body, **kwargs) -> StatusUpdate:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.update_post(event=event, author=author, body=body, **kwargs)


def sweep() -> int:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return deliver_due()


def row_of(update: StatusUpdate) -> CrossPost:
    return CrossPost.objects.get(update=update, channel=ChannelName.BLUESKY)


def link(event, settings) -> str:
    return f"{settings.SITE_URL}{event.get_absolute_url()}"


def uri_of(row) -> str:
    return f"at://{DID}/app.bsky.feed.post/{bluesky.record_key(row)}"


def strong_ref(row) -> dict:
    """How a reply names ``row``'s post: its AT URI and CID (the fake's CIDs name the key)."""
    return {
        "$type": "com.atproto.repo.strongRef",
        "uri": uri_of(row),
        "cid": f"bafyrei{bluesky.record_key(row)}",
    }


# --- success: text, facets, card ---------------------------------------------------------


def test_published_update_is_posted_once_with_clickable_link_and_hashtag_and_a_card(
    pds, author, window, settings
):
    window.summary = "The database moves to new servers; sign-in stops for an hour."
    window.save()
    update = publish(window, author, "We are moving the database.")

    row = row_of(update)
    assert (row.state, row.remote_id, row.attempts, row.last_error) == (
        MessageState.SENT,
        uri_of(row),
        1,
        "",
    )
    assert row.remote_url == f"https://bsky.app/profile/{HANDLE}/post/{bluesky.record_key(row)}"
    assert [call.request.url.path for call in pds.calls()] == [
        f"/xrpc/{CREATE_SESSION}",
        f"/xrpc/{CREATE_RECORD}",
    ]
    (sent,) = pds.posted()
    assert (sent["repo"], sent["collection"], sent["rkey"]) == (
        HANDLE,
        "app.bsky.feed.post",
        bluesky.record_key(row),
    )
    record = sent["record"]
    url = link(window, settings)
    assert record["text"] == row.body
    assert record["text"].endswith(f"\n\n{url} #maint")
    assert "reply" not in record
    encoded = record["text"].encode()
    facets = {f["features"][0]["$type"]: f for f in record["facets"]}
    link_facet = facets["app.bsky.richtext.facet#link"]
    tag_facet = facets["app.bsky.richtext.facet#tag"]
    assert link_facet["features"][0]["uri"] == url
    assert tag_facet["features"][0]["tag"] == "maint"
    assert (
        encoded[link_facet["index"]["byteStart"] : link_facet["index"]["byteEnd"]] == url.encode()
    )
    assert encoded[tag_facet["index"]["byteStart"] : tag_facet["index"]["byteEnd"]] == b"#maint"
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "$type": "app.bsky.embed.external#external",
            "uri": url,
            "title": "Database upgrade",
            "description": "The database moves to new servers; sign-in stops for an hour.",
        },
    }
    assert pds.calls(CREATE_RECORD)[0].request.headers["Authorization"].startswith("Bearer ")


def test_facet_byte_offsets_are_right_after_emoji_cjk_and_combining_characters(window):
    url = "https://status.example.com/maintenance/database-upgrade/"
    text = f"🛠️ 数据库 café\u0301 👨\u200d👩\u200d👧 done.\n\n{url} #dMmaint"
    builder = bluesky.rich_text(text, url=url, hashtag="#dMmaint")
    encoded = builder.build_text().encode("utf-8")
    link_facet, tag_facet = builder.build_facets()
    assert builder.build_text() == text
    # Byte offsets, not characters: the emoji and CJK before the link are several bytes each.
    assert link_facet.index.byte_start == len(text[: text.index(url)].encode("utf-8"))
    assert link_facet.index.byte_start != text.index(url)
    assert encoded[link_facet.index.byte_start : link_facet.index.byte_end].decode() == url
    assert encoded[tag_facet.index.byte_start : tag_facet.index.byte_end].decode() == "#dMmaint"
    assert tag_facet.features[0].tag == "dMmaint"


def test_off_without_settings_writes_no_post_and_calls_nothing(pds, author, window, settings):
    settings.BLUESKY_APP_PASSWORD = ""
    update = publish(window, author, "Work has begun.")
    assert not CrossPost.objects.filter(update=update, channel=ChannelName.BLUESKY).exists()
    assert bluesky.CHANNEL.missing_settings() == ["BLUESKY_APP_PASSWORD"]
    assert pds.calls() == []


# --- the session: kept, refreshed, not created per post ----------------------------------


def test_one_session_serves_several_posts(pds, author, window):
    for body in ["Started.", "Halfway.", "Nearly done.", "Done."]:
        publish(window, author, body)
    assert len(pds.calls(CREATE_SESSION)) == 1
    assert len(pds.calls(CREATE_RECORD)) == 4
    assert cache.get(bluesky.SESSION_KEY).startswith(f"{HANDLE}:::{DID}:::")


def test_a_session_near_its_end_is_refreshed_not_created_again(pds, clock, author, window):
    publish(window, author, "Started.")
    clock.shift(timedelta(hours=1, minutes=50))  # the SDK refreshes 15 minutes before the end
    publish(window, author, "Halfway.")
    publish(window, author, "Done.")
    assert len(pds.calls(CREATE_SESSION)) == 1
    assert len(pds.calls(REFRESH_SESSION)) == 1
    assert len(pds.calls(CREATE_RECORD)) == 3
    refresh = pds.calls(REFRESH_SESSION)[0].request
    assert scope_of(refresh.headers["Authorization"].removeprefix("Bearer ")) == "refresh-1"
    # The refreshed session is kept for the next post, and the next worker.
    assert scope_of(cache.get(bluesky.SESSION_KEY).split(":::")[2]) == "access-2"
    last = pds.calls(CREATE_RECORD)[-1].request
    assert scope_of(last.headers["Authorization"].removeprefix("Bearer ")) == "access-2"


def test_a_token_the_server_calls_expired_is_refreshed_and_the_post_sent(pds, author, window):
    publish(window, author, "Started.")
    pds.planned = [
        httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"})
    ]
    update = publish(window, author, "Halfway.")
    assert row_of(update).state == MessageState.SENT
    assert len(pds.calls(CREATE_SESSION)) == 1
    assert len(pds.calls(REFRESH_SESSION)) == 1
    assert len(pds.calls(CREATE_RECORD)) == 3  # the first post, the refused try, the post
    assert scope_of(cache.get(bluesky.SESSION_KEY).split(":::")[2]) == "access-2"
    refresh = pds.calls(REFRESH_SESSION)[0].request
    assert scope_of(refresh.headers["Authorization"].removeprefix("Bearer ")) == "refresh-1"
    refused, sent = (call.request for call in pds.calls(CREATE_RECORD)[1:])
    assert scope_of(refused.headers["Authorization"].removeprefix("Bearer ")) == "access-1"
    assert scope_of(sent.headers["Authorization"].removeprefix("Bearer ")) == "access-2"


def test_a_refresh_refused_too_creates_a_new_session(pds, author, window):
    publish(window, author, "Started.")
    pds.planned = [httpx.Response(401, json={"error": "ExpiredToken", "message": "expired"})]
    pds.router.routes[REFRESH_SESSION].mock(
        return_value=httpx.Response(400, json={"error": "ExpiredToken", "message": "expired"})
    )
    update = publish(window, author, "Halfway.")
    assert row_of(update).state == MessageState.SENT
    assert len(pds.calls(CREATE_SESSION)) == 2
    assert len(pds.calls(REFRESH_SESSION)) == 1


def test_a_wrong_app_password_fails_with_the_servers_reason(pds, author, window, settings):
    settings.BLUESKY_APP_PASSWORD = "wrong"
    update = publish(window, author, "Started.")
    row = row_of(update)
    assert row.state == MessageState.FAILED
    assert row.last_error == "Bluesky refused it: 401 AuthenticationRequired: Invalid password"
    assert len(pds.calls()) == 1
    assert sweep() == 0
    assert len(pds.calls()) == 1


# --- rate limit --------------------------------------------------------------------------


def test_rate_limit_waits_for_the_ratelimit_reset_header_then_sends(pds, clock, author, window):
    reset = NOW + timedelta(minutes=4, seconds=30)
    pds.planned = [
        httpx.Response(
            429,
            headers={"ratelimit-reset": str(int(reset.timestamp())), "ratelimit-remaining": "0"},
            json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        )
    ]
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert (row.state, row.next_attempt_at, row.attempts) == (MessageState.PENDING, reset, 1)
    assert row.last_error == "Bluesky rate limit reached"

    clock.move_to(reset - timedelta(seconds=1))
    assert sweep() == 0
    assert len(pds.calls(CREATE_RECORD)) == 1
    clock.move_to(reset)
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id) == (MessageState.SENT, 2, uri_of(row))
    assert len(pds.calls(CREATE_RECORD)) == 2
    assert len(pds.calls(CREATE_SESSION)) == 1


# --- 5xx and timeouts --------------------------------------------------------------------


def test_server_errors_retry_after_30_then_60_seconds(pds, clock, author, window):
    pds.planned = [
        httpx.Response(503, json={"error": "ServiceUnavailable"}),
        httpx.Response(500, json={"error": "InternalServerError", "message": "oops"}),
    ]
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert (row.state, row.attempts, row.next_attempt_at) == (
        MessageState.PENDING,
        1,
        NOW + timedelta(seconds=30),
    )
    assert row.last_error.startswith("Bluesky answered 503")

    clock.move_to(NOW + timedelta(seconds=30))
    sweep()
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, NOW + timedelta(seconds=90))
    assert row.last_error == "Bluesky answered 500 InternalServerError: oops"

    clock.move_to(NOW + timedelta(seconds=90))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MessageState.SENT, 3)
    assert len(pds.calls(CREATE_RECORD)) == 3
    tries = [(p["rkey"], p["record"]["text"]) for p in pds.posted()]
    assert len(set(tries)) == 1  # the same post, under the same key, each time


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (httpx.ConnectTimeout("connect timed out"), "timeout"),
        (httpx.ReadTimeout("read timed out"), "timeout"),
        (httpx.ConnectError("connection refused"), "connection trouble"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_timeouts_and_connection_errors_retry_then_send(pds, clock, author, window, error, said):
    pds.planned = [error]
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert (row.state, row.attempts, row.last_error) == (
        MessageState.PENDING,
        1,
        f"Bluesky could not be reached: {said}",
    )
    clock.move_to(NOW + timedelta(seconds=30))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id) == (MessageState.SENT, 2, uri_of(row))
    assert len(pds.calls(CREATE_RECORD)) == 2
    assert len(pds.records) == 1


def test_a_timeout_after_the_service_took_it_never_makes_a_second_post(pds, clock, author, window):
    """The first try reached Bluesky but its answer was lost; the retry's record key is
    taken, so the post made by the first try is recorded, and nothing is posted twice."""
    real_create = pds.create_record

    def took_it_then_timed_out(request):
        real_create(request)
        raise httpx.ReadTimeout("read timed out")

    pds.router.routes[CREATE_RECORD].mock(side_effect=[took_it_then_timed_out, real_create])
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert row.state == MessageState.PENDING
    assert len(pds.records) == 1

    clock.move_to(NOW + timedelta(seconds=30))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.remote_id) == (MessageState.SENT, uri_of(row))
    assert len(pds.records) == 1
    assert len(pds.calls(CREATE_RECORD)) == 2
    assert len(pds.calls(GET_RECORD)) == 1


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [
        (
            400,
            "InvalidRequest",
            "Invalid app.bsky.feed.post record: text must not be longer than 300 graphemes",
        ),
        (401, "AuthenticationRequired", "Authentication Required"),
        (403, "Forbidden", "This account is takendown"),
    ],
    ids=["400-invalid", "401", "403"],
)
def test_refusals_fail_with_the_servers_reason_without_retry(
    pds, clock, author, window, status, error, message
):
    pds.planned = [httpx.Response(status, json={"error": error, "message": message})]
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert (row.state, row.last_error) == (
        MessageState.FAILED,
        f"Bluesky refused it: {status} {error}: {message}",
    )
    assert len(pds.calls(CREATE_RECORD)) == 1
    clock.move_to(NOW + timedelta(hours=1))
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    assert len(pds.calls(CREATE_RECORD)) == 1


# --- the same task delivered twice -------------------------------------------------------


def test_a_task_delivered_again_after_sending_posts_nothing(pds, author, window):
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.outbox_send.delay(row.pk)
    assert sweep() == 0
    assert len(pds.calls(CREATE_RECORD)) == 1


def test_two_deliveries_in_the_same_commit_post_once(pds, author, window):
    with TestCase.captureOnCommitCallbacks(execute=True):
        update = services.update_post(event=window, author=author, body="Work has begun.")
        pk = row_of(update).pk
        transaction.on_commit(lambda: tasks.outbox_send.delay(pk))
    assert (row_of(update).state, row_of(update).attempts) == (MessageState.SENT, 1)
    assert len(pds.calls(CREATE_RECORD)) == 1


# --- a worker died after the service took it ---------------------------------------------


def test_a_worker_dying_after_the_service_took_it_leaves_it_to_check(
    pds, clock, author, window, staff_client
):
    row = row_of(publish(window, author, "We have started."))
    assert len(pds.records) == 1  # Bluesky has it; the worker died before writing so
    CrossPost.objects.filter(pk=row.pk).update(
        state=MessageState.SENDING, sending_since=NOW, remote_id="", sent_at=None
    )
    clock.shift(STALE_SENDING + timedelta(seconds=1))
    sweep()
    row.refresh_from_db()
    assert row.state == MessageState.UNCONFIRMED
    assert "Bluesky may or may not have it" in row.last_error
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    assert len(pds.calls(CREATE_RECORD)) == 1

    # Staff find it on bsky.app and give its address; the next post replies to it.
    address = f"https://bsky.app/profile/{HANDLE}/post/{bluesky.record_key(row)}"
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_confirm_sent(message=row, url=address)
    row.refresh_from_db()
    assert (row.state, row.remote_id) == (
        MessageState.SENT,
        f"at://{HANDLE}/app.bsky.feed.post/{bluesky.record_key(row)}",
    )
    following = row_of(publish(window, author, "Halfway."))
    assert following.state == MessageState.SENT
    reply = pds.posted()[-1]["record"]["reply"]
    assert reply["parent"] == strong_ref(row)
    assert reply["root"] == reply["parent"]


# --- down for the whole window, then back -----------------------------------------------


def test_updates_written_while_bluesky_is_down_go_out_once_in_order_as_a_thread(
    pds, clock, author, window
):
    pds.planned = [httpx.Response(503, json={"error": "ServiceUnavailable"})] * 4
    plan = [
        (MaintenanceStatus.IN_PROGRESS, "We have started the upgrade."),
        (MaintenanceStatus.IN_PROGRESS, "The data copy is half done."),
        (MaintenanceStatus.VERIFYING, "We are checking that everything works."),
        (MaintenanceStatus.COMPLETED, "The upgrade is complete."),
    ]
    updates = []
    for hour, (status, body) in enumerate(plan):
        clock.move_to(NOW + timedelta(hours=hour))
        sweep()
        updates.append(publish(window, author, body, status=status))
    rows = [row_of(update) for update in updates]
    assert [r.state for r in rows] == [MessageState.PENDING] * 4
    assert len(pds.calls(CREATE_RECORD)) == 4  # one try an hour, all of the first update
    assert not pds.records

    clock.move_to(NOW + timedelta(hours=3, minutes=10))
    sweep()
    clock.move_to(NOW + timedelta(hours=4))
    sweep()
    for row in rows:
        row.refresh_from_db()
    assert [r.state for r in rows] == [MessageState.SENT] * 4
    assert [r.remote_id for r in rows] == [uri_of(r) for r in rows]
    assert [r.reply_to_id for r in rows] == ["", *(uri_of(r) for r in rows[:3])]
    assert len(pds.records) == 4
    assert len(pds.calls(CREATE_RECORD)) == 8
    assert len(pds.calls(CREATE_SESSION)) == 1  # a session through all of it

    posted = [record["record"] for record in pds.posted()[4:]]
    assert [p["text"] for p in posted] == [r.body for r in rows]
    assert "reply" not in posted[0]
    for previous, post in zip(rows, posted[1:], strict=False):
        assert post["reply"] == {
            "$type": "app.bsky.feed.post#replyRef",
            "root": strong_ref(rows[0]),
            "parent": strong_ref(previous),
        }


def test_two_events_keep_their_own_threads(pds, author, window):
    incident = IncidentFactory(title="Login trouble", slug="login-trouble", hashtag="#dMdown")
    first = publish(window, author, "Started.")
    other = publish(incident, author, "Looking into it.")
    second = publish(window, author, "Halfway.")
    other_next = publish(incident, author, "Found it.")
    replies = [row_of(u).reply_to_id for u in (first, other, second, other_next)]
    assert replies == ["", "", uri_of(row_of(first)), uri_of(row_of(other))]


# --- the text: 300 graphemes -------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["maintenance", "维护工作", "👨\u200d👩\u200d👧", "cafe\u0301"],
    ids=["latin", "cjk", "emoji", "combining"],
)
def test_a_long_body_is_cut_to_300_graphemes_with_link_and_hashtag_kept(word, window, settings):
    text = bluesky.compose(event=window, body=" ".join([word] * 300), status_label="In progress")
    tail = f"…\n\n{link(window, settings)} #maint"
    assert text.endswith(tail)
    assert grapheme.length(text) <= bluesky.LIMIT
    assert len(text.encode()) <= bluesky.MAX_BYTES
    assert text.removesuffix(tail).split(" ")[-1] == word
    assert grapheme.length(text) > bluesky.LIMIT - grapheme.length(word) - 2
    if word.startswith("👨"):
        assert len(text) > bluesky.LIMIT  # graphemes, not code points: five make a family


def test_a_post_is_also_kept_within_bluesky_s_3000_bytes(window, settings):
    """A family emoji is one grapheme and 18 bytes: 300 of them pass the grapheme count and
    would still be refused, so the bytes cut them first."""
    text = bluesky.compose(event=window, body="👨\u200d👩\u200d👧" * 300, status_label="Done")
    assert text.endswith(f"…\n\n{link(window, settings)} #maint")
    assert bluesky.MAX_BYTES - 18 < len(text.encode()) <= bluesky.MAX_BYTES
    assert grapheme.length(text) < bluesky.LIMIT


def test_graphemes_are_counted_as_bluesky_counts_them():
    assert grapheme.length("👨\u200d👩\u200d👧") == 1
    assert grapheme.length("🇬🇧") == 1
    assert grapheme.length("e\u0301") == 1
    assert grapheme.length("数据库") == 3
    assert grapheme.length("👍🏽") == 1


def test_record_keys_are_valid_tids_the_same_for_every_try(pds, author, window):
    from atproto_client.models.string_formats import TID_RE

    row = row_of(publish(window, author, "Started."))
    assert TID_RE.match(bluesky.record_key(row))
    assert bluesky.record_key(row) == bluesky.record_key(CrossPost.objects.get(pk=row.pk))
