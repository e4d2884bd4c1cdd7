"""A service's own feeds, /services/<slug>.atom and /services/<slug>.ics: only the
events that affect it, read as feed readers and calendar applications read them."""

from datetime import UTC, datetime, timedelta

import feedparser
import icalendar
import pytest
from django.urls import resolve, reverse

from statuspage import services
from statuspage.models import MaintenanceStatus
from tests.factories import (
    FAQFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    StatusUpdateFactory,
    add_published_updates,
)

SITE_URL = "https://status.example.com"
START = datetime(2030, 5, 1, tzinfo=UTC)
# the service; updates with their events; windows with their FAQs; incidents
FEED_QUERIES = 4
# the service; its windows with their FAQs
CALENDAR_QUERIES = 2


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE_URL
    settings.SITE_NAME = "Acme status"


@pytest.fixture
def api(db):
    return ServiceFactory(name="Acme API", slug="api")


@pytest.fixture
def smtp(db):
    return ServiceFactory(name="SMTP relay", slug="smtp")


@pytest.fixture
def events(api, smtp):
    """Events on the API, on the relay, and on both, each with one published update."""
    api_window = MaintenanceWindowFactory(title="API upgrade", services=[api])
    FAQFactory(window=api_window)
    smtp_window = MaintenanceWindowFactory(title="Relay move", services=[smtp])
    shared_window = MaintenanceWindowFactory(title="Network work", services=[api, smtp])
    api_incident = IncidentFactory(title="API errors", services=[api])
    smtp_incident = IncidentFactory(title="Slow relay", services=[smtp])
    MaintenanceWindowFactory(title="Secret API migration", published_at=None, services=[api])
    IncidentFactory(title="Unaffected outage")
    for window in (api_window, smtp_window, shared_window):
        StatusUpdateFactory(maintenance=window, body=f"Note on {window.title}.")
    for incident in (api_incident, smtp_incident):
        StatusUpdateFactory(maintenance=None, incident=incident, body=f"Note on {incident.title}.")
    return {
        "api_window": api_window,
        "smtp_window": smtp_window,
        "shared_window": shared_window,
        "api_incident": api_incident,
        "smtp_incident": smtp_incident,
    }


