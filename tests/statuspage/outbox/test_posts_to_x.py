"""Cross-posting published updates to X.

The real tweepy code runs; only the HTTP exchange with X is faked (``responses``).
Every scenario counts the calls made to X, so that a duplicate post shows.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from statuspage import services
from statuspage.models import IncidentStatus, MaintenanceStatus, StatusUpdate
from statuspage.outbox import tasks
from statuspage.outbox.channels import x
from statuspage.outbox.channels.x import compose
from statuspage.outbox.models import CrossPost, MessageState
from statuspage.outbox.services import deliver_due, message_retry
from tests.factories import IncidentFactory, MaintenanceWindowFactory, StaffFactory

STALE_SENDING = x.CHANNEL.stale_after
retry_delay = x.CHANNEL.backoff.delay
URL = "https://api.twitter.com/2/tweets"
NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "status": 403,
    "title": "Forbidden",
    "type": "about:blank",
}


# --- shared fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def x_credentials(settings):
    for name in x.CREDENTIALS:
        setattr(settings, name, f"dummy-{name.lower()}")
    settings.X_ACCOUNT = "dotmailer"
    return settings


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rsps():
    """X's API, faked at the HTTP level; anything not registered fails loudly."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def author(db):
    return StaffFactory(username="editor")


@pytest.fixture
def window(db):
    return MaintenanceWindowFactory(title="Database upgrade", slug="database-upgrade")


def answer_ok(rsps, post_id="1001"):
    rsps.add(
        responses.POST,
        URL,
        status=201,
        json={"data": {"id": post_id, "text": "...", "edit_history_tweet_ids": [post_id]}},
    )


def answer(rsps, status, **kwargs):
    rsps.add(responses.POST, URL, status=status, **kwargs)


def publish(event, author, body, **kwargs) -> StatusUpdate:
    """Post an update as the admin does, letting its commit start the task."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.update_post(event=event, author=author, body=body, **kwargs)


def sweep() -> int:
    """The outbox's sweep, as beat runs it every minute; returns how many it sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return deliver_due()


def row_of(update: StatusUpdate) -> CrossPost:
    return CrossPost.objects.get(update=update)


def sent_body(call) -> dict:
    return json.loads(call.request.body)


def link(event, settings) -> str:
    return f"{settings.SITE_URL}{event.get_absolute_url()}"


# --- 1. success ------------------------------------------------------------------------


def test_published_update_is_posted_once_with_link_hashtag_and_oauth(
    rsps, author, window, settings
):
    answer_ok(rsps)
    update = publish(
        window,
        author,
        "We are moving the database to new servers.",
        status=MaintenanceStatus.IN_PROGRESS,
    )

    row = row_of(update)
    assert row.state == MessageState.SENT
    assert row.remote_id == "1001"
    assert row.remote_url == "https://x.com/dotmailer/status/1001"
    assert (row.attempts, row.sent_at, row.last_error, row.reply_to_id) == (1, NOW, "", "")
    assert len(rsps.calls) == 1

    request = rsps.calls[0].request
    assert request.method == "POST"
    body = sent_body(rsps.calls[0])
    assert set(body) == {"text"}  # no reply: the first post of the thread
    text = body["text"]
    assert text == row.body
    assert "We are moving the database to new servers." in text
    assert "Database upgrade — In progress:" in text
    assert f"{link(window, settings)} #maint" in text
    assert text.endswith("#maint")
    assert x.weighted_length(text) <= x.LIMIT

    authorization = request.headers["Authorization"]
    if isinstance(authorization, bytes):
        authorization = authorization.decode()
    assert authorization.startswith("OAuth ")
    assert 'oauth_consumer_key="dummy-x_consumer_key"' in authorization
    assert 'oauth_token="dummy-x_access_token"' in authorization
    assert 'oauth_signature_method="HMAC-SHA1"' in authorization
    assert "oauth_signature=" in authorization
    assert request.headers["Content-Type"] == "application/json"
    # The worker never hangs on X: every request carries a timeout.
    assert request.req_kwargs["timeout"] == x.TIMEOUT_SECONDS


