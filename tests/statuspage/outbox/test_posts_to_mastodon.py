"""Progress threads on Mastodon.

The real Mastodon.py code runs; only the HTTP exchange with the server is faked
(``responses``). Every scenario counts the calls made to it, as for X, so that a duplicate
status shows.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import grapheme
import pytest
import requests
import responses
import time_machine
from django.db import transaction
from django.test import TestCase
from mastodon import Mastodon

from statuspage import services
from statuspage.models import MaintenanceStatus, StatusUpdate
from statuspage.outbox import tasks
from statuspage.outbox.channels import mastodon
from statuspage.outbox.models import ChannelName, CrossPost, MessageState
from statuspage.outbox.services import deliver_due, message_retry
from tests.factories import IncidentFactory, MaintenanceWindowFactory, StaffFactory

BASE = "https://mastodon.example"
URL = f"{BASE}/api/v1/statuses"
NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
STALE_SENDING = mastodon.CHANNEL.stale_after


@pytest.fixture(autouse=True)
def mastodon_settings(settings):
    settings.MASTODON_BASE_URL = BASE
    settings.MASTODON_ACCESS_TOKEN = "dummy-token"
    settings.MASTODON_ACCOUNT = "acme"
    settings.MASTODON_VISIBILITY = "public"
    return settings


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rsps():
    """The Mastodon server, faked at the HTTP level; anything not registered fails loudly."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def author(db):
    return StaffFactory(username="editor")


@pytest.fixture
def window(db):
    return MaintenanceWindowFactory(title="Database upgrade", slug="database-upgrade")


def answer_ok(rsps, status_id="1001"):
    rsps.add(
        responses.POST,
        URL,
        status=200,
        json={
            "id": status_id,
            "uri": f"{BASE}/users/acme/statuses/{status_id}",
            "url": f"{BASE}/@acme/{status_id}",
            "content": "<p>…</p>",
            "visibility": "public",
        },
    )


def answer(rsps, status, **kwargs):
    rsps.add(responses.POST, URL, status=status, **kwargs)


def publish(event, author, body, **kwargs) -> StatusUpdate:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.update_post(event=event, author=author, body=body, **kwargs)


def sweep() -> int:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return deliver_due()


def row_of(update: StatusUpdate) -> CrossPost:
    return CrossPost.objects.get(update=update, channel=ChannelName.MASTODON)


def sent_form(call) -> dict:
    return {name: values[0] for name, values in parse_qs(call.request.body).items()}


def link(event, settings) -> str:
    return f"{settings.SITE_URL}{event.get_absolute_url()}"


# --- success ---------------------------------------------------------------------------


def test_published_update_is_posted_once_with_link_hashtag_and_idempotency_key(
    rsps, author, window, settings
):
    answer_ok(rsps)
    update = publish(
        window, author, "We are moving the database.", status=MaintenanceStatus.IN_PROGRESS
    )

    row = row_of(update)
    assert (row.state, row.remote_id, row.remote_url) == (
        MessageState.SENT,
        "1001",
        f"{BASE}/@acme/1001",
    )
    assert (row.attempts, row.sent_at, row.last_error, row.reply_to_id) == (1, NOW, "", "")
    assert len(rsps.calls) == 1

    request = rsps.calls[0].request
    form = sent_form(rsps.calls[0])
    assert form["status"] == row.body
    assert form["visibility"] == "public"
    assert "in_reply_to_id" not in form  # the first post of the thread
    assert "Database upgrade — In progress: We are moving the database." in row.body
    assert row.body.endswith(f"\n\n{link(window, settings)} #maint")
    assert request.headers["Authorization"] == "Bearer dummy-token"
    assert request.headers["Idempotency-Key"] == mastodon.idempotency_key(row)
    assert request.req_kwargs["timeout"] == mastodon.TIMEOUT_SECONDS


def test_visibility_unlisted_from_the_setting(rsps, author, window, settings):
    settings.MASTODON_VISIBILITY = "unlisted"
    answer_ok(rsps)
    publish(window, author, "Work has begun.")
    assert sent_form(rsps.calls[0])["visibility"] == "unlisted"


def test_off_without_settings_writes_no_post_and_calls_nothing(rsps, author, window, settings):
    settings.MASTODON_ACCESS_TOKEN = ""
    update = publish(window, author, "Work has begun.")
    assert not CrossPost.objects.filter(update=update, channel=ChannelName.MASTODON).exists()
    assert mastodon.CHANNEL.missing_settings() == ["MASTODON_ACCESS_TOKEN"]
    assert len(rsps.calls) == 0


# --- rate limit ------------------------------------------------------------------------


