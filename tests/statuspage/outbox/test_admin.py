"""What staff see and do about cross-posts in the admin, and the public page of posts on X."""

from datetime import UTC, datetime

import pytest
import responses
import time_machine
from django.core.signals import request_started
from django.test import Client, TestCase
from twitter_text import parse_tweet

from statuspage import services
from statuspage.common.times import utc_time
from statuspage.outbox.models import CrossPost, Message
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.factories import MaintenanceWindowFactory, StaffFactory
from tests.wsgi import WSGIClient

TWEETS = "https://api.twitter.com/2/tweets"


@pytest.fixture
def x_on(settings):
    settings.X_CONSUMER_KEY = "key"
    settings.X_CONSUMER_SECRET = "secret"
    settings.X_ACCESS_TOKEN = "token"
    settings.X_ACCESS_TOKEN_SECRET = "token-secret"
    settings.X_ACCOUNT = "dotmailer"


@pytest.fixture
def window(db):
    return MaintenanceWindowFactory(hashtag="#dMmaint", title="Database upgrade")


def _preview(client, window, **data):
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/preview/"
    response = client.post(url, {"body": "Work has started.", "status": "in_progress", **data})
    return response.json()["x"]


@pytest.mark.parametrize(
    "words",
    [
        "Back at https://example.com/a/very/long/address/that/x/counts/as/twenty/three",
        "Done 🎉🎉 all good 👍",
        "メンテナンスは完了しました。ご協力ありがとうございました。",
        "Mixed: café, naïve, 中文, emoji 🚀 and a link www.example.org/path",
    ],
)
def test_the_preview_count_matches_the_library(staff_client, window, words):
    preview = _preview(staff_client, window, x_text=words)
    assert preview["text"].startswith(words)
    assert preview["text"].endswith(f"{window.get_absolute_url()} #dMmaint")
    assert preview["length"] == parse_tweet(preview["text"]).weightedLength
    assert preview["limit"] == 280


def test_the_preview_summarises_the_update_when_no_words_are_given(staff_client, window):
    preview = _preview(staff_client, window, body="**Work** has started.")
    assert preview["text"].startswith("Database upgrade — In progress: Work has started.")
    assert not preview["too_long"]


def test_over_long_words_for_x_are_refused_by_the_form(staff_client, window):
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    response = staff_client.post(
        url,
        {"body": "Started.", "status": "scheduled", "publish": "on", "cross_post": "on",
         "x_text": "日本 " * 140},
    )  # fmt: skip
    assert response.status_code == 200
    assert "X allows 280" in response.content.decode()
    assert not CrossPost.objects.exists()
    assert not window.updates.exists()


def test_the_form_warns_when_x_is_off(staff_client, window):
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    page = staff_client.get(url).content.decode()
    assert "X is off (X_CONSUMER_KEY, X_CONSUMER_SECRET" in page


def test_each_update_shows_its_cross_post_state_and_error(staff_client, window):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body="Started.")
    page = staff_client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    assert "Skipped · X is off: X_CONSUMER_KEY" in page.content.decode()


def test_post_now_sends_skipped_posts_once_credentials_are_set(staff_client, window, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body="Started.")
    row = CrossPost.objects.get()
    assert row.state == "skipped"
    data = {"action": "post_now", "_selected_action": [row.pk]}
    response = staff_client.post("/admin/statuspage/crosspost/", data, follow=True)
    assert "X is still off: set X_CONSUMER_KEY" in response.content.decode()
    settings.X_CONSUMER_KEY = settings.X_CONSUMER_SECRET = "k"
    settings.X_ACCESS_TOKEN = settings.X_ACCESS_TOKEN_SECRET = "t"
    settings.X_ACCOUNT = "dotmailer"
    with responses.RequestsMock() as x_api:
        x_api.post(TWEETS, status=201, json={"data": {"id": "42", "text": "x"}})
        with TestCase.captureOnCommitCallbacks(execute=True):
            staff_client.post("/admin/statuspage/crosspost/", data)
        assert len(x_api.calls) == 1  # (the mock forgets its calls when it closes)
    row.refresh_from_db()
    assert (row.state, row.remote_url) == ("sent", "https://x.com/dotmailer/status/42")
    page = staff_client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    assert 'Sent · <a href="https://x.com/dotmailer/status/42">view on X</a>' in (
        page.content.decode()
    )


