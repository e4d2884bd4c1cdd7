"""Mastodon and Bluesky as staff and readers see them: each network's state per update in the
admin and the console, each network's exact post in the composer's preview, and each
network's thread and "Follow" link on /social/."""

from datetime import UTC, datetime

import grapheme
import pytest
import time_machine
from django.test import TestCase
from mastodon import Mastodon

from statuspage import services
from statuspage.outbox.channels import bluesky
from statuspage.outbox.models import ChannelName, CrossPost, MessageState
from tests.factories import MaintenanceWindowFactory

NOW = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
BLUESKY_URI = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kq2nuv5a3k2x"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def networks_on(settings):
    settings.MASTODON_BASE_URL = "https://mastodon.example"
    settings.MASTODON_ACCESS_TOKEN = "token"
    settings.MASTODON_ACCOUNT = "acme"
    settings.BLUESKY_HANDLE = "acme.example"
    settings.BLUESKY_APP_PASSWORD = "app-password"


@pytest.fixture
def window(db):
    return MaintenanceWindowFactory(hashtag="#dMmaint", title="Database upgrade")


@pytest.fixture
def update(window):
    """A published update whose posts were written but not sent (their task never ran)."""
    return services.update_post(event=window, author=None, body="Copying data.")


def _sent(update, channel, remote_id, url) -> CrossPost:
    row = CrossPost.objects.get(update=update, channel=channel)
    row.state, row.remote_id, row.remote_url, row.sent_at = MessageState.SENT, remote_id, url, NOW
    row.save()
    return row


def _preview(client, window, **data) -> dict:
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/preview/"
    response = client.post(url, {"body": "Work has started.", "status": "in_progress", **data})
    return response.json()


# --- staff: the admin and the console ---------------------------------------------------


def test_the_cross_post_list_shows_each_network_and_its_state(staff_client, networks_on, update):
    _sent(update, ChannelName.MASTODON, "11", "https://mastodon.example/@acme/11")
    bluesky_row = CrossPost.objects.get(update=update, channel=ChannelName.BLUESKY)
    bluesky_row.state, bluesky_row.last_error = MessageState.FAILED, "Bluesky refused it: 400"
    bluesky_row.save()

    page = staff_client.get("/admin/statuspage/crosspost/").content.decode()

    assert '<td class="field-network">Mastodon</td>' in page
    assert '<td class="field-network">Bluesky</td>' in page
    assert '<td class="field-network">X</td>' in page  # off: kept, skipped
    assert 'Sent · <a href="https://mastodon.example/@acme/11">view on Mastodon</a>' in page
    assert "Bluesky refused it: 400" in page


def test_the_event_page_shows_every_networks_post_of_each_update(
    staff_client, networks_on, window, update
):
    _sent(update, ChannelName.MASTODON, "11", "https://mastodon.example/@acme/11")
    page = staff_client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    text = page.content.decode()
    assert 'Sent · <a href="https://mastodon.example/@acme/11">view on Mastodon</a>' in text
    assert "Bluesky: Waiting to be sent" in text
    assert "X: Waiting to be sent" in text


def test_an_unchecked_bluesky_post_is_marked_sent_with_its_bsky_app_link(
    staff_client, networks_on, update
):
    row = CrossPost.objects.get(update=update, channel=ChannelName.BLUESKY)
    row.state = MessageState.UNCONFIRMED
    row.save()
    data = {"action": "confirm_sent", "_selected_action": [row.pk]}
    asked = staff_client.post("/admin/statuspage/crosspost/", data).content.decode()
    assert "Which post on Bluesky is it?" in asked
    assert "so Bluesky may have it" in asked
    address = "https://bsky.app/profile/acme.example/post/3kq2nuv5a3k2x"
    with TestCase.captureOnCommitCallbacks(execute=True):
        staff_client.post("/admin/statuspage/crosspost/", {**data, "apply": "1", "url": address})
    row.refresh_from_db()
    assert (row.state, row.remote_id, row.remote_url) == (
        MessageState.SENT,
        "at://acme.example/app.bsky.feed.post/3kq2nuv5a3k2x",
        address,
    )