def test_an_api_base_url_sends_the_same_request_there(rsps, author, window, settings):
    settings.X_API_BASE_URL = "http://127.0.0.1:8765/fake-x/"
    rsps.add(
        responses.POST,
        "http://127.0.0.1:8765/fake-x/2/tweets",
        status=201,
        json={"data": {"id": "2002", "text": "..."}},
    )
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert (row.state, row.remote_id) == (MessageState.SENT, "2002")
    assert len(rsps.calls) == 1  # nothing went to api.twitter.com: it is not registered
    request = rsps.calls[0].request
    assert sent_body(rsps.calls[0]) == {"text": row.body}
    assert request.headers["Authorization"].startswith("OAuth ")
    assert request.req_kwargs["timeout"] == x.TIMEOUT_SECONDS


# --- 2. rate limit ---------------------------------------------------------------------


def test_rate_limit_waits_for_xs_reset_time_then_sends(rsps, clock, author, window):
    reset = NOW + timedelta(minutes=12, seconds=7)
    answer(
        rsps,
        429,
        headers={"x-rate-limit-reset": str(int(reset.timestamp()))},
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
    )
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert row.state == MessageState.PENDING
    assert row.next_attempt_at == reset
    assert "rate limit" in row.last_error
    assert row.attempts == 1
    assert len(rsps.calls) == 1

    clock.move_to(reset - timedelta(seconds=1))
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "not due"
    row.refresh_from_db()
    assert row.state == MessageState.PENDING
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
    assert sent_body(rsps.calls[1]) == sent_body(rsps.calls[0])


# --- 3. X's 5xx: back-off schedule ------------------------------------------------------


def test_retry_delay_schedule():
    assert [retry_delay(n).total_seconds() for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        900,
        900,
        900,
    ]


def test_server_errors_retry_after_30_then_60_seconds(rsps, clock, author, window):
    answer(rsps, 503, body="Service Unavailable")
    answer(rsps, 503, body="Service Unavailable")
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert (row.state, row.attempts) == (MessageState.PENDING, 1)
    assert row.next_attempt_at == NOW + retry_delay(1) == NOW + timedelta(seconds=30)
    assert row.last_error == "X answered 503"
    assert len(rsps.calls) == 1

    clock.move_to(NOW + timedelta(seconds=29))
    assert sweep() == 0
    assert len(rsps.calls) == 1

    second_try = NOW + timedelta(seconds=30)
    clock.move_to(second_try)
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (MessageState.PENDING, 2)
    assert row.next_attempt_at == second_try + retry_delay(2) == second_try + timedelta(seconds=60)
    assert len(rsps.calls) == 2

    clock.move_to(second_try + timedelta(seconds=59))
    assert sweep() == 0
    assert len(rsps.calls) == 2

    clock.move_to(second_try + timedelta(seconds=60))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id, row.last_error) == (
        MessageState.SENT,
        3,
        "1001",
        "",
    )
    assert len(rsps.calls) == 3
    assert len({call.request.body for call in rsps.calls}) == 1  # the same post each time


# --- 4. duplicate content ---------------------------------------------------------------


def test_duplicate_content_fails_for_good(rsps, clock, author, window):
    answer(rsps, 403, json=DUPLICATE)
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert row.state == MessageState.FAILED
    assert "duplicate content" in row.last_error
    assert "403" in row.last_error
    assert len(rsps.calls) == 1

    clock.move_to(NOW + timedelta(hours=1))
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    row.refresh_from_db()
    assert row.state == MessageState.FAILED
    assert len(rsps.calls) == 1


# --- 5. other refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "kwargs", "expected"),
    [
        (
            401,
            {"json": {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}},
            "X refused it (401): Unauthorized",
        ),
        (
            400,
            {
                "json": {
                    "errors": [{"message": "Requested tweet text is invalid."}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                }
            },
            "X refused it (400): Requested tweet text is invalid.",
        ),
        (400, {"body": "Bad Request"}, "X refused it (400): Bad Request"),
    ],
    ids=["401", "400-json", "400-plain"],
)
def test_refusals_fail_without_retry(rsps, clock, author, window, status, kwargs, expected):
    answer(rsps, status, **kwargs)
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert row.state == MessageState.FAILED
    assert row.last_error == expected
    assert len(rsps.calls) == 1

    clock.move_to(NOW + timedelta(hours=1))
    assert sweep() == 0
    assert len(rsps.calls) == 1