def test_retry_sends_a_failed_post_again(staff_client, window, x_on):
    with responses.RequestsMock() as x_api, TestCase.captureOnCommitCallbacks(execute=True):
        x_api.post(TWEETS, status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
        services.update_post(event=window, author=None, body="Started.")
    row = CrossPost.objects.get()
    assert row.state == "failed"
    with responses.RequestsMock() as x_api, TestCase.captureOnCommitCallbacks(execute=True):
        x_api.post(TWEETS, status=201, json={"data": {"id": "43", "text": "x"}})
        staff_client.post(
            "/admin/statuspage/crosspost/", {"action": "send_again", "_selected_action": [row.pk]}
        )
    row.refresh_from_db()
    assert (row.state, row.remote_id) == ("sent", "43")


def test_an_unchecked_post_is_marked_sent_with_its_link(staff_client, window, x_on):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body="Started.", cross_post=False)
    update = window.updates.get()
    row = CrossPost.objects.create(update=update, channel="x", body="Started.", state="unconfirmed")
    data = {"action": "confirm_sent", "_selected_action": [row.pk]}
    assert (
        "Which post on X is it?"
        in staff_client.post("/admin/statuspage/crosspost/", data).content.decode()
    )
    staff_client.post(
        "/admin/statuspage/crosspost/",
        {**data, "apply": "1", "url": "https://x.com/dotmailer/status/777"},
    )
    row.refresh_from_db()
    assert (row.state, row.remote_id) == ("sent", "777")


def test_the_social_page_lists_posts_and_the_hashtag(client, window, x_on):
    with responses.RequestsMock() as x_api, TestCase.captureOnCommitCallbacks(execute=True):
        x_api.post(TWEETS, status=201, json={"data": {"id": "900", "text": "x"}})
        services.update_post(event=window, author=None, body="Copying data.")
    page = client.get("/social/").content.decode()
    assert "Follow #dMmaint on X" in page
    assert 'href="https://x.com/hashtag/dMmaint?f=live"' in page
    assert 'href="https://x.com/dotmailer/status/900"' in page
    assert "Copying data." in page
    assert 'href="/social/"' in client.get("/").content.decode()
    assert 'href="/social/"' in client.get(window.get_absolute_url()).content.decode()


def test_with_x_off_the_social_page_promises_nothing_on_x(client, window):
    page = client.get("/social/").content.decode()

    assert "Every progress update is also posted on X" not in page
    assert "Follow #dMmaint on X" not in page
    assert "Progress is not posted on social networks at the moment" in page
    assert 'href="/subscribe/"' in page


X_CREDENTIALS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


def test_with_x_off_staff_are_told_how_to_turn_it_on(staff_client, window):
    anonymous = Client().get("/social/").content.decode()
    staff = staff_client.get("/social/").content.decode()

    assert "Staff only: X is off" not in anonymous
    assert not any(name in anonymous for name in X_CREDENTIALS)
    assert "Staff only: X is off" in staff
    assert all(f"<code>{name}</code>" in staff for name in X_CREDENTIALS)
    assert "“Cross-posting to X” and “Configuration”" in staff
    assert 'href="/admin/statuspage/crosspost/?state__exact=skipped">cross-post list</a>' in staff


def test_with_x_on_staff_get_no_note(staff_client, window, x_on):
    page = staff_client.get("/social/").content.decode()
    assert "Every progress update is also posted on X" in page
    assert "Staff only" not in page
    assert "X_CONSUMER_KEY" not in page


def test_with_some_credentials_the_note_names_those_missing(staff_client, window, x_on, settings):
    settings.X_ACCESS_TOKEN_SECRET = ""
    page = staff_client.get("/social/").content.decode()
    assert "<code>X_ACCESS_TOKEN_SECRET</code>" in page
    assert "<code>X_CONSUMER_KEY</code>" not in page


