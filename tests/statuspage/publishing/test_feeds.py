"""The history feeds, /history.atom and /history.rss, read as a feed reader reads them."""

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
import time_machine

from statuspage import services
from statuspage.models import IncidentImpact, MaintenanceStatus
from tests.factories import (
    FAQFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    StatusUpdateFactory,
    add_published_updates,
)

FEEDS = ["/history.atom", "/history.rss"]
SITE_URL = "https://status.example.com"
# updates with their events; windows with their FAQs; incidents
FEED_QUERIES = 3


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def history(db):
    """A window and an incident, announced, updated, with drafts beside them."""
    with time_machine.travel(datetime(2030, 5, 1, 9, tzinfo=UTC), tick=False) as traveller:
        window = MaintenanceWindowFactory(
            title="Database upgrade", published_at=datetime(2030, 5, 1, tzinfo=UTC)
        )
        FAQFactory(window=window)
        incident = IncidentFactory(
            title="Slow sends",
            impact=IncidentImpact.MAJOR,
            published_at=datetime(2030, 5, 2, tzinfo=UTC),
        )
        traveller.move_to(datetime(2030, 5, 3, tzinfo=UTC))
        services.update_post(event=window, author=None, body="We *will* start on time.")
        services.update_post(event=window, author=None, body="Secret draft.", publish=False)
        traveller.move_to(datetime(2030, 6, 1, 10, tzinfo=UTC))
        started = services.maintenance_transition(
            window=window, to=MaintenanceStatus.IN_PROGRESS, author=None
        )
        traveller.move_to(datetime(2030, 6, 1, 10, 30, tzinfo=UTC))
        services.update_post(event=incident, author=None, body="Fixed **it**.", status="resolved")
    hidden = MaintenanceWindowFactory(title="Secret migration", published_at=None)
    StatusUpdateFactory(maintenance=hidden, body="Published on a draft window.")
    return {"window": window, "incident": incident, "started": started}


def _read(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_list_events_and_updates_newest_first(history, client, path):
    _, feed = _read(client, path)
    assert [entry.title for entry in feed.entries] == [
        "Slow sends: Resolved",
        "Database upgrade: In progress",
        "Database upgrade: Scheduled",
        "Slow sends: Incident reported",
        "Database upgrade: Planned maintenance announced",
    ]
    published = [entry.published_parsed for entry in feed.entries]
    assert published == sorted(published, reverse=True)
    assert feed.entries[1].published_parsed[:5] == (2030, 6, 1, 10, 0)


@pytest.mark.parametrize("path", FEEDS)
def test_feed_items_link_to_the_update_on_its_event_page(history, client, path):
    _, feed = _read(client, path)
    started = history["started"]
    entry = feed.entries[1]
    assert entry.link == f"{SITE_URL}/maintenance/{history['window'].slug}/#update-{started.pk}"
    page = client.get(entry.link.removeprefix(SITE_URL)).content.decode()
    assert f'id="update-{started.pk}"' in page
    assert feed.entries[0].link.startswith(f"{SITE_URL}/incidents/{history['incident'].slug}/")
    assert feed.entries[4].link == f"{SITE_URL}/maintenance/{history['window'].slug}/"


@pytest.mark.parametrize("path", FEEDS)
def test_feed_descriptions_are_the_rendered_markdown(history, client, path):
    _, feed = _read(client, path)
    assert "<em>will</em>" in feed.entries[2].summary
    assert "<strong>it</strong>" in feed.entries[0].summary
    announcement = feed.entries[4].summary
    assert "Planned work on the database." in announcement
    assert f"{SITE_URL}/faq/{history['window'].slug}/" in announcement


@pytest.mark.parametrize("path", FEEDS)
def test_feed_items_have_unique_stable_ids(history, client, path):
    _, first = _read(client, path)
    ids = [entry.id for entry in first.entries]
    assert len(set(ids)) == len(ids)
    with time_machine.travel(datetime(2030, 6, 1, 11, tzinfo=UTC), tick=False):
        services.update_post(event=history["window"], author=None, body="Going well.")
    _, second = _read(client, path)
    assert [entry.id for entry in second.entries][1:] == ids


@pytest.mark.parametrize("path", FEEDS)
def test_drafts_never_reach_the_feeds(history, client, path):
    response, feed = _read(client, path)
    text = response.content.decode()
    assert "Secret draft." not in text
    assert "Secret migration" not in text
    assert "Published on a draft window." not in text
    assert len(feed.entries) == 5


def test_both_formats_name_the_site_and_themselves(history, client):
    response, atom = _read(client, "/history.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert atom.version == "atom10"
    assert atom.feed.title == "dotMailer status: incidents and maintenance"
    assert atom.feed.link == f"{SITE_URL}/history/"
    response, rss = _read(client, "/history.rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert rss.version == "rss20"
    assert rss.feed.title == atom.feed.title


def _add_updates(count: int) -> None:
    window = MaintenanceWindowFactory()
    FAQFactory(window=window)
    incident = IncidentFactory()
    add_published_updates(
        window=window, incident=incident, count=count, spacing=timedelta(minutes=1)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", FEEDS)
@pytest.mark.parametrize(("updates", "items"), [(5, 7), (50, 50), (120, 50)])
def test_feed_query_count_is_flat(client, django_assert_num_queries, path, updates, items):
    _add_updates(updates)
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(path)
    feed = feedparser.parse(response.content)
    assert len(feed.entries) == items
    assert f"Progress note {updates - 1}." in feed.entries[0].summary


@pytest.mark.parametrize("path", FEEDS)
def test_a_repeated_feed_request_is_answered_without_sql(
    history, client, django_assert_num_queries, path
):
    etag = client.get(path)["ETag"]
    with django_assert_num_queries(0):
        response = client.get(path, headers={"if-none-match": etag})
    assert response.status_code == 304