# --- 6. network trouble ----------------------------------------------------------------


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
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert (row.state, row.attempts) == (MessageState.PENDING, 1)
    assert row.last_error == f"X could not be reached: {type(error).__name__}"
    assert row.next_attempt_at == NOW + timedelta(seconds=30)
    assert len(rsps.calls) == 1

    clock.move_to(NOW + timedelta(seconds=30))
    sweep()
    row.refresh_from_db()
    assert (row.state, row.attempts, row.remote_id) == (MessageState.SENT, 2, "1001")
    assert len(rsps.calls) == 2


# --- 7. the same task delivered twice ---------------------------------------------------


def test_a_task_delivered_again_after_sending_posts_nothing(rsps, author, window):
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)
    row = row_of(update)
    assert row.state == MessageState.SENT
    assert len(rsps.calls) == 1

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
    row = row_of(update)
    assert (row.state, row.attempts) == (MessageState.SENT, 1)
    assert len(rsps.calls) == 1


# --- 8. a worker died while posting -----------------------------------------------------


def _left_sending(window, author, since: timedelta) -> CrossPost:
    """A row whose worker claimed it ``since`` ago and never finished."""
    update = services.update_post(event=window, author=author, body="Work has begun.")  # not run
    row = row_of(update)
    assert row.state == MessageState.PENDING
    CrossPost.objects.filter(pk=row.pk).update(
        state=MessageState.SENDING, sending_since=NOW - since, attempts=1
    )
    return row


@pytest.mark.parametrize("delivery", ["task again", "sweep"])
def test_row_left_sending_by_a_dead_worker_is_not_posted_blindly(rsps, author, window, delivery):
    answer_ok(rsps)
    row = _left_sending(window, author, since=timedelta(minutes=2))
    assert timedelta(minutes=2) > STALE_SENDING

    if delivery == "sweep":
        sweep()
    else:
        assert tasks.outbox_send.delay(row.pk).get() == "needs checking"

    row.refresh_from_db()
    assert row.state == MessageState.UNCONFIRMED
    assert "may or may not have it" in row.last_error
    assert len(rsps.calls) == 0

    # It stays for staff to check: neither the sweep nor another delivery posts it.
    assert sweep() == 0
    assert tasks.outbox_send.delay(row.pk).get() == "nothing to do"
    assert len(rsps.calls) == 0


def test_row_being_sent_right_now_is_left_alone(rsps, author, window):
    answer_ok(rsps)
    row = _left_sending(window, author, since=timedelta(seconds=5))

    assert tasks.outbox_send.delay(row.pk).get() == "being sent"
    assert sweep() == 0

    row.refresh_from_db()
    assert (row.state, row.sending_since, row.last_error) == (
        MessageState.SENDING,
        NOW - timedelta(seconds=5),
        "",
    )
    assert len(rsps.calls) == 0


# --- 9. X down for the whole window -----------------------------------------------------


