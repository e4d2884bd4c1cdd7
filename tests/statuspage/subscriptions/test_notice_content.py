"""What a notice says, read as a mail client reads it (the standard library's parser): both
parts, the affected services with their change (the reader's own first), the times, the
update's Markdown with its links, what to do from the FAQ, and the links to read more."""

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from statuspage import services
from statuspage.models import IncidentStatus, MaintenanceWindow, Service, ServiceStatus
from statuspage.subscriptions.models import Subscriber
from tests.factories import IncidentFactory, ServiceFactory

UPDATE = """Work has **started**. What to expect:

- sends pause until we finish
- tracked links show [a maintenance page](https://help.example.com/maint?a=1&b=2)

See the FAQ for the rest."""


def parts(message) -> tuple[str, str]:
    """The text and HTML parts of a sent message."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    return text, html


def words(html: str) -> str:
    """The HTML part's words as a reader sees them: inline tags join, blocks part."""
    inline = re.sub(r"</?(?:strong|a|em)\b[^>]*>", "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


@pytest.fixture
def survey_reader(demo):
    reader = Subscriber.objects.create(
        email="surveys@example.com", confirmed_at=datetime.now(UTC), all_services=False
    )
    reader.services.set([Service.objects.get(slug="dotsurvey")])
    return reader


def test_an_update_tells_a_readers_own_services_first_with_their_change_and_what_to_do(
    survey_reader, django_capture_on_commit_callbacks
):
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    survey = Service.objects.get(slug="dotsurvey")
    api = Service.objects.get(slug="dotmailer-api")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(
            event=window, author=None, body=UPDATE, status="in_progress",
            service_statuses={survey: ServiceStatus.UNDER_MAINTENANCE},
        )  # fmt: skip
    [message] = mail.outbox
    assert message.subject == f"[{settings.SITE_NAME}] {window.title}: In progress"
    text, html = parts(message)
    for shown in (text, words(html)):
        # The reader's service first, with its change; the others after it.
        assert "dotSurvey: Operational → Under maintenance (yours)" in shown
        assert shown.index("dotSurvey: Operational") < shown.index(f"{api.name}:")
        # When, in the window's zone and UTC.
        assert re.search(r"Planned:? \w+day \d+ \w+ \d{4}, 11:00–15:00 UK time \(", shown)
        # What to do: the FAQ's entries about dotSurvey, none about another service.
        assert "1.3 dotSurvey: Unavailable." in shown
        assert "2.8 Surveys: Partly unavailable." in shown
        assert "2.2 " not in shown
    # The update's Markdown, its list and its link kept.
    assert "- sends pause until we finish\n- tracked links show a maintenance page " in text
    assert "(https://help.example.com/maint?a=1&b=2)" in text
    assert "<li>sends pause until we finish</li>" in html
    assert '<a href="https://help.example.com/maint?a=1&amp;b=2"' in html
    assert "<strong>started</strong>" in html
    # Where to read more, and the reader's own manage link.
    faq = f"{settings.SITE_URL}/faq/dotmailer-database-upgrade/"
    page = f"{settings.SITE_URL}/maintenance/dotmailer-database-upgrade/"
    for shown in (text, html):
        assert faq in shown
        assert page in shown
        assert f"{settings.SITE_URL}/subscriptions/" in shown
    assert f'href="{faq}#entry-1-3"' in html
    assert "\x00" not in text + html
    assert re.search(r"<h1[^>]*>Database upgrade: dotMailer downtime</h1>", html)


def test_a_reader_of_everything_gets_the_advice_shortlist_and_every_service(
    demo, django_capture_on_commit_callbacks
):
    Subscriber.objects.create(email="all@example.com", confirmed_at=datetime.now(UTC))
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(event=window, author=None, body="Started.", status="in_progress")
    text, _ = parts(mail.outbox[0])
    assert "(yours)" not in text
    assert "Affected services:" in text
    for service in window.services.all():
        assert f"- {service.name}: " in text
    assert "What to do, from the FAQ:" in text


@pytest.mark.django_db
def test_a_resolved_incident_says_when_it_began_ended_and_how_long_it_lasted(
    django_capture_on_commit_callbacks,
):
    Subscriber.objects.create(email="all@example.com", confirmed_at=datetime.now(UTC))
    began = datetime(2030, 5, 20, 9, 0, tzinfo=UTC)
    incident = IncidentFactory(
        title="Slow sends", services=[ServiceFactory(name="Sending")], started_at=began,
        time_zone="Europe/London", time_zone_label="UK time",
    )  # fmt: skip
    with (
        time_machine.travel(began + timedelta(hours=1, minutes=30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.update_post(
            event=incident, author=None, body="Fixed.", status=IncidentStatus.RESOLVED
        )
    text, html = parts(mail.outbox[-1])
    for shown in (text, words(html)):
        assert "Began: Mon 20 May 2030, 10:00 UK time (09:00 UTC)" in shown
        assert "Resolved: Mon 20 May 2030, 11:30 UK time (10:30 UTC)" in shown
        assert "Lasted: 1 hour 30 min" in shown
        assert "Sending:" in shown
