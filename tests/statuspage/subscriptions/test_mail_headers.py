"""What mail providers and mail clients read in our messages: one thread per event, list
headers on notices only, no out-of-office replies; the unsubscribe address asks on GET.
Each message is parsed by the standard library's e-mail parser, as a mail client would."""

import email
import re
import socket
from datetime import timedelta
from email import policy
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from statuspage import services
from statuspage.models import MaintenanceStatus
from statuspage.outbox.services import deliver_due
from statuspage.subscriptions import notices, tokens
from statuspage.subscriptions import services as subscriptions
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.factories import IncidentFactory, MaintenanceWindowFactory, ServiceFactory
from tests.statuspage.subscriptions.conftest import NOW


@pytest.fixture
def subscriber(db):
    return Subscriber.objects.create(email="ops@example.com", confirmed_at=NOW)


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def domain() -> str:
    return urlsplit(settings.SITE_URL).hostname


def quiet_period_passes(clock, capture) -> None:
    """NOTICE_QUIET_SECONDS go by, and the minutely sweep sends what is due."""
    clock.shift(timedelta(seconds=settings.NOTICE_QUIET_SECONDS + 1))
    with capture(execute=True):
        deliver_due()


def update(event, body: str, status: str, capture) -> None:
    with capture(execute=True):
        services.update_post(event=event, author=None, body=body, status=status)