def test_updates_written_while_x_is_down_go_out_once_in_order_as_a_thread(
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
        sweep()  # the beat keeps trying while X is down
        updates.append(publish(window, author, body, status=status))
    rows = [row_of(update) for update in updates]
    assert [r.state for r in CrossPost.objects.order_by("pk")] == [MessageState.PENDING] * 4
    failed_calls = len(rsps.calls)
    assert failed_calls == 4  # one attempt per hour, all for the first update
    assert {sent_body(call)["text"] for call in rsps.calls} == {rows[0].body}
    assert all(call.response.status_code == 503 for call in rsps.calls)

    # X is back.
    rsps.remove(responses.POST, URL)
    for post_id in ["2001", "2002", "2003", "2004"]:
        answer_ok(rsps, post_id)
    clock.move_to(NOW + timedelta(hours=3, minutes=10))
    sweep()
    clock.move_to(NOW + timedelta(hours=3, minutes=20))
    sweep()
    clock.move_to(NOW + timedelta(hours=4))
    sweep()

    for row in rows:
        row.refresh_from_db()
    assert [r.state for r in rows] == [MessageState.SENT] * 4
    assert [r.remote_id for r in rows] == ["2001", "2002", "2003", "2004"]
    assert [r.reply_to_id for r in rows] == ["", "2001", "2002", "2003"]

    assert len(rsps.calls) == failed_calls + 4
    posted = [sent_body(call) for call in rsps.calls[failed_calls:]]
    assert all(call.response.status_code == 201 for call in rsps.calls[failed_calls:])
    assert [p["text"] for p in posted] == [r.body for r in rows]
    for (_, body), p in zip(plan, posted, strict=True):
        assert body in p["text"]
    assert "reply" not in posted[0]
    assert [p["reply"]["in_reply_to_tweet_id"] for p in posted[1:]] == ["2001", "2002", "2003"]


# --- 10. what is never posted (again) ---------------------------------------------------


def test_an_update_edited_after_posting_is_not_posted_again(rsps, clock, author, window):
    answer_ok(rsps)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)
    assert row_of(update).state == MessageState.SENT

    update.body = "Work has begun (corrected)."
    update.save()
    clock.move_to(NOW + timedelta(hours=1))
    assert sweep() == 0

    row = row_of(update)
    assert (row.state, row.remote_id) == (MessageState.SENT, "1001")
    assert len(rsps.calls) == 1


def test_drafts_never_create_a_cross_post(rsps, clock, author, window):
    answer_ok(rsps)
    draft = publish(window, author, "Draft words.", publish=False)
    assert draft.published_at is None
    assert not CrossPost.objects.exists()

    clock.move_to(NOW + timedelta(hours=1))
    assert sweep() == 0
    draft.delete()
    assert sweep() == 0
    assert not CrossPost.objects.exists()
    assert len(rsps.calls) == 0


def test_no_cross_post_when_turned_off_or_without_hashtag(rsps, author, window):
    answer_ok(rsps)
    quiet = publish(window, author, "Not for X.", cross_post=False)
    no_tag = MaintenanceWindowFactory(hashtag="")
    untagged = publish(no_tag, author, "This event has no hashtag.")
    assert quiet.published_at is not None
    assert untagged.published_at is not None
    assert not CrossPost.objects.exists()
    assert sweep() == 0
    assert len(rsps.calls) == 0


def test_a_published_update_deleted_before_its_task_ran_posts_nothing(rsps, author, window):
    answer_ok(rsps)
    update = services.update_post(event=window, author=author, body="Oops.")  # task not run
    pk = row_of(update).pk
    update.delete()
    assert not CrossPost.objects.exists()
    assert tasks.outbox_send.delay(pk).get() == "nothing to do"
    assert len(rsps.calls) == 0


# --- 11. X not configured ---------------------------------------------------------------


def test_without_credentials_the_row_is_skipped_then_sent_on_retry(
    rsps, clock, author, window, settings
):
    answer_ok(rsps)
    for name in x.CREDENTIALS:
        setattr(settings, name, "")
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)

    row = row_of(update)
    assert row.state == MessageState.SKIPPED
    for name in x.CREDENTIALS:
        assert name in row.last_error
    assert len(rsps.calls) == 0
    assert sweep() == 0
    assert len(rsps.calls) == 0

    for name in x.CREDENTIALS:
        setattr(settings, name, f"dummy-{name.lower()}")
    clock.move_to(NOW + timedelta(minutes=5))
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_retry(message=row)

    row.refresh_from_db()
    assert (row.state, row.remote_id, row.last_error) == (MessageState.SENT, "1001", "")
    assert len(rsps.calls) == 1
    assert "Work has begun." in sent_body(rsps.calls[0])["text"]


def test_skipped_row_names_only_the_missing_credential(rsps, author, window, settings):
    answer_ok(rsps)
    settings.X_ACCESS_TOKEN_SECRET = ""
    row = row_of(publish(window, author, "Work has begun."))
    assert row.state == MessageState.SKIPPED
    assert row.last_error == "X is off: X_ACCESS_TOKEN_SECRET not set."
    assert len(rsps.calls) == 0