def _feed(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def _calendar(client, path: str) -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _summaries(calendar) -> set[str]:
    return {str(event["summary"]) for event in calendar.walk("VEVENT")}


def test_a_service_feed_holds_only_the_events_affecting_it_and_their_updates(events, client):
    feed = _feed(client, "/services/api.atom")
    assert sorted(entry.title for entry in feed.entries) == [
        "API errors: Incident reported",
        "API errors: Investigating",
        "API upgrade: Planned maintenance announced",
        "API upgrade: Scheduled",
        "Network work: Planned maintenance announced",
        "Network work: Scheduled",
    ]
    text = " ".join(entry.summary for entry in feed.entries)
    assert "Note on API upgrade." in text
    assert "Note on Network work." in text
    assert "Note on API errors." in text
    assert "Relay" not in text
    assert "Note on Slow relay." not in text
    links = {entry.link for entry in feed.entries}
    for event in ("api_window", "shared_window", "api_incident"):
        assert any(
            link.startswith(f"{SITE_URL}{events[event].get_absolute_url()}") for link in links
        )
    for event in ("smtp_window", "smtp_incident"):
        assert not any(events[event].slug in link for link in links)


def test_the_other_service_feed_holds_its_own_events_and_the_shared_one(events, client):
    feed = _feed(client, "/services/smtp.atom")
    titles = {entry.title for entry in feed.entries}
    assert titles == {
        "Relay move: Planned maintenance announced",
        "Relay move: Scheduled",
        "Network work: Planned maintenance announced",
        "Network work: Scheduled",
        "Slow relay: Incident reported",
        "Slow relay: Investigating",
    }
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == len(ids)


def test_a_service_feed_shares_items_with_the_history_feed(events, client):
    service_feed = _feed(client, "/services/api.atom")
    history = {entry.id: entry for entry in _feed(client, "/history.atom").entries}
    for entry in service_feed.entries:
        assert history[entry.id].title == entry.title
        assert history[entry.id].link == entry.link
    published = [entry.published_parsed for entry in service_feed.entries]
    assert published == sorted(published, reverse=True)


def test_a_service_feed_names_the_site_the_service_and_itself(api, client):
    feed = _feed(client, "/services/api.atom")
    assert feed.feed.title == "Acme status: Acme API"
    assert feed.feed.link == f"{SITE_URL}/services/api/"
    assert "Acme API" in feed.feed.subtitle
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == [f"{SITE_URL}/services/api.atom"]
    assert feed.entries == []


def test_unknown_services_have_no_feeds(db, client):
    assert client.get("/services/no-such-service.atom").status_code == 404
    assert client.get("/services/no-such-service.ics").status_code == 404


def test_a_service_calendar_holds_only_the_windows_affecting_it(events, api, client):
    cancelled = MaintenanceWindowFactory(title="Cancelled API work", services=[api])
    services.maintenance_transition(window=cancelled, to=MaintenanceStatus.CANCELLED, author=None)
    MaintenanceWindowFactory(
        title="Old API work",
        status=MaintenanceStatus.COMPLETED,
        scheduled_start=datetime.now(UTC) - timedelta(days=365),
        services=[api],
    )
    calendar = _calendar(client, "/services/api.ics")
    assert str(calendar["x-wr-calname"]) == "Acme status maintenance: Acme API"
    assert "Acme API" in str(calendar["x-wr-caldesc"])
    assert calendar["refresh-interval"].dt == timedelta(hours=1)
    assert _summaries(calendar) == {"API upgrade", "Network work", "Cancelled API work"}
    events_by_summary = {str(event["summary"]): event for event in calendar.walk("VEVENT")}
    assert str(events_by_summary["Cancelled API work"]["status"]) == "CANCELLED"
    assert str(events_by_summary["API upgrade"]["status"]) == "CONFIRMED"
    assert (
        str(events_by_summary["API upgrade"]["url"])
        == f"{SITE_URL}/faq/{events['api_window'].slug}/"
    )
    assert _summaries(_calendar(client, "/services/smtp.ics")) == {"Relay move", "Network work"}


def test_a_service_calendar_event_is_the_main_calendar_event(events, client):
    main = {
        str(event["uid"]): event for event in _calendar(client, "/maintenance.ics").walk("VEVENT")
    }
    for event in _calendar(client, "/services/api.ics").walk("VEVENT"):
        assert event.to_ical() == main[str(event["uid"])].to_ical()


def test_the_service_page_and_its_feeds_do_not_clash(api, client):
    assert resolve("/services/api/").view_name == "statuspage:service_detail"
    assert resolve("/services/api.atom").url_name == "service_atom"
    assert resolve("/services/api.ics").url_name == "service_ics"
    assert reverse("service_atom", args=["api"]) == "/services/api.atom"
    assert reverse("service_ics", args=["api"]) == "/services/api.ics"
    page = client.get("/services/api/")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")


def _add_events(service, other, count: int) -> None:
    """``count`` updates on a window and an incident of ``service``, a few windows on both
    services, and ``count`` newer updates on a window and an incident of ``other`` only."""
    for _ in range(3):
        FAQFactory(window=MaintenanceWindowFactory(services=[service, other]))
    for owner, published_at in ((service, START), (other, START + timedelta(days=1))):
        window = MaintenanceWindowFactory(services=[owner], published_at=published_at)
        FAQFactory(window=window)
        incident = IncidentFactory(services=[owner], published_at=published_at)
        add_published_updates(
            window=window, incident=incident, count=count, spacing=timedelta(minutes=1)
        )


@pytest.mark.parametrize(("updates", "items"), [(5, 10), (60, 50), (120, 50)])
def test_the_feed_query_count_is_flat(api, smtp, client, django_assert_num_queries, updates, items):
    _add_events(api, smtp, updates)
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get("/services/api.atom")
    feed = feedparser.parse(response.content)
    assert len(feed.entries) == items
    assert f"Progress note {updates - 1}." in feed.entries[0].summary
    assert feed.entries[0].published_parsed[:3] == START.timetuple()[:3]


@pytest.mark.parametrize("windows", [1, 20])
def test_the_calendar_query_count_is_flat(api, smtp, client, django_assert_num_queries, windows):
    for i in range(windows):
        start = datetime(2030, 6, 1, 10, tzinfo=UTC) + timedelta(days=i)
        FAQFactory(window=MaintenanceWindowFactory(scheduled_start=start, services=[api, smtp]))
        MaintenanceWindowFactory(scheduled_start=start, services=[smtp])
    with django_assert_num_queries(CALENDAR_QUERIES):
        calendar = _calendar(client, "/services/api.ics")
    assert len(calendar.walk("VEVENT")) == windows


@pytest.mark.parametrize("path", ["/services/api.atom", "/services/api.ics"])
def test_a_repeated_request_is_answered_without_sql(
    events, client, django_assert_num_queries, path
):
    etag = client.get(path)["ETag"]
    with django_assert_num_queries(0):
        response = client.get(path, headers={"if-none-match": etag})
    assert response.status_code == 304
