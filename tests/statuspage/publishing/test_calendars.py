"""/maintenance.ics and the per-window files, read as calendar applications read them."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.urls import resolve

from statuspage import services
from statuspage.models import MaintenanceStatus
from tests.factories import FAQFactory, MaintenanceWindowFactory

NOW = datetime(2030, 5, 10, 9, 0, tzinfo=UTC)
START = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
SITE_URL = "https://status.example.com"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE_URL
    settings.SITE_NAME = "Acme status"


@pytest.fixture
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def window(db, frozen_time):
    window = MaintenanceWindowFactory(title="Database upgrade", summary="Sends pause.")
    FAQFactory(window=window)
    return window


def _calendar(client, path="/maintenance.ics") -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _events(calendar) -> dict[str, icalendar.Event]:
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_is_a_subscribable_calendar(window, client):
    calendar = _calendar(client)
    assert str(calendar["version"]) == "2.0"
    assert "Acme status" in str(calendar["prodid"])
    assert str(calendar["x-wr-calname"]) == "Acme status maintenance"
    refresh = calendar["refresh-interval"]
    assert refresh.params["VALUE"] == "DURATION"
    assert refresh.dt == timedelta(hours=1)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in calendar.to_ical()
    assert str(calendar["x-published-ttl"]) == "PT1H"


def test_each_window_is_one_event_in_utc_with_its_faq(window, client):
    event = _events(_calendar(client))["Database upgrade"]
    assert str(event["uid"]) == f"maintenance-{window.pk}@status.example.com"
    assert event.decoded("dtstart") == START
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == START + timedelta(hours=4)
    assert event["dtstart"].to_ical() == b"20300601T100000Z"
    faq_url = f"{SITE_URL}/faq/{window.faq.slug}/"
    assert str(event["url"]) == faq_url
    assert str(event["description"]) == f"Sends pause.\n\nFAQ: {faq_url}"
    assert str(event["status"]) == "CONFIRMED"
    assert event["sequence"] == 0
    assert event.decoded("dtstamp") == window.updated_at
    assert event.decoded("last-modified") == window.updated_at


def test_without_a_published_faq_the_event_links_to_the_window_page(db, frozen_time, client):
    window = MaintenanceWindowFactory(title="Network work")
    FAQFactory(window=window, published_at=None)
    bare = MaintenanceWindowFactory(title="Power work")
    events = _events(_calendar(client))
    for item in (window, bare):
        page = f"{SITE_URL}/maintenance/{item.slug}/"
        assert str(events[item.title]["url"]) == page
        assert str(events[item.title]["description"]).endswith(f"Details: {page}")
        assert "/faq/" not in str(events[item.title]["description"])


def test_a_postponed_window_moves_with_a_higher_sequence_and_the_same_uid(
    window, client, frozen_time
):
    before = _events(_calendar(client))["Database upgrade"]
    new_start = NOW + timedelta(days=30)
    services.update_post(
        event=window,
        author=None,
        body="Moved to July.",
        status=MaintenanceStatus.POSTPONED,
        new_start=new_start,
        new_end=new_start + timedelta(hours=4),
    )
    after = _events(_calendar(client))["Database upgrade"]
    assert after["uid"] == before["uid"]
    assert after["sequence"] == before["sequence"] + 1
    assert before.decoded("dtstart") == START
    assert after.decoded("dtstart") == new_start
    assert after.decoded("dtend") == new_start + timedelta(hours=4)
    assert str(after["status"]) == "TENTATIVE"


def test_a_cancelled_window_stays_in_the_feed_as_cancelled(window, client):
    services.maintenance_transition(window=window, to=MaintenanceStatus.CANCELLED, author=None)
    event = _events(_calendar(client))["Database upgrade"]
    assert str(event["status"]) == "CANCELLED"
    assert event["sequence"] == 1
    assert str(event["uid"]) == f"maintenance-{window.pk}@status.example.com"


def test_drafts_and_windows_long_past_are_left_out(window, client):
    MaintenanceWindowFactory(title="Secret migration", published_at=None)
    MaintenanceWindowFactory(
        title="Last month's work",
        status=MaintenanceStatus.COMPLETED,
        scheduled_start=NOW - timedelta(days=30),
    )
    MaintenanceWindowFactory(
        title="Last year's work",
        status=MaintenanceStatus.COMPLETED,
        scheduled_start=NOW - timedelta(days=365),
    )
    assert set(_events(_calendar(client))) == {"Database upgrade", "Last month's work"}


def test_the_calendar_is_built_in_one_query(window, client, django_assert_num_queries):
    for i in range(20):
        FAQFactory(window=MaintenanceWindowFactory(scheduled_start=START + timedelta(days=i)))
    with django_assert_num_queries(1):
        calendar = _calendar(client)
    assert len(calendar.walk("VEVENT")) == 21


def test_each_window_can_be_downloaded_as_a_file_with_the_same_event(window, client):
    response = client.get(f"/maintenance/{window.slug}.ics")
    assert response["Content-Disposition"] == f'attachment; filename="{window.slug}.ics"'
    single = _calendar(client, f"/maintenance/{window.slug}.ics")
    [event] = single.walk("VEVENT")
    assert event.to_ical() == _events(_calendar(client))["Database upgrade"].to_ical()


def test_a_window_long_past_can_still_be_downloaded(demo, client):
    single = _calendar(client, "/maintenance/dotmailer-database-upgrade-2013.ics")
    [event] = single.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2013, 10, 26, 10, 0, tzinfo=UTC)
    assert str(event["url"]) == f"{SITE_URL}/faq/dotmailer-database-upgrade-2013/"


def test_unknown_and_draft_windows_have_no_file(db, client):
    draft = MaintenanceWindowFactory(published_at=None)
    assert client.get(f"/maintenance/{draft.slug}.ics").status_code == 404
    assert client.get("/maintenance/no-such-window.ics").status_code == 404


def test_the_file_and_the_pages_of_a_window_do_not_clash(window, client):
    assert resolve(f"/maintenance/{window.slug}.ics").url_name == "maintenance_window_ics"
    assert resolve(f"/maintenance/{window.slug}/").view_name == "statuspage:maintenance_detail"
    timeline = resolve(f"/maintenance/{window.slug}/timeline/")
    assert timeline.view_name == "statuspage:maintenance_timeline"
    holding = resolve(f"/maintenance/{window.slug}/holding-page.html")
    assert holding.url_name == "holding_page"
    page = client.get(f"/maintenance/{window.slug}/")
    assert page["Content-Type"].startswith("text/html")
    assert b"<h1>Database upgrade</h1>" in page.content