# --- 12. the text -----------------------------------------------------------------------


def test_a_long_body_is_cut_on_a_word_boundary_to_fit(window, settings):
    words = [f"word{n}" for n in range(200)]
    body = " ".join(words)
    tail = f"{link(window, settings)} #maint"

    text = compose(event=window, body=body, status_label="In progress")

    assert x.weighted_length(text) <= x.LIMIT
    assert text.endswith("\n\n" + tail)
    summary = text.removesuffix("\n\n" + tail)
    assert summary.endswith("…")
    kept = summary.removesuffix("…")
    full = f"{window.title} — In progress: {body}"
    assert full.startswith(kept)
    assert full[len(kept)] == " "  # cut between words, not inside one
    # As much as fits: one more word would not.
    next_word = full[len(kept) + 1 :].split(" ")[0]
    longer = f"{kept} {next_word}…\n\n{tail}"
    assert x.weighted_length(longer) > x.LIMIT


def test_a_short_body_is_not_cut(window, settings):
    text = compose(event=window, body="All services are back.", status_label="Completed")
    assert text == (
        f"{window.title} — Completed: All services are back.\n\n{link(window, settings)} #maint"
    )


def test_markdown_is_flattened_without_a_space_before_punctuation(window):
    # APP BUG, statuspage/crossposting.py line 40 (_plain): every HTML tag is replaced by a
    # space, so inline markup (**bold**, *em*, `code`, [links](...)) followed by punctuation
    # posts "paused ." and "the FAQ ." on X. Inline tags should vanish without a space.
    body = "Sending is **paused**. See [the FAQ](https://example.com/faq), or use `api2`."
    text = compose(event=window, body=body, status_label="In progress")
    assert "Sending is paused. See the FAQ, or use api2." in text, text


def test_custom_x_text_is_used_as_written(rsps, author, window, settings):
    custom = "Upgrade under way: sending is paused until 14:00 UK time."
    expected = f"{custom}\n\n{link(window, settings)} #maint"
    assert compose(event=window, body="ignored", status_label="In progress", custom=custom) == (
        expected
    )

    answer_ok(rsps)
    update = publish(
        window,
        author,
        "The long story.",
        status=MaintenanceStatus.IN_PROGRESS,
        x_text=f"  {custom} ",
    )
    assert row_of(update).body == expected
    assert sent_body(rsps.calls[0]) == {"text": expected}
    assert len(rsps.calls) == 1


def test_custom_x_text_of_exactly_280_is_accepted(rsps, author, window, settings):
    tail = f"\n\n{link(window, settings)} #maint"
    size = next(n for n in range(1, 300) if x.weighted_length("a" * n + tail) == x.LIMIT)
    answer_ok(rsps)
    update = publish(window, author, "Body.", x_text="a" * size)
    assert x.weighted_length(row_of(update).body) == x.LIMIT
    assert row_of(update).state == MessageState.SENT
    assert len(rsps.calls) == 1


def test_custom_x_text_too_long_is_refused_and_nothing_saved(rsps, author, window, settings):
    tail = f"\n\n{link(window, settings)} #maint"
    size = next(n for n in range(1, 300) if x.weighted_length("a" * n + tail) == x.LIMIT + 1)
    answer_ok(rsps)
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(ValidationError) as refused,
    ):
        services.update_post(
            event=window,
            author=author,
            body="Body.",
            status=MaintenanceStatus.IN_PROGRESS,
            x_text="a" * size,
        )
    assert "X allows 280" in " ".join(refused.value.message_dict["x_text"])
    assert f"counts {x.LIMIT + 1}" in " ".join(refused.value.messages)
    assert not StatusUpdate.objects.exists()
    assert not CrossPost.objects.exists()
    window.refresh_from_db()
    assert window.status == MaintenanceStatus.SCHEDULED
    assert len(rsps.calls) == 0


# --- 13. one thread per event -----------------------------------------------------------


