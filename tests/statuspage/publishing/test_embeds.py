"""What other sites embed or serve: the badge, the banner and the holding page."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine

from statuspage import services
from statuspage.models import IncidentImpact, IncidentStatus, MaintenanceStatus
from tests.factories import FAQFactory, IncidentFactory, MaintenanceWindowFactory, ServiceFactory

NOW = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
SITE_URL = "https://status.example.com"
SVG = "{http://www.w3.org/2000/svg}"
SEED = Path(__file__).parents[2] / "fixtures" / "dotmailer-maintenance-faq-2013.txt"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _badge(client) -> ET.Element:
    response = client.get("/badge.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=60"}
    return ET.fromstring(response.content)  # noqa: S314 - our own response, not untrusted


def _fills(svg: ET.Element) -> set[str]:
    return {rect.get("fill") for rect in svg.iter(f"{SVG}rect")}


@pytest.mark.django_db
def test_badge_says_all_systems_operational_in_green(client):
    ServiceFactory()
    svg = _badge(client)
    assert svg.find(f"{SVG}title").text == "status: all systems operational"
    assert svg.get("role") == "img"
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["status", "all systems operational"]
    assert "#3c8527" in _fills(svg)


@pytest.mark.django_db
def test_badge_turns_orange_for_an_incident_of_major_impact(client):
    ServiceFactory()
    IncidentFactory(impact=IncidentImpact.MAJOR)
    IncidentFactory(impact=IncidentImpact.CRITICAL, published_at=None)
    svg = _badge(client)
    assert svg.find(f"{SVG}title").text == "status: partial system outage"
    assert "#c4420f" in _fills(svg)
    assert "#3c8527" not in _fills(svg)


@pytest.mark.django_db
def test_badge_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    for _ in range(10):
        ServiceFactory()
        IncidentFactory()
        MaintenanceWindowFactory()
    # services; unresolved incidents; current windows
    with django_assert_num_queries(3):
        client.get("/badge.svg")


def _banner(client) -> list[dict]:
    response = client.get("/embed/banner.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()["events"]


def test_banner_lists_open_incidents_and_maintenance_of_the_coming_week(db, frozen_time, client):
    active = MaintenanceWindowFactory(title="Under way", scheduled_start=NOW - timedelta(hours=1))
    services.maintenance_transition(window=active, to=MaintenanceStatus.IN_PROGRESS, author=None)
    MaintenanceWindowFactory(title="Next week", scheduled_start=NOW + timedelta(days=6))
    MaintenanceWindowFactory(title="Later", scheduled_start=NOW + timedelta(days=10))
    MaintenanceWindowFactory(title="Secret", scheduled_start=NOW, published_at=None)
    MaintenanceWindowFactory(
        title="Done", status=MaintenanceStatus.COMPLETED, scheduled_start=NOW - timedelta(days=1)
    )
    slow = IncidentFactory(title="Slow sends", started_at=NOW - timedelta(minutes=5))
    IncidentFactory(title="Over", status=IncidentStatus.RESOLVED)
    events = _banner(client)
    assert [e["title"] for e in events] == ["Slow sends", "Under way", "Next week"]
    incident, under_way, next_week = events
    assert incident == {
        "kind": "incident",
        "title": "Slow sends",
        "status": "investigating",
        "status_label": "Investigating",
        "active": True,
        "start": "2030-06-01T08:55:00+00:00",
        "end": None,
        "url": f"{SITE_URL}/incidents/{slow.slug}/",
    }
    assert (under_way["status"], under_way["active"]) == ("in_progress", True)
    assert next_week["start"] == "2030-06-07T09:00:00+00:00"
    assert next_week["end"] == "2030-06-07T13:00:00+00:00"
    assert next_week["url"].startswith(f"{SITE_URL}/maintenance/")
    assert not next_week["active"]


@pytest.mark.django_db
def test_banner_is_empty_when_nothing_is_planned(client):
    assert _banner(client) == []


def test_banner_data_runs_a_fixed_number_of_queries(
    db, frozen_time, client, django_assert_num_queries
):
    for i in range(10):
        IncidentFactory()
        MaintenanceWindowFactory(scheduled_start=NOW + timedelta(days=i % 7))
    # unresolved incidents; current windows
    with django_assert_num_queries(2):
        assert len(_banner(client)) == 20


def test_banner_data_may_be_read_by_any_site_also_when_unchanged(db, client):
    etag = client.get("/embed/banner.json")["ETag"]
    response = client.get("/embed/banner.json", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
def test_banner_script_builds_the_banner_without_parsing_html(client):
    response = client.get("/embed/banner.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    script = response.content.decode()
    assert len(response.content) < 3 * 1024
    assert "innerHTML" not in script
    assert "outerHTML" not in script
    assert "insertAdjacentHTML" not in script
    assert "document.write" not in script
    assert "textContent" in script
    assert "banner.json" in script


def _seed_error_text() -> list[str]:
    lines = SEED.read_text().splitlines()
    start = lines.index("Down for planned maintenance")
    return lines[start : start + 2]


def test_holding_page_quotes_the_seed_error_and_links_to_faq_and_status_page(demo, client):
    response = client.get("/maintenance/dotmailer-database-upgrade-2013/holding-page.html")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    page = response.content.decode()
    for line in _seed_error_text():
        assert line in page
    assert "Saturday 26 October 2013, 11:00–15:00 UK time (10:00–14:00 UTC)" in page
    assert f'href="{SITE_URL}/faq/dotmailer-database-upgrade-2013/"' in page
    assert f'href="{SITE_URL}/maintenance/dotmailer-database-upgrade-2013/"' in page


def test_holding_page_stands_alone(demo, client):
    page = client.get("/maintenance/dotmailer-database-upgrade/holding-page.html")
    text = page.content.decode()
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    assert "@import" not in text
    assert "url(" not in text
    assert re.findall(r"\bsrc=", text) == []
    hrefs = re.findall(r'href="([^"]*)"', text)
    assert hrefs
    assert {urlsplit(href).netloc for href in hrefs} == {"status.example.com"}


def test_holding_page_for_a_window_without_a_published_faq(db, client):
    window = MaintenanceWindowFactory()
    FAQFactory(window=window, published_at=None)
    page = client.get(f"/maintenance/{window.slug}/holding-page.html").content.decode()
    assert "/faq/" not in page
    assert f'href="{SITE_URL}/maintenance/{window.slug}/"' in page


def test_no_holding_page_for_drafts_or_unknown_windows(db, client):
    draft = MaintenanceWindowFactory(published_at=None)
    assert client.get(f"/maintenance/{draft.slug}/holding-page.html").status_code == 404
    assert client.get("/maintenance/nothing/holding-page.html").status_code == 404