def test_rate_limit_waits_for_the_servers_reset_time_then_sends(rsps, clock, author, window):
    reset = NOW + timedelta(minutes=12, seconds=7)
    answer(
        rsps,
        429,
        headers={"X-RateLimit-Reset": reset.isoformat().replace("+00:00", "Z")},
        json={"error": "Too many requests"},
    )
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.")

    row = row_of(update)
    assert (row.state, row.next_attempt_at, row.attempts) == (MessageState.PENDING, reset, 1)
    assert "rate limit" in row.last_error
    assert len(rsps.calls) == 1

    clock.move_to(reset - timedelta(seconds=1))
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "not due"
    assert len(rsps.calls) == 1

    clock.move_to(reset + timedelta(seconds=1))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.attempts, row.last_error) == (
        MessageState.SENT,
        "1001",
        2,
        "",
    )
    assert len(rsps.calls) == 2
    keys = {call.request.headers["Idempotency-Key"] for call in rsps.calls}
    assert keys == {mastodon.idempotency_key(row)}  # a repeat the server can recognise


# --- 5xx: back-off schedule ------------------------------------------------------------


def test_server_errors_retry_after_30_then_60_seconds(rsps, clock, author, window):
    answer(rsps, 503, body="Service Unavailable")
    answer(rsps, 502, body="Bad Gateway")
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.")

    row = row_of(update)
    assert (row.state, row.attempts, row.last_error) == (
        MessageState.PENDING,
        1,
        "Mastodon answered 503",
    )
    assert row.next_attempt_at == NOW + timedelta(seconds=30)

    clock.move_to(NOW + timedelta(seconds=29))
    assert sweep() == 0
    clock.move_to(NOW + timedelta(seconds=30))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (
        MessageState.PENDING,
        2,
        "Mastodon answered 502",
    )
    assert row.next_attempt_at == NOW + timedelta(seconds=90)
    assert len(rsps.calls) == 2

    clock.move_to(NOW + timedelta(seconds=90))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id) == (MessageState.SENT, 3, "1001")
    assert len(rsps.calls) == 3
    assert len({call.request.body for call in rsps.calls}) == 1
    assert len({call.request.headers["Idempotency-Key"] for call in rsps.calls}) == 1


# --- refusals: invalid content, bad token, no permission --------------------------------


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (
            401,
            "The access token is invalid",
            "Mastodon refused it (401): The access token is invalid",
        ),
        (
            403,
            "This action is not allowed",
            "Mastodon refused it (403): This action is not allowed",
        ),
        (
            422,
            "Validation failed: Text character limit of 500 exceeded",
            "Mastodon refused it (422): Validation failed: Text character limit of 500 exceeded",
        ),
    ],
    ids=["401", "403", "422"],
)
def test_refusals_fail_with_the_servers_reason_without_retry(
    rsps, clock, author, window, status, error, expected
):
    answer(rsps, status, json={"error": error})
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.")

    row = row_of(update)
    assert (row.state, row.last_error) == (MessageState.FAILED, expected)
    assert len(rsps.calls) == 1

    clock.move_to(NOW + timedelta(hours=1))
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    assert len(rsps.calls) == 1


# --- network trouble -------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("connection reset by peer"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_timeouts_and_connection_errors_retry_then_send(rsps, clock, author, window, error):
    answer(rsps, 200, body=error)
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.")

    row = row_of(update)
    assert (row.state, row.attempts) == (MessageState.PENDING, 1)
    assert row.last_error == "Mastodon could not be reached: timeout or connection"
    assert row.next_attempt_at == NOW + timedelta(seconds=30)

    clock.move_to(NOW + timedelta(seconds=30))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id) == (MessageState.SENT, 2, "1001")
    assert len(rsps.calls) == 2
    # The second try carries the first's key: had the first reached Mastodon after all, the
    # server would answer with that status instead of posting a second.
    first, second = (call.request.headers["Idempotency-Key"] for call in rsps.calls)
    assert first == second


# --- the same task delivered twice -----------------------------------------------------


def test_a_task_delivered_again_after_sending_posts_nothing(rsps, author, window):
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.")
    row = row_of(update)
    assert row.state == MessageState.SENT

    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.outbox_send.delay(row.pk)
    assert sweep() == 0
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.attempts) == (MessageState.SENT, "1001", 1)
    assert len(rsps.calls) == 1


def test_two_deliveries_in_the_same_commit_post_once(rsps, author, window):
    answer_ok(rsps)
    with TestCase.captureOnCommitCallbacks(execute=True):
        update = services.update_post(event=window, author=author, body="Work has begun.")
        pk = row_of(update).pk
        transaction.on_commit(lambda: tasks.outbox_send.delay(pk))
    assert (row_of(update).state, row_of(update).attempts) == (MessageState.SENT, 1)
    assert len(rsps.calls) == 1


# --- a worker died after the server took it --------------------------------------------


def test_a_worker_dying_after_the_server_took_it_leaves_it_to_check(rsps, clock, author, window):
    answer_ok(rsps, "3001")
    row = row_of(publish(window, author, "We have started."))
    assert len(rsps.calls) == 1  # Mastodon has it; the worker died before writing so
    CrossPost.objects.filter(pk=row.pk).update(
        state=MessageState.SENDING, sending_since=NOW, remote_id="", sent_at=None
    )
    clock.shift(STALE_SENDING + timedelta(seconds=1))
    sweep()
    row.refresh_from_db()
    assert row.state == MessageState.UNCONFIRMED
    assert "Mastodon may or may not have it" in row.last_error
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    assert len(rsps.calls) == 1  # never re-posted blindly

    # Staff send it again: the same key, so the server gives back the status it has.
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_retry(message=row)
    row.refresh_from_db()
    assert (row.state, row.remote_id) == (MessageState.SENT, "3001")
    assert len(rsps.calls) == 2
    keys = {call.request.headers["Idempotency-Key"] for call in rsps.calls}
    assert keys == {mastodon.idempotency_key(row)}


