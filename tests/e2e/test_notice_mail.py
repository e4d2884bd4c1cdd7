"""A notice's HTML part as a phone's mail app shows it: Chromium at 375 px, no sideways
scroll, and no axe-core violation in light or dark."""

from datetime import UTC, datetime

import pytest
from django.core import mail

from statuspage import services
from statuspage.models import MaintenanceWindow, Service, ServiceStatus
from statuspage.subscriptions.models import Subscriber
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.e2e.test_accessibility import axe_violations

LONG = "A pasted address: https://help.example.com/" + "x" * 300


@pytest.fixture
def notice_html(demo, django_capture_on_commit_callbacks) -> str:
    reader = Subscriber.objects.create(
        email="surveys@example.com", confirmed_at=datetime.now(UTC), all_services=False
    )
    survey = Service.objects.get(slug="dotsurvey")
    reader.services.set([survey])
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with django_capture_on_commit_callbacks(execute=True):
        services.update_post(
            event=window, author=None, body=f"Work has **started**.\n\n- one\n- two\n\n{LONG}",
            status="in_progress", service_statuses={survey: ServiceStatus.UNDER_MAINTENANCE},
        )  # fmt: skip
    [message] = mail.outbox
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    return html


@pytest.mark.parametrize("width", [375, 600])
def test_the_html_part_fits_a_phone_and_passes_axe(browser, notice_html, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.set_content(notice_html)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the message is {scroll} px wide at {width} px"
        found = axe_violations(page)
        assert found == [], "\n".join(found)
    finally:
        context.close()


def test_in_a_dark_mail_app_the_text_is_light_on_dark(browser, notice_html):
    """An app that draws mail dark (the color-scheme tags) keeps the text readable: its own
    light text on its dark ground, never the black default on it."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, color_scheme="dark")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.set_content(notice_html)
        text = page.evaluate("getComputedStyle(document.querySelector('h1')).color")
        red, green, blue = (int(n) for n in text[4:-1].split(","))
        assert min(red, green, blue) > 200, f"heading text is {text} on a dark ground"
        assert axe_violations(page) == []
    finally:
        context.close()
