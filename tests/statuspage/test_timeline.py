"""The public timeline: updates newest first, in two zones, drafts never shown, 304s free."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from statuspage import services
from statuspage.models import IncidentImpact, MaintenanceStatus, ServiceStatus
from tests.factories import (
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    StaffFactory,
    StatusUpdateFactory,
)

START = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def live_window(db):
    with time_machine.travel(START, tick=False):
        window = MaintenanceWindowFactory(services=[ServiceFactory(name="dotMailer API")])
        services.maintenance_transition(
            window=window, to=MaintenanceStatus.IN_PROGRESS, author=StaffFactory()
        )
    return window


def test_event_page_lists_updates_newest_first_in_both_zones(live_window, client):
    with time_machine.travel(START + timedelta(minutes=40), tick=False):
        services.update_post(event=live_window, author=None, body="Halfway: **data** copied.")
        page = client.get(live_window.get_absolute_url()).content.decode()
    assert page.index("Halfway: <strong>data</strong> copied.") < page.index(
        "The maintenance has started."
    )
    assert "Sat 1 Jun 2030, 11:40 UK time (10:40 UTC)" in page
    assert '<time class="update__time" datetime="2030-06-01T10:40:00+00:00"' in page
    assert "dotMailer API: Operational → <strong>Under maintenance</strong>" in page


def test_in_progress_window_shows_elapsed_time_then_over_run(live_window, client):
    with time_machine.travel(START + timedelta(hours=1, minutes=20), tick=False):
        page = client.get(live_window.get_absolute_url()).content.decode()
    assert "1 hour 20 min elapsed of the planned 4 hours." in page
    assert 'value="33"' in page
    with time_machine.travel(START + timedelta(hours=4, minutes=25), tick=False):
        page = client.get(live_window.get_absolute_url()).content.decode()
    assert "progress--overrun" in page
    assert "<strong>Over-running:</strong> 25 min past the planned 4 hours." in page


def test_home_shows_active_events_with_their_latest_updates(live_window, client):
    incident = IncidentFactory(title="Slow API", impact=IncidentImpact.MAJOR)
    services.update_post(event=incident, author=None, body="We are looking into slow responses.")
    page = client.get("/").content.decode()
    assert "Current incidents" in page
    assert "We are looking into slow responses." in page
    assert "The maintenance has started." in page
    assert "Partial system outage" in page  # the major incident outranks the maintenance


def test_drafts_are_invisible_on_every_page(live_window, client):
    draft = services.update_post(
        event=live_window, author=None, body="DRAFT: do not show", publish=False
    )
    paths = [
        "/",
        "/timeline/",
        live_window.get_absolute_url(),
        f"{live_window.get_absolute_url()}timeline/",
        "/history/",
    ]
    for path in paths:
        assert "DRAFT: do not show" not in client.get(path).content.decode(), path
    services.update_publish(update=draft)
    assert "DRAFT: do not show" in client.get(live_window.get_absolute_url()).content.decode()


def test_unpublished_incidents_and_their_updates_are_invisible(db, client):
    incident = IncidentFactory(title="Not announced", published_at=None)
    StatusUpdateFactory(maintenance=None, incident=incident, body="Secret")
    for path in ["/", "/history/"]:
        assert "Not announced" not in client.get(path).content.decode()
    assert client.get(incident.get_absolute_url()).status_code == 404


def _conditional(client, path, django_assert_num_queries):
    first = client.get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    with django_assert_num_queries(0):
        again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    return etag, first["Last-Modified"]


@pytest.mark.parametrize("suffix", ["", "timeline/"])
def test_unchanged_timeline_answers_304_without_sql(
    live_window, client, django_assert_num_queries, django_capture_on_commit_callbacks, suffix
):
    path = f"{live_window.get_absolute_url()}{suffix}"
    etag, last_modified = _conditional(client, path, django_assert_num_queries)
    with django_assert_num_queries(0):
        assert client.get(path, headers={"if-modified-since": last_modified}).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(event=live_window, author=None, body="Copy finished.")
    fresh = client.get(path, headers={"if-none-match": etag})
    assert fresh.status_code == 200
    assert "Copy finished." in fresh.content.decode()
    assert fresh["ETag"] != etag


def test_home_and_its_live_fragment_answer_304(live_window, client, django_assert_num_queries):
    _conditional(client, "/", django_assert_num_queries)
    _conditional(client, "/timeline/", django_assert_num_queries)


def test_signed_in_readers_always_get_a_fresh_page(live_window, client):
    client.force_login(StaffFactory())
    first = client.get("/")
    assert not first.has_header("ETag")
    assert client.get("/", headers={"if-none-match": '"x"'}).status_code == 200


def test_pages_name_their_poll_interval(live_window, client, settings):
    settings.STATUS_POLL_SECONDS = 7
    page = client.get(live_window.get_absolute_url()).content.decode()
    assert f'data-live-url="{live_window.get_absolute_url()}timeline/"' in page
    assert 'data-live-interval="7"' in page
    assert 'aria-live="polite"' in page


def test_event_page_pages_through_many_updates(live_window, client):
    StatusUpdateFactory.create_batch(60, maintenance=live_window)
    first = client.get(live_window.get_absolute_url()).content.decode()
    assert first.count('class="update"') == 50
    assert "Older updates" in first
    second = client.get(live_window.get_absolute_url(), {"page": 2}).content.decode()
    assert second.count('class="update"') == 11


def test_history_lists_past_events_by_month(db, client):
    MaintenanceWindowFactory(
        title="Spring upgrade",
        status=MaintenanceStatus.COMPLETED,
        scheduled_start=datetime(2030, 3, 2, 10, tzinfo=UTC),
    )
    IncidentFactory(
        title="Bounce delay", status="resolved", started_at=datetime(2030, 4, 9, tzinfo=UTC)
    )
    MaintenanceWindowFactory(title="Still ahead")
    page = client.get("/history/").content.decode()
    assert page.index("April 2030") < page.index("Bounce delay") < page.index("March 2030")
    assert page.index("March 2030") < page.index("Spring upgrade")
    assert "Still ahead" not in page


def test_incident_page_shows_impact_timeline_and_postmortem(db, client):
    incident = IncidentFactory(postmortem="### What went wrong\n\nA full disk.")
    services.update_post(event=incident, author=None, body="Disk cleared.", status="resolved")
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Minor impact" in page
    assert "Disk cleared." in page
    assert "Resolved" in page
    assert "<h3>What went wrong</h3>" in page


@pytest.mark.parametrize(
    ("statuses", "impacts", "window_status", "indicator"),
    [
        ([], [], MaintenanceStatus.SCHEDULED, "none"),
        (["operational"], [], MaintenanceStatus.IN_PROGRESS, "maintenance"),
        (["operational"], [], MaintenanceStatus.VERIFYING, "maintenance"),
        (["under_maintenance"], [], MaintenanceStatus.SCHEDULED, "maintenance"),
        (["degraded_performance"], [], MaintenanceStatus.IN_PROGRESS, "minor"),
        (["operational"], ["minor"], MaintenanceStatus.SCHEDULED, "minor"),
        (["operational"], ["none"], MaintenanceStatus.SCHEDULED, "none"),
        (["partial_outage"], ["minor"], MaintenanceStatus.SCHEDULED, "major"),
        (["operational"], ["major", "minor"], MaintenanceStatus.IN_PROGRESS, "major"),
        (["major_outage"], [], MaintenanceStatus.SCHEDULED, "critical"),
        (["operational"], ["critical"], MaintenanceStatus.IN_PROGRESS, "critical"),
    ],
)
def test_overall_indicator_for_each_combination(
    db, client, statuses, impacts, window_status, indicator
):
    for status in statuses:
        ServiceFactory(status=ServiceStatus(status))
    for impact in impacts:
        IncidentFactory(impact=impact)
    IncidentFactory(impact="critical", status="resolved")  # resolved: never counts
    MaintenanceWindowFactory(status=window_status)
    assert f'class="banner banner--{indicator}"' in client.get("/").content.decode()