# --- down for the whole window, then back ----------------------------------------------


def test_updates_written_while_mastodon_is_down_go_out_once_in_order_as_a_thread(
    rsps, clock, author, window
):
    answer(rsps, 503, body="Service Unavailable")
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
    failed_calls = len(rsps.calls)
    assert failed_calls == 4  # one try an hour, all of the first update
    assert {sent_form(call)["status"] for call in rsps.calls} == {rows[0].body}

    rsps.remove(responses.POST, URL)
    for status_id in ["2001", "2002", "2003", "2004"]:
        answer_ok(rsps, status_id)
    clock.move_to(NOW + timedelta(hours=3, minutes=10))
    sweep()
    clock.move_to(NOW + timedelta(hours=4))
    sweep()

    for row in rows:
        row.refresh_from_db()
    assert [r.state for r in rows] == [MessageState.SENT] * 4
    assert [r.remote_id for r in rows] == ["2001", "2002", "2003", "2004"]
    assert [r.reply_to_id for r in rows] == ["", "2001", "2002", "2003"]
    assert len(rsps.calls) == failed_calls + 4
    posted = [sent_form(call) for call in rsps.calls[failed_calls:]]
    assert [p["status"] for p in posted] == [r.body for r in rows]
    assert "in_reply_to_id" not in posted[0]
    assert [p["in_reply_to_id"] for p in posted[1:]] == ["2001", "2002", "2003"]


def test_two_events_keep_their_own_threads(rsps, author, window, db):
    incident = IncidentFactory(title="Login trouble", slug="login-trouble", hashtag="#dMdown")
    for status_id in ["1", "2", "3", "4"]:
        answer_ok(rsps, status_id)
    first = publish(window, author, "Started.")
    other = publish(incident, author, "Looking into it.")
    second = publish(window, author, "Halfway.")
    other_next = publish(incident, author, "Found it.")
    replies = [row_of(u).reply_to_id for u in (first, other, second, other_next)]
    assert replies == ["", "", "1", "2"]


def test_one_network_down_delays_only_its_own_posts(rsps, author, window, settings):
    """X answers; Mastodon is down: X's post goes, Mastodon's waits."""
    for name in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"):
        setattr(settings, name, "dummy")
    rsps.add(
        responses.POST, "https://api.twitter.com/2/tweets", status=201, json={"data": {"id": "9"}}
    )
    answer(rsps, 503)
    update = publish(window, author, "Work has begun.")
    states = dict(CrossPost.objects.filter(update=update).values_list("channel", "state"))
    assert states == {ChannelName.X: MessageState.SENT, ChannelName.MASTODON: MessageState.PENDING}


# --- the text: Mastodon's 500, counted as Mastodon counts ------------------------------


def test_links_count_23_and_graphemes_one_as_mastodon_counts():
    family = "👨\u200d👩\u200d👧"  # one grapheme of five code points
    accented = "e\u0301"  # e and a combining acute accent: one grapheme
    long_link = "https://status.example.com/maintenance/" + "a" * 80
    assert mastodon.status_length(f"{family}{accented}漢字 {long_link}") == 4 + 1 + 23
    assert mastodon.status_length(long_link) == Mastodon.get_status_length(long_link) == 23


@pytest.mark.parametrize(
    "word",
    ["maintenance", "维护工作", "🛠️", "cafe\u0301"],
    ids=["latin", "cjk", "emoji", "combining"],
)
def test_a_long_body_is_cut_on_a_word_boundary_with_link_and_hashtag_kept(word, window, settings):
    body = " ".join([word] * 400)
    text = mastodon.compose(event=window, body=body, status_label="In progress")
    tail = f"…\n\n{link(window, settings)} #maint"
    assert text.endswith(tail)
    assert mastodon.status_length(text) <= mastodon.LIMIT
    assert mastodon.status_length(text) > mastodon.LIMIT - grapheme.length(word) - 2
    words = text.removesuffix(tail).split(" ")
    assert words[-1] == word  # whole words only, never a broken grapheme


def test_text_without_spaces_is_cut_between_graphemes(window, settings):
    body = "数据库迁移" * 200  # Chinese has no spaces between words
    text = mastodon.compose(event=window, body=body, status_label="In progress")
    assert text.endswith(f"…\n\n{link(window, settings)} #maint")
    assert mastodon.status_length(text) == mastodon.LIMIT


def test_a_short_body_is_not_cut(window, settings):
    text = mastodon.compose(event=window, body="All done.", status_label="Completed")
    assert text == f"Database upgrade — Completed: All done.\n\n{link(window, settings)} #maint"
