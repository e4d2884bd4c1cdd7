"""Mastodon and Bluesky as staff and readers see them: each network's state per update in the
admin and the console, each network's exact post in the composer's preview, and each
network's thread and "Follow" link on /social/."""

import re
import time
from datetime import UTC, datetime

import grapheme
import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
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


def test_the_console_counts_unchecked_posts_on_each_network(staff_client, networks_on, update):
    for channel in (ChannelName.MASTODON, ChannelName.BLUESKY):
        CrossPost.objects.filter(update=update, channel=channel).update(
            state=MessageState.UNCONFIRMED
        )
    page = staff_client.get("/admin/").content.decode()
    assert "?state__exact=unconfirmed" in page
    assert "1 post to check on Mastodon" in page
    assert "1 post to check on Bluesky" in page
    assert "check on X" not in page


def test_the_console_shows_each_networks_post_of_the_last_update(
    staff_client, networks_on, window, update
):
    window.status, window.started_at = "in_progress", NOW
    window.save()
    _sent(update, ChannelName.MASTODON, "11", "https://mastodon.example/@acme/11")
    CrossPost.objects.filter(update=update, channel=ChannelName.BLUESKY).update(
        state=MessageState.FAILED, last_error="Bluesky refused it: 401 bad app password"
    )

    page = staff_client.get("/admin/").content.decode()

    posts = page[page.index('class="console-posts"') :]
    posts = posts[: posts.index("</ul>")]
    x_row = CrossPost.objects.get(update=update, channel=ChannelName.X)
    listed = f"/admin/statuspage/crosspost/?id__exact={x_row.pk}"
    assert (  # off, kept, to post once on
        f'<strong>X</strong>: <a href="{listed}">Waiting to be sent</a>' in posts
    )
    # A click away, the post alone in the list, with the actions that retry it or mark it.
    shown = staff_client.get(listed).content.decode()
    assert shown.count('name="_selected_action"') == 1
    assert f'value="{x_row.pk}"' in shown
    assert '<option value="send_again">' in shown
    assert '<option value="confirm_sent">' in shown
    assert (
        '<strong>Mastodon</strong>: <a href="https://mastodon.example/@acme/11" rel="noopener">'
        "Sent</a>" in posts
    )
    assert re.search(
        r'<li class="console-nudge"><strong>Bluesky</strong>: <a href="[^"]+">Failed</a> · '
        '<span title="Bluesky refused it: 401 bad app password">',
        posts,
    )


def test_the_console_shows_the_last_updates_posts_not_an_earlier_ones(
    staff_client, networks_on, window, update
):
    window.status, window.started_at = "in_progress", NOW
    window.save()
    _sent(update, ChannelName.MASTODON, "11", "https://mastodon.example/@acme/11")
    services.update_post(event=window, author=None, body="Checking the copies.")

    page = staff_client.get("/admin/").content.decode()

    assert re.search(r'<strong>Mastodon</strong>: <a href="[^"]+">Waiting to be sent</a>', page)
    assert "@acme/11" not in page


def test_a_post_waiting_behind_an_earlier_one_shows_why(staff_client, networks_on, window, update):
    window.status, window.started_at = "in_progress", NOW
    window.save()
    error = "Mastodon could not be reached: timeout or connection"
    CrossPost.objects.filter(update=update, channel=ChannelName.MASTODON).update(
        attempts=3, last_error=error
    )
    services.update_post(event=window, author=None, body="Checking the copies.")

    page = staff_client.get("/admin/").content.decode()

    assert re.search(
        rf'<strong>Mastodon</strong>: <a href="[^"]+">Waiting to be sent</a> · '
        rf'<span title="{error}">',
        page,
    )
    assert re.search(r'<strong>Bluesky</strong>: <a href="[^"]+">Waiting to be sent</a></li>', page)


def test_the_console_says_which_networks_are_off(staff_client, window, update):
    window.status, window.started_at = "in_progress", NOW
    window.save()
    page = staff_client.get("/admin/").content.decode()
    assert "<strong>Mastodon</strong>: Skipped, off" in page
    assert "<strong>Bluesky</strong>: Skipped, off" in page


def test_networks_that_are_off_write_no_posts_and_staff_see_them_skipped(
    staff_client, window, update
):
    assert list(CrossPost.objects.values_list("channel", flat=True)) == [ChannelName.X]
    page = staff_client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    assert "Mastodon and Bluesky: skipped, off" in page.content.decode()


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