def test_the_console_counts_unchecked_posts_of_every_network(staff_client, networks_on, update):
    for channel in (ChannelName.MASTODON, ChannelName.BLUESKY):
        CrossPost.objects.filter(update=update, channel=channel).update(
            state=MessageState.UNCONFIRMED
        )
    page = staff_client.get("/admin/").content.decode()
    assert "?state__exact=unconfirmed" in page
    assert "2 posts to check" in page


def test_networks_that_are_off_write_no_posts(update):
    assert list(CrossPost.objects.values_list("channel", flat=True)) == [ChannelName.X]


# --- staff: the composer's preview -------------------------------------------------------


def test_the_preview_shows_each_networks_exact_post_and_its_own_count(
    staff_client, networks_on, window
):
    words = "Done 🎉 👨\u200d👩\u200d👧 naïve cafe\u0301 中文 https://example.com/" + "a" * 60
    preview = _preview(staff_client, window, body=words)
    posts = {post["network"]: post for post in preview["posts"]}
    assert set(posts) == {"Mastodon", "Bluesky"}
    mastodon, bluesky_post = posts["Mastodon"], posts["Bluesky"]
    for post in (mastodon, bluesky_post):
        assert post["text"].startswith(f"Database upgrade — In progress: {words}")
        assert post["text"].endswith(f"{window.get_absolute_url()} #dMmaint")
        assert post["too_long"] is False
    assert mastodon["length"] == Mastodon.get_status_length(mastodon["text"])
    assert mastodon["limit"] == 500
    assert bluesky_post["length"] == grapheme.length(bluesky_post["text"])
    assert bluesky_post["limit"] == 300
    assert mastodon["length"] < bluesky_post["length"]  # Mastodon counts each link as 23


def test_the_preview_cuts_a_long_update_as_each_network_will(
    staff_client, networks_on, window, settings
):
    preview = _preview(staff_client, window, body="word " * 200)
    posts = {post["network"]: post for post in preview["posts"]}
    tail = f"…\n\n{settings.SITE_URL}{window.get_absolute_url()} #dMmaint"
    assert posts["Bluesky"]["text"].endswith(tail)
    assert posts["Mastodon"]["text"].endswith(tail)
    assert 300 - len("word") <= posts["Bluesky"]["length"] <= 300
    assert 500 - len("word") <= posts["Mastodon"]["length"] <= 500


def test_the_composer_has_a_preview_for_each_network_that_is_on(staff_client, networks_on, window):
    page = staff_client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/")
    text = page.content.decode()
    assert 'data-network="Mastodon"' in text
    assert 'data-network="Bluesky"' in text


def test_without_networks_the_preview_has_none(staff_client, window):
    assert _preview(staff_client, window)["posts"] == []


# --- readers: /social/ -------------------------------------------------------------------


def test_the_social_page_shows_each_networks_thread_and_follow_links(client, networks_on, update):
    _sent(update, ChannelName.MASTODON, "11", "https://mastodon.example/@acme/11")
    _sent(update, ChannelName.BLUESKY, BLUESKY_URI, bluesky.post_url(BLUESKY_URI))

    page = client.get("/social/").content.decode()

    assert "Every progress update is also posted on Mastodon and Bluesky" in page
    assert "<h3>On Mastodon</h3>" in page
    assert "<h3>On Bluesky</h3>" in page
    assert page.index("On Mastodon") < page.index("On Bluesky")
    assert 'href="https://mastodon.example/@acme/11" rel="noopener">View on Mastodon' in page
    address = "https://bsky.app/profile/acme.example/post/3kq2nuv5a3k2x"
    assert f'href="{address}" rel="noopener">View on Bluesky' in page
    assert 'href="https://mastodon.example/@acme" rel="noopener me">Follow us on Mastodon' in page
    assert (
        'href="https://bsky.app/profile/acme.example" rel="noopener me">Follow us on Bluesky'
        in (page)
    )
    assert "Follow #dMmaint on X" not in page  # X is off


def test_the_social_page_names_every_network_that_is_on(client, networks_on, settings, window):
    for name in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"):
        setattr(settings, name, "set")
    page = client.get("/social/").content.decode()
    assert "Every progress update is also posted on X, Mastodon and Bluesky" in page
    assert "Follow #dMmaint on X" in page


def test_without_networks_the_social_page_has_no_follow_links(client, window):
    page = client.get("/social/").content.decode()
    assert "Follow us on" not in page
    assert "Progress is not posted on X at the moment" in page
