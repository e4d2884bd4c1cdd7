"""A service's own page, through HTTP: its status, what the coming window means for it
(its FAQ entries themselves), its incidents, past windows below, and subscribing to it."""

import re
from datetime import UTC, datetime

import feedparser
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from statuspage.models import MaintenanceStatus, Service
from statuspage.subscriptions.models import Subscriber
from statuspage.tasks import uptime_close_days
from tests.factories import (
    FAQFactory,
    ImpactEntryFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
)

API = "/services/dotmailer-api/"
FAQ = "/faq/dotmailer-database-upgrade/"


def _labels(html: str) -> list[str]:
    return re.findall(r'<span class="impact__num">([\d.]+)</span>', html)


def _section(html: str, heading_id: str) -> str:
    """The part of a page from the heading with ``heading_id`` to the next section's end."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_the_service_page_shows_the_windows_entries_for_it_and_no_others(demo, client):
    page = client.get(API).content.decode()
    coming = _section(page, "coming-heading")
    in_faq = client.get(FAQ, {"service": "dotmailer-api"}).content.decode()
    assert _labels(in_faq)
    assert _labels(coming) == _labels(in_faq)
    assert set(re.findall(r'data-service="([-\w]+)"', coming)) == {"dotmailer-api"}
    # The entries themselves, what to do and what follows included, not only a link.
    for part in ("impact__summary", "impact__advice", "impact__after"):
        said = re.compile(rf'<[a-z]+ class="{part}">(.*?)</(?:p|div)>', re.S)
        assert said.findall(coming) == said.findall(in_faq), part
    assert "Saturday" in coming
    assert "UTC" in coming
    assert f'href="{FAQ}"' in coming


def test_past_windows_come_below_the_coming_one_and_quietly(demo, client):
    page = client.get(API).content.decode()
    assert "2013" not in _section(page, "coming-heading")
    past = _section(page, "past-heading")
    assert "/maintenance/dotmailer-database-upgrade-2013/" in past
    assert page.index('id="coming-heading"') < page.index('id="past-heading"')
    assert "Progress on X" not in page


def test_a_service_with_nothing_planned_or_reported_says_so(demo, client):
    page = client.get("/services/lead-vision/").content.decode()
    assert "No maintenance is planned for Lead Vision." in page
    assert "No incidents have been reported for Lead Vision." in page


@pytest.mark.django_db
def test_a_window_without_a_faq_or_without_an_entry_for_the_service_says_so(client):
    service = ServiceFactory(name="Billing", slug="billing")
    MaintenanceWindowFactory(title="No FAQ yet", services=[service])
    other = ServiceFactory(name="Sending", slug="sending")
    faq = FAQFactory(window=MaintenanceWindowFactory(title="Sends only", services=[service]))
    ImpactEntryFactory(section__faq=faq, service=other, summary="Sends wait.")
    page = client.get("/services/billing/").content.decode()
    assert "This window has no FAQ yet." in page
    assert "The FAQ for this window has no entry about Billing." in page
    assert "Sends wait." not in page


@pytest.mark.django_db
def test_incidents_are_listed_unresolved_first(client):
    service = ServiceFactory(name="Billing", slug="billing")
    IncidentFactory(
        title="Old trouble", services=[service], status="resolved",
        resolved_at=datetime(2030, 5, 2, tzinfo=UTC),
    )  # fmt: skip
    IncidentFactory(title="Slow invoices", services=[service])
    IncidentFactory(title="Someone else's", services=[ServiceFactory()])
    page = _section(client.get("/services/billing/").content.decode(), "incidents-heading")
    assert page.index("Slow invoices") < page.index("Old trouble")
    assert "Someone else" not in page


@pytest.mark.django_db
def test_the_page_runs_the_same_queries_however_many_windows(client, django_assert_num_queries):
    service = ServiceFactory(slug="billing")
    for status in (MaintenanceStatus.SCHEDULED, MaintenanceStatus.COMPLETED):
        faq = FAQFactory(window=MaintenanceWindowFactory(status=status, services=[service]))
        ImpactEntryFactory(section__faq=faq, service=service)
    uptime_close_days()  # as the hourly task does: the page reads the kept days
    # Five, and six for its bars and months (nothing under way today).
    with django_assert_num_queries(11) as few:
        client.get("/services/billing/")
    for status in (MaintenanceStatus.SCHEDULED, MaintenanceStatus.COMPLETED) * 3:
        faq = FAQFactory(window=MaintenanceWindowFactory(status=status, services=[service]))
        ImpactEntryFactory.create_batch(2, section__faq=faq, service=service)
    IncidentFactory.create_batch(3, services=[service])
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/services/billing/?again")


def test_subscribing_to_the_service_from_its_page_takes_one_step(
    demo, client, django_capture_on_commit_callbacks
):
    page = client.get(API).content.decode()
    form = re.search(r'<form class="follow__form" method="post" action="([^"]+)">(.*?)</form>',
                     page, re.S)  # fmt: skip
    service = Service.objects.get(slug="dotmailer-api")
    assert f'name="services" value="{service.pk}"' in form[2]
    # As the kept page's reader posts it: no session, no CSRF token.
    reader = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        sent = reader.post(form[1], {"services": service.pk, "email": "ops@example.com",
                                     "subscribe": "1"})  # fmt: skip
    assert sent.status_code == 200
    assert "ops@example.com" in sent.content.decode()
    confirm = re.search(rf"{re.escape(settings.SITE_URL)}(/subscriptions/confirm/\S+)",
                        mail.outbox[-1].body)[1]  # fmt: skip
    assert client.post(confirm).status_code == 200  # from the page the link opens
    subscriber = Subscriber.objects.get(email="ops@example.com")
    assert subscriber.is_active
    assert list(subscriber.services.all()) == [service]


def test_a_bad_address_comes_back_with_the_error_and_what_was_typed(demo):
    reader = Client(enforce_csrf_checks=True)
    service = Service.objects.get(slug="dotmailer-api")
    answer = reader.post("/subscribe/", {"services": service.pk, "email": "ops@", "subscribe": 1})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert 'value="ops@"' in body
    assert re.search(rf'value="{service.pk}"[^>]*checked', body)


def test_the_page_links_its_own_feeds_in_the_head_and_the_body(demo, client):
    page = client.get(API).content.decode()
    head = page[: page.index("</head>")]
    for href in ("/services/dotmailer-api.atom", "/services/dotmailer-api.ics"):
        assert f'href="{href}"' in head
        assert page.count(f'href="{href}"') == 2
    feed = feedparser.parse(client.get("/services/dotmailer-api.atom").content)
    assert not feed.bozo
    assert feed.entries
    assert all("lead vision" not in entry.title.lower() for entry in feed.entries)