def test_staffs_own_words_go_to_every_network(staff_client, networks_on, window, settings):
    words = "We are copying the last tables 🚚"
    post = f"{words}\n\n{settings.SITE_URL}{window.get_absolute_url()} #dMmaint"
    preview = _preview(staff_client, window, x_text=words)
    assert [preview["x"]["text"], *(p["text"] for p in preview["posts"])] == [post] * 3

    update = services.update_post(event=window, author=None, body="Copying.", x_text=words)

    assert (
        list(CrossPost.objects.filter(update=update).values_list("body", flat=True)) == [post] * 3
    )


def test_without_networks_the_preview_has_none(staff_client, window):
    assert _preview(staff_client, window)["posts"] == []


# --- readers: /social/ -------------------------------------------------------------------


def test_the_social_page_shows_each_update_once_with_its_post_on_each_network(
    client, networks_on, window, update
):
    _sent(update, ChannelName.MASTODON, "11", "https://mastodon.example/@acme/11")
    _sent(update, ChannelName.BLUESKY, BLUESKY_URI, bluesky.post_url(BLUESKY_URI))
    later = services.update_post(event=window, author=None, body="Checking the copies.")
    _sent(later, ChannelName.MASTODON, "12", "https://mastodon.example/@acme/12")

    page = client.get("/social/").content.decode()

    assert "Every progress update is also posted on Mastodon and Bluesky" in page
    assert page.count('class="card social-thread"') == 1  # one thread per event
    assert page.count("Copying data.") == 1  # each update once, whatever the networks
    assert page.index("Checking the copies.") < page.index("Copying data.")  # newest first
    first, second = page.split('<li class="update">')[1:]
    assert 'href="https://mastodon.example/@acme/12" rel="noopener">View on Mastodon' in first
    assert "View on Bluesky" not in first
    assert 'href="https://mastodon.example/@acme/11" rel="noopener">View on Mastodon' in second
    address = "https://bsky.app/profile/acme.example/post/3kq2nuv5a3k2x"
    assert f'href="{address}" rel="noopener">View on Bluesky' in second
    # Each network's thread, from its first post.
    starts = page[page.index("The thread from its start:") :].split("</p>")[0]
    assert starts.index("@acme/11") < starts.index(address)
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
    assert "Progress is not posted on social networks at the moment" in page


def test_event_pages_say_where_progress_is_posted_only_when_a_network_is_on(
    client, settings, window
):
    page = client.get(window.get_absolute_url()).content.decode()
    assert "#dMmaint" not in page  # nothing is posted anywhere: no promise
    settings.MASTODON_BASE_URL, settings.MASTODON_ACCESS_TOKEN = "https://m.example", "t"

    page = client.get(window.get_absolute_url()).content.decode()

    assert "On Mastodon under <strong>#dMmaint</strong>" in page
    assert "follow it on X" not in page  # X is off
    assert 'href="/social/">posts so far</a>' in page


def test_a_long_update_is_cut_for_every_network_at_once(
    staff_client, networks_on, window, settings
):
    """10,000 characters: trying one word fewer at a time measured the whole text 2,000
    times per network (49 s for X, 9 s for Mastodon, on every keystroke's preview)."""
    started = time.perf_counter()
    preview = _preview(staff_client, window, body="word " * 2000)
    assert time.perf_counter() - started < 5
    tail = f"…\n\n{settings.SITE_URL}{window.get_absolute_url()} #dMmaint"
    for post in [preview["x"], *preview["posts"]]:
        assert post["text"].endswith(tail)
        assert post["limit"] - len("word ") <= post["length"] <= post["limit"]


def test_the_social_page_asks_the_database_a_fixed_number_of_times(
    client, networks_on, window, update, django_assert_num_queries
):
    def post_everywhere(update) -> None:
        for n, channel in enumerate((ChannelName.MASTODON, ChannelName.BLUESKY)):
            _sent(
                update, channel, f"{update.pk}{n}", f"https://mastodon.example/@acme/{update.pk}{n}"
            )

    post_everywhere(update)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/social/").status_code == 200
    for n in range(4):
        other = MaintenanceWindowFactory(hashtag=f"#maint{n}", slug=f"w-{n}")
        for words in ("Started.", "Halfway.", "Done."):
            post_everywhere(services.update_post(event=other, author=None, body=words))
    cache.clear()  # the page is kept until the content changes; read it afresh

    with django_assert_num_queries(len(few)):
        page = client.get("/social/").content.decode()
    assert page.count('class="card social-thread"') == 5