def test_interleaved_events_each_keep_their_own_thread(rsps, clock, author, window):
    other_window = MaintenanceWindowFactory(title="Network work", hashtag="#netwrk")
    incident = IncidentFactory(title="Slow sends", hashtag="#slowsends")
    other_incident = IncidentFactory(title="Login errors", hashtag="#logins")
    for post_id in range(3001, 3009):
        answer_ok(rsps, str(post_id))

    steps = [
        (window, MaintenanceStatus.IN_PROGRESS, "A1: upgrade started."),
        (incident, IncidentStatus.INVESTIGATING, "C1: sends are slow."),
        (other_window, MaintenanceStatus.IN_PROGRESS, "B1: network work started."),
        (other_incident, IncidentStatus.INVESTIGATING, "D1: logins fail."),
        (window, MaintenanceStatus.COMPLETED, "A2: upgrade done."),
        (incident, IncidentStatus.RESOLVED, "C2: sends are fast again."),
        (other_window, MaintenanceStatus.COMPLETED, "B2: network work done."),
        (other_incident, IncidentStatus.RESOLVED, "D2: logins work again."),
    ]
    rows = []
    for minute, (event, status, body) in enumerate(steps):
        clock.move_to(NOW + timedelta(minutes=minute))
        rows.append(row_of(publish(event, author, body, status=status)))
    for row in rows:
        row.refresh_from_db()

    assert [r.state for r in rows] == [MessageState.SENT] * 8
    assert [r.remote_id for r in rows] == [str(n) for n in range(3001, 3009)]
    assert [r.reply_to_id for r in rows] == ["", "", "", "", "3001", "3002", "3003", "3004"]

    assert len(rsps.calls) == 8
    posted = [sent_body(call) for call in rsps.calls]
    assert [p.get("reply", {}).get("in_reply_to_tweet_id") for p in posted] == [
        None,
        None,
        None,
        None,
        "3001",
        "3002",
        "3003",
        "3004",
    ]
    assert [p["text"].rsplit(" ", 1)[1] for p in posted[:4]] == [
        "#maint",
        "#slowsends",
        "#netwrk",
        "#logins",
    ]


def test_interleaved_events_written_while_x_is_down_keep_their_own_threads(
    rsps, clock, author, window
):
    incident = IncidentFactory(title="Slow sends", hashtag="#slowsends")
    answer(rsps, 503, body="Service Unavailable")
    steps = [
        (window, MaintenanceStatus.IN_PROGRESS, "A1: upgrade started."),
        (incident, IncidentStatus.INVESTIGATING, "B1: sends are slow."),
        (window, MaintenanceStatus.VERIFYING, "A2: checking the upgrade."),
        (incident, IncidentStatus.IDENTIFIED, "B2: we found the cause."),
        (window, MaintenanceStatus.COMPLETED, "A3: upgrade done."),
        (incident, IncidentStatus.RESOLVED, "B3: sends are fast again."),
    ]
    rows = []
    for minute, (event, status, body) in enumerate(steps):
        clock.move_to(NOW + timedelta(minutes=minute))
        sweep()
        rows.append(row_of(publish(event, author, body, status=status)))
    failed_calls = len(rsps.calls)
    # Only each thread's first post was tried; the others wait their turn.
    assert {sent_body(call)["text"] for call in rsps.calls} == {rows[0].body, rows[1].body}

    rsps.remove(responses.POST, URL)
    for post_id in range(4001, 4007):
        answer_ok(rsps, str(post_id))
    clock.move_to(NOW + timedelta(hours=1))
    sweep()
    clock.move_to(NOW + timedelta(hours=2))
    sweep()

    for row in rows:
        row.refresh_from_db()
    assert [r.state for r in rows] == [MessageState.SENT] * 6
    assert len(rsps.calls) == failed_calls + 6
    posted = {
        sent_body(call)["text"]: (
            json.loads(call.response.content)["data"]["id"],
            sent_body(call).get("reply", {}).get("in_reply_to_tweet_id"),
        )
        for call in rsps.calls[failed_calls:]
    }
    assert len(posted) == 6  # six different posts, none twice
    for thread in (rows[0::2], rows[1::2]):
        ids = [posted[r.body][0] for r in thread]
        assert [r.remote_id for r in thread] == ids
        assert [posted[r.body][1] for r in thread] == [None, ids[0], ids[1]]
    assert {r.remote_id for r in rows[0::2]}.isdisjoint(r.reply_to_id for r in rows[1::2])