@pytest.mark.django_db(transaction=True)
def test_the_note_on_x_is_never_shared_through_the_page_cache(window):
    """Anonymous readers' answer is kept and given again in front of Django; staff's never
    is, nor are they given the kept one, not even as a 304 to its ETag."""
    browser = Client()
    browser.force_login(StaffFactory(username="editor"))
    staff = WSGIClient()
    staff.cookies["sessionid"] = browser.cookies["sessionid"].value
    anonymous = WSGIClient()
    django_requests = []
    request_started.connect(count := lambda **kwargs: django_requests.append(1))
    minute_start = datetime.now(UTC).replace(second=20, microsecond=0)
    try:
        with time_machine.travel(minute_start, tick=False):
            first = anonymous.get("/social/")
            for _ in range(2):  # staff after an anonymous answer was kept, and before one
                page = staff.get("/social/", headers={"if-none-match": first["ETag"]})
                assert page.status_code == 200
                assert page["Cache-Control"] == "private"
                assert "Staff only: X is off" in page.content.decode()
                assert anonymous.get("/social/").content == first.content
    finally:
        request_started.disconnect(count)
    assert first["Cache-Control"].startswith("public")
    assert "Staff only" not in first.content.decode()
    assert "X_CONSUMER_KEY" not in first.content.decode()
    assert len(django_requests) == 3  # the first anonymous request, then staff's alone


FORBIDDEN = (
    "You are not permitted to perform this action: this app must be attached to a Project "
    "in the developer portal, with write access, before it can post on behalf of the account."
)


def test_the_cross_post_list_shows_the_last_error_shortened(staff_client, window, x_on):
    with responses.RequestsMock() as x_api, TestCase.captureOnCommitCallbacks(execute=True):
        x_api.post(TWEETS, status=403, json={"title": "Forbidden", "detail": FORBIDDEN})
        services.update_post(event=window, author=None, body="Started.")
    row = CrossPost.objects.get()
    error = f"X refused it (403): {FORBIDDEN}"
    assert (row.state, row.last_error) == ("failed", error)

    page = staff_client.get("/admin/statuspage/crosspost/").content.decode()

    shown = error[:79] + "…"  # 80 characters; the whole error is the cell's title
    assert f'<td class="field-error"><span title="{error}">{shown}</span></td>' in page
    assert '<td class="field-state_shown">Failed</td>' in page
    assert f'<td class="field-when">{utc_time(row.updated_at)}</td>' in page
    assert "css/admin-lists.css" in page  # what keeps the list to 1280 px


def test_the_cross_post_list_shows_a_sent_post_with_its_link_and_time(staff_client, window, x_on):
    with responses.RequestsMock() as x_api, TestCase.captureOnCommitCallbacks(execute=True):
        x_api.post(TWEETS, status=201, json={"data": {"id": "901", "text": "x"}})
        services.update_post(event=window, author=None, body="Started.")
    row = CrossPost.objects.get()

    page = staff_client.get("/admin/statuspage/crosspost/").content.decode()

    link = '<a href="https://x.com/dotmailer/status/901">view on X</a>'
    assert f'<td class="field-state_shown">Sent · {link}</td>' in page
    assert f'<td class="field-when">{utc_time(row.sent_at)}</td>' in page
    assert '<td class="field-error">-</td>' in page


def test_the_notification_list_says_channel_and_address_in_one_column(staff_client, window):
    update = window.updates.create(body="Started.", status="in_progress")
    pat = Subscriber.objects.create(email="pat@example.com")
    hook = Webhook.objects.create(url="https://hooks.example.com/status", email="ops@example.com")
    for recipient, channel in ((pat, "email"), (hook, "webhook"), (hook, "email")):
        field = "subscriber" if recipient is pat else "webhook"
        Message.objects.create(
            **{field: recipient}, channel=channel, topic=f"{channel}:{update.pk}", body="x"
        )

    page = staff_client.get("/admin/statuspage/notification/").content.decode()

    assert '<td class="field-to">E-mail: pat@example.com</td>' in page
    assert '<td class="field-to">Webhook: https://hooks.example.com/status</td>' in page
    assert '<td class="field-to">E-mail: ops@example.com</td>' in page  # to the hook's owner
    assert page.count('<td class="field-when">next try ') == 3
