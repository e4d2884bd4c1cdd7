"""The public status pages, through HTTP."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.views.defaults import server_error

from statuspage.models import MaintenanceStatus, ServiceStatus
from tests.factories import (
    FAQFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    ServiceGroupFactory,
)


def test_home_shows_services_by_group_with_their_status(demo, client):
    page = client.get("/").content.decode()
    assert "All systems operational" in page
    groups = ["Email marketing", "Surveys and insight", "Agency platforms", "Community"]
    assert [page.index(g) for g in groups] == sorted(page.index(g) for g in groups)
    assert page.count("status--operational") == 8
    for name in ["dotMailer application", "dotMailer API", "Lead Vision", "dotEditor"]:
        assert name in page


def test_home_lists_the_upcoming_window_in_uk_time_and_utc_with_its_faq(demo, client):
    page = client.get("/").content.decode()
    assert "Planned maintenance" in page
    assert "11:00–15:00 UK time (" in page
    assert 'href="/faq/dotmailer-database-upgrade/"' in page
    assert "#dMmaint" not in page  # posted on no network: no promise of progress there


def test_home_says_where_the_windows_progress_is_posted(demo, client, settings):
    settings.MASTODON_BASE_URL, settings.MASTODON_ACCESS_TOKEN = "https://m.example", "t"
    settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = "acme.example", "p"
    page = client.get("/").content.decode()
    assert "Progress on Mastodon and Bluesky under <strong>#dMmaint</strong>" in page


def test_home_shows_the_2013_window_in_both_zones_under_past_maintenance(demo, client):
    page = client.get("/").content.decode()
    past = page[page.index("Past maintenance") :]
    assert "Saturday 26 October 2013, 11:00–15:00 UK time (10:00–14:00 UTC)" in past
    assert 'href="/faq/dotmailer-database-upgrade-2013/"' in past


def test_with_many_services_home_folds_each_group_to_its_troubles(demo, client):
    group = ServiceGroupFactory(name="Regional sending", position=9)
    for n in range(30):
        ServiceFactory(group=group, name=f"Relay {n:02}")
    ServiceFactory(group=group, name="Relay Tokyo", status=ServiceStatus.PARTIAL_OUTAGE)
    page = client.get("/").content.decode()
    assert "Partial system outage" in page
    assert "All 2 services operational" in page  # the demo's "Community" group
    assert "1 of 31 services affected" in page
    assert "Relay Tokyo" in page
    assert "Relay 07" not in page
    assert page.count('class="service"') == 1
    assert 'href="/services/"' in page
    everything = client.get("/services/").content.decode()
    assert everything.count('class="service"') == 8 + 31
    assert "Relay 07" in everything
    assert "Relay Tokyo" in everything


@pytest.mark.django_db
def test_home_indicator_follows_the_worst_service_status(client):
    ServiceFactory(status=ServiceStatus.DEGRADED_PERFORMANCE)
    assert "Partially degraded service" in client.get("/").content.decode()
    ServiceFactory(status=ServiceStatus.MAJOR_OUTAGE)
    assert "banner--critical" in client.get("/").content.decode()


@pytest.mark.django_db
def test_drafts_are_not_shown_anywhere(client):
    draft = MaintenanceWindowFactory(title="Secret migration", published_at=None)
    FAQFactory(window=draft)
    hidden_faq = FAQFactory(published_at=None, window__title="Visible window")
    page = client.get("/").content.decode()
    assert "Secret migration" not in page
    assert "Visible window" in page
    assert hidden_faq.get_absolute_url() not in page
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(f"/faq/{draft.slug}/").status_code == 404
    assert client.get(hidden_faq.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_window_across_midnight_shows_both_dates(client):
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC)):
        MaintenanceWindowFactory(
            scheduled_start=datetime(2030, 6, 1, 22, tzinfo=UTC),
            scheduled_end=datetime(2030, 6, 2, 2, tzinfo=UTC),
            time_zone="America/New_York",
            time_zone_label="",
        )
        page = client.get("/").content.decode()
    assert "Saturday 1 June 2030, 18:00–22:00 EDT (Sat 1 Jun 22:00 – Sun 2 Jun 02:00 UTC)" in page


def test_maintenance_page_shows_times_services_and_faq_link(demo, client):
    page = client.get("/maintenance/dotmailer-database-upgrade-2013/").content.decode()
    assert "Completed" in page
    assert "11:00–15:00 UK time (10:00–14:00 UTC)" in page
    assert "4 hours" in page
    assert 'href="/services/dotsurvey/"' in page
    assert 'href="/faq/dotmailer-database-upgrade-2013/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/services/nope/", "/maintenance/nope/", "/faq/nope/", "/no/such/page/"]
)
def test_unknown_addresses_get_the_friendly_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()
    assert 'href="/"' in response.content.decode()


@pytest.mark.django_db
def test_500_page_is_friendly_and_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_a_window_in_progress_is_listed_as_current(client):
    MaintenanceWindowFactory(title="Live now", status=MaintenanceStatus.IN_PROGRESS)
    page = client.get("/").content.decode()
    assert page.index("Live now") < page.index('id="services-heading"')
    assert "In progress" in page


@pytest.mark.django_db
def test_robots_txt_keeps_crawlers_out_of_accounts_and_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /accounts/" in lines
    assert "Disallow: /faq/" not in lines