def test_duplicate_after_a_read_timeout_asks_staff_to_check(rsps, clock, author, window):
    """X may have taken a post whose answer timed out; its duplicate refusal then says so."""
    answer(rsps, 201, body=requests.exceptions.ReadTimeout("no answer"))
    answer(rsps, 403, json=DUPLICATE)
    update = publish(window, author, "Work has begun.", status=MaintenanceStatus.IN_PROGRESS)
    assert row_of(update).state == MessageState.PENDING
    clock.move_to(NOW + timedelta(minutes=1))
    sweep()
    row = row_of(update)
    assert row.state == MessageState.UNCONFIRMED
    assert "An earlier try may have posted it." in row.last_error
    assert len(rsps.calls) == 2


def test_later_updates_wait_without_busy_looping(rsps, clock, author, window):
    answer(rsps, 503)
    first = publish(window, author, "Started.", status=MaintenanceStatus.IN_PROGRESS)
    second = publish(window, author, "Halfway.")
    assert row_of(second).next_attempt_at == row_of(first).next_attempt_at
    assert len(rsps.calls) == 1


# --- after "Check on X": the thread waits for staff --------------------------------------


def _dies_while_posting(rsps, clock, author, window, body: str, post_id: str) -> CrossPost:
    """A post whose worker died while X was taking it: swept, it is left to "Check on X"."""
    answer_ok(rsps, post_id)
    row = row_of(publish(window, author, body))
    CrossPost.objects.filter(pk=row.pk).update(
        state=MessageState.SENDING, sending_since=timezone.now(), remote_id="", sent_at=None
    )
    clock.shift(STALE_SENDING + timedelta(seconds=1))
    sweep()
    row.refresh_from_db()
    assert row.state == MessageState.UNCONFIRMED
    return row


def test_the_next_post_waits_while_staff_check_and_replies_to_the_checked_one(
    rsps, clock, author, window, staff_client
):
    unchecked = _dies_while_posting(rsps, clock, author, window, "We have started.", "3001")
    calls = len(rsps.calls)
    answer_ok(rsps, "3002")
    following = row_of(publish(window, author, "The data copy is half done."))
    following.refresh_from_db()
    assert following.state == MessageState.PENDING
    assert "to check the post before it on X" in following.last_error
    assert len(rsps.calls) == calls  # not posted: it would have started a new thread

    # Staff find the first post on X and mark it sent, with its link.
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_client.post(
            "/admin/statuspage/crosspost/",
            {"action": "confirm_sent", "_selected_action": [unchecked.pk], "apply": "1",
             "url": "https://x.com/dotmailer/status/3001"},
        )  # fmt: skip
    unchecked.refresh_from_db()
    following.refresh_from_db()
    assert (unchecked.state, unchecked.remote_id) == (MessageState.SENT, "3001")
    assert (following.state, following.reply_to_id) == (MessageState.SENT, "3001")
    assert sent_body(rsps.calls[-1])["reply"] == {"in_reply_to_tweet_id": "3001"}


def test_unchecked_the_next_post_goes_on_after_the_wait_replying_to_the_last_sent(
    rsps, clock, author, window, settings
):
    answer_ok(rsps, "2001")
    sent = row_of(publish(window, author, "Announcement."))
    assert sent.state == MessageState.SENT
    _dies_while_posting(rsps, clock, author, window, "We have started.", "3001")
    answer_ok(rsps, "3002")
    following = row_of(publish(window, author, "The data copy is half done."))
    calls = len(rsps.calls)

    wait = timedelta(minutes=settings.POST_CHECK_WAIT_MINUTES)
    clock.shift(wait - timedelta(minutes=1))
    sweep()
    assert len(rsps.calls) == calls  # staff may still check
    clock.shift(timedelta(minutes=1, seconds=1))
    sweep()
    following.refresh_from_db()
    assert (following.state, following.reply_to_id) == (MessageState.SENT, "2001")