def test_one_events_notices_thread_and_carry_list_headers(
    subscriber, django_capture_on_commit_callbacks
):
    window = MaintenanceWindowFactory(services=[ServiceFactory()])
    other = MaintenanceWindowFactory(services=[ServiceFactory()])
    update(window, "Started.", "in_progress", django_capture_on_commit_callbacks)
    update(window, "Done.", "completed", django_capture_on_commit_callbacks)
    update(other, "Started.", "in_progress", django_capture_on_commit_callbacks)
    first, second, elsewhere = (parsed(m) for m in mail.outbox)
    thread = f"<maintenance-{window.pk}@{domain()}>"
    for message in (first, second):
        assert message["In-Reply-To"] == thread
        assert message["References"] == thread
    assert elsewhere["References"] == f"<maintenance-{other.pk}@{domain()}>"
    ids = [message["Message-ID"] for message in (first, second, elsewhere)]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(rf"<[^@<>]+@{re.escape(domain())}>", i) for i in ids), ids
    for message in (first, second, elsewhere):
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Precedence"] == "bulk"
        assert message["List-Id"] == f"{settings.SITE_NAME} <notices.{domain()}>"
        assert (
            message["List-Unsubscribe"].strip().startswith(f"<{settings.SITE_URL}/subscriptions/")
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mail_about_the_subscription_itself_is_not_a_list(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.subscriber_subscribe(email="new@example.com", services=[])
    hook = Webhook.objects.create(url="https://hooks.example.com/x", email="dev@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.webhook_disable(hook=hook, reason="410 Gone")
    confirm, turned_off = (parsed(m) for m in mail.outbox)
    for message in (confirm, turned_off):
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"].endswith(f"@{domain()}>")
        # On the webhook's notice, a mail client's unsubscribe would have turned it off.
        for header in ("List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Precedence"):
            assert message[header] is None, header
        assert message["References"] is None


def test_opening_the_unsubscribe_address_asks_and_only_the_button_stops(subscriber):
    stop = tokens.link("subscription_unsubscribe", subscriber).removeprefix(settings.SITE_URL)
    reader = Client(enforce_csrf_checks=True)
    for method in (reader.get, reader.head):
        assert method(stop).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.is_active
    page = reader.get(stop).content.decode()
    assert "Stop e-mails from dotMailer status?" in page
    form = re.search(r'<form method="post">(.*?)</form>', page, re.S)
    assert form
    assert "Unsubscribe" in form[1]
    assert "/subscriptions/" in re.search(r'href="(/subscriptions/[^"]+)"', page)[1]
    assert reader.post(stop).status_code == 200  # the button: no token, no session needed
    subscriber.refresh_from_db()
    assert not subscriber.is_active
    assert reader.get("/subscriptions/forged:token/unsubscribe/").status_code == 400


def test_a_postponed_window_gets_its_reminder(
    subscriber, clock, django_capture_on_commit_callbacks
):
    window = MaintenanceWindowFactory(
        title="Moved work",
        services=[ServiceFactory()],
        status=MaintenanceStatus.POSTPONED,
        scheduled_start=NOW + timedelta(hours=3),
    )
    with django_capture_on_commit_callbacks(execute=True):
        notices.maintenance_reminders()
    quiet_period_passes(clock, django_capture_on_commit_callbacks)
    assert [m.subject for m in mail.outbox] == ["[dotMailer status] Reminder: Moved work"]
    assert window.title in mail.outbox[0].body


def test_the_envelope_sender_is_the_bounce_address_and_from_names_the_site(
    subscriber, settings, smtp_relay, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "dotMailer status <status@dotmailer.example>"
    settings.EMAIL_BOUNCE_ADDRESS = "bounces@dotmailer.example"
    update(MaintenanceWindowFactory(services=[ServiceFactory()]), "Started.", "in_progress",
           django_capture_on_commit_callbacks)  # fmt: skip
    [received] = smtp_relay.outbox
    assert received.sender == "bounces@dotmailer.example"
    assert received.message["From"] == "dotMailer status <status@dotmailer.example>"


def test_a_webhooks_secret_is_shown_once_to_its_owner_and_can_be_rolled(
    db, client, django_capture_on_commit_callbacks, monkeypatch
):
    # Names resolve without the network: the hook's host is public.
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: public)
    with django_capture_on_commit_callbacks(execute=True):
        subscriptions.webhook_register(url="https://hooks.example.com/x", email="dev@example.com",
                                       services=[])  # fmt: skip
    hook = Webhook.objects.get()
    confirm = re.search(r"https?://\S+?(/subscriptions/confirm/\S+)", mail.outbox[-1].body)[1]
    done = client.post(confirm).content.decode()
    assert hook.secret in done
    manage = re.search(r'href="(/subscriptions/[^"/]+/)"', done)[1]
    again = client.post(confirm).content.decode()  # the link followed twice
    assert hook.secret not in again
    assert hook.secret not in client.get(manage).content.decode()
    rolled = client.post(manage, {"roll": "1"}).content.decode()
    hook.refresh_from_db()
    assert hook.secret in rolled
    assert re.fullmatch(r"[0-9a-f]{64}", hook.secret)
    assert hook.secret not in client.get(manage).content.decode()


def test_a_burst_about_one_event_is_one_message(
    subscriber, clock, django_capture_on_commit_callbacks
):
    incident = IncidentFactory(title="Slow sends", services=[ServiceFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify_announced(event=incident)
    clock.shift(timedelta(seconds=30))
    update(incident, "We are looking into it.", "investigating", django_capture_on_commit_callbacks)
    # The opening and its first update, within the quiet period: one message, the update.
    assert [m.subject for m in mail.outbox] == ["[dotMailer status] Slow sends: Investigating"]
    quiet_period_passes(clock, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    window = MaintenanceWindowFactory(title="Routers", services=[ServiceFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify_announced(event=window)
    clock.shift(timedelta(seconds=20))
    window.scheduled_start += timedelta(hours=1)
    window.scheduled_end += timedelta(hours=1)
    window.save()
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify_moved(window=window)
    quiet_period_passes(clock, django_capture_on_commit_callbacks)
    # Announced, then moved 20 seconds later: one message, the latest.
    assert [m.subject for m in mail.outbox[1:]] == ["[dotMailer status] New date: Routers"]
    # Alone, an announcement still goes, once its quiet period is over.
    other = MaintenanceWindowFactory(title="Disks", services=[ServiceFactory()])
    with django_capture_on_commit_callbacks(execute=True):
        notices.notify_announced(event=other)
    quiet_period_passes(clock, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].subject == "[dotMailer status] Planned maintenance: Disks"
