"""E-mail and webhook subscriptions, through HTTP and the outbox, with faults."""

import hashlib
import hmac
import json
import logging
import re
import smtplib
import socket
import ssl
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses
import urllib3.connection
import urllib3.util.connection
from django.conf import settings
from django.core import mail
from django.test import Client, TestCase

from statuspage import services
from statuspage.models import MaintenanceWindow
from statuspage.outbox.channels import mail as mail_channel
from statuspage.outbox.models import Notification
from statuspage.outbox.services import deliver_due
from statuspage.subscriptions import notices, tokens
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.factories import MaintenanceWindowFactory, ServiceFactory
from tests.statuspage.subscriptions.conftest import NOW

HOOK = "https://hooks.example.com/status"
NOT_PUBLIC = "That address is not on the public internet."


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """Names resolve without the network: hooks.example.com is public, the rest are not."""
    table = {
        "hooks.example.com": "93.184.216.34",
        "internal.example.com": "10.0.0.7",
        "localhost": "127.0.0.1",
    }

    def resolve(host, port, *args, **kwargs):
        address = table.get(host, host)
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _committed(callable_, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return callable_(*args, **kwargs)


def _post(client, data):
    return _committed(client.post, "/subscribe/", data)


def _link(message, kind: str) -> str:
    match = re.search(rf"{re.escape(settings.SITE_URL)}(/subscriptions/{kind}\S*)", message.body)
    return match[1]


def _subscribe(client, email="pat@example.com", services=(), outbox=None):
    """A confirmed subscriber; ``outbox`` is where the mail goes (a relay's, or Django's)."""
    _post(client, {"subscribe": "1", "email": email, "services": [s.pk for s in services]})
    confirm = _link((mail.outbox if outbox is None else outbox)[-1], "confirm/")
    _committed(client.post, confirm)
    return Subscriber.objects.get(email=email.lower())


@pytest.fixture
def forums(db):
    return ServiceFactory(name="Support forums")


def test_double_opt_in(db, client):
    response = _post(client, {"subscribe": "1", "email": "Pat@Example.com"})
    assert "Check your inbox" in response.content.decode()
    [message] = mail.outbox
    assert message.to == ["pat@example.com"]
    assert message.subject.endswith("Confirm your subscription")
    subscriber = Subscriber.objects.get()
    assert not subscriber.is_active
    confirm = _link(message, "confirm/")
    assert "Confirm your subscription" in client.get(confirm).content.decode()
    assert not Subscriber.objects.get().is_active  # a link scanner's GET changes nothing
    _committed(client.post, confirm)
    assert Subscriber.objects.get().is_active


def test_subscribing_again_sends_a_manage_link_and_changes_nothing(db, client, api):
    subscriber = _subscribe(client, services=[api])
    _post(client, {"subscribe": "1", "email": "pat@example.com"})
    assert mail.outbox[-1].subject.endswith("Manage your subscription")
    assert list(subscriber.services.all()) == [api]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"email": "a@example.com", "services": ["99999"]}, "Select a valid choice."),
        ({"email": "a@example.com", "services": ["x"]}, "“x” is not a valid value."),
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_is_sent(db, client, data, message):
    response = _post(client, {"subscribe": "1", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not mail.outbox


def test_forged_or_expired_tokens_are_refused(db, client, clock):
    assert client.get("/subscriptions/confirm/forged:token/").status_code == 400
    assert client.post("/subscriptions/forged:token/unsubscribe/").status_code == 400
    _post(client, {"subscribe": "1", "email": "pat@example.com"})
    confirm = _link(mail.outbox[-1], "confirm/")
    clock.move_to(NOW + timedelta(days=8))
    assert client.post(confirm).status_code == 400
    assert not Subscriber.objects.get().is_active


def test_updates_reach_subscribers_of_the_affected_services_only(db, client, api, forums):
    everything = _subscribe(client, "all@example.com")
    api_only = _subscribe(client, "api@example.com", [api])
    forums_only = _subscribe(client, "forums@example.com", [forums])
    window = MaintenanceWindowFactory(services=[api], title="API upgrade")
    mail.outbox.clear()
    _committed(
        services.update_post,
        event=window,
        author=None,
        body="Work **started**.",
        status="in_progress",
    )
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([everything.email, api_only.email])
    assert forums_only.email not in recipients
    message = mail.outbox[0]
    assert message.subject == "[dotMailer status] API upgrade: In progress"
    assert "In progress: Work started." in message.body
    stop = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/subscriptions/" in stop
    assert f"Choose services or unsubscribe: {settings.SITE_URL}/subscriptions/" in message.body


def test_one_click_unsubscribe(db, client, api):
    subscriber = _subscribe(client)
    window = MaintenanceWindowFactory(services=[api])
    mail.outbox.clear()
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )
    stop = (
        mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").removeprefix(settings.SITE_URL)
    )
    anonymous = Client(enforce_csrf_checks=True)  # as a mail client posts: no session, no token
    assert anonymous.post(stop, {"List-Unsubscribe": "One-Click"}).status_code == 200
    subscriber.refresh_from_db()
    assert not subscriber.is_active
    mail.outbox.clear()
    _committed(services.update_post, event=window, author=None, body="Done.", status="completed")
    assert not mail.outbox


def test_manage_page_changes_services(db, client, api, forums):
    subscriber = _subscribe(client)
    token = tokens.token_for(subscriber)
    page = client.get(f"/subscriptions/{token}/")
    assert "pat@example.com" in page.content.decode()
    client.post(f"/subscriptions/{token}/", {"services": [forums.pk]})
    assert list(subscriber.services.all()) == [forums]
    response = client.post(f"/subscriptions/{token}/", {"services": ["99999"]})
    assert response.status_code == 400
    assert list(subscriber.services.all()) == [forums]


def test_pages_reached_by_a_secret_link_are_kept_by_no_cache(db, client, api):
    subscriber = _subscribe(client)
    token = tokens.token_for(subscriber)
    confirm = tokens.token_for(subscriber, services=[api])
    answers = [
        client.get(f"/subscriptions/{token}/"),
        client.get(f"/subscriptions/confirm/{confirm}/"),
        _committed(client.post, f"/subscriptions/{token}/unsubscribe/"),
    ]
    for answer in answers:
        assert answer.status_code == 200
        directives = {part.strip() for part in answer["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives


def _quiet_period_passes(clock) -> None:
    """NOTICE_QUIET_SECONDS go by, and the minutely sweep sends what is due."""
    clock.shift(timedelta(seconds=settings.NOTICE_QUIET_SECONDS + 1))
    _committed(deliver_due)


def test_announced_moved_reminded_and_completed(db, client, staff_client, api, clock):
    _subscribe(Client(), "pat@example.com")
    mail.outbox.clear()
    add = staff_client.get("/admin/statuspage/maintenancewindow/add/")
    assert add.status_code == 200
    data = {
        "title": "Network upgrade", "slug": "network-upgrade", "summary": "Routers.",
        "status": "scheduled", "services": [api.pk],
        "scheduled_start_0": "2030-06-01", "scheduled_start_1": "10:00:00",
        "scheduled_end_0": "2030-06-01", "scheduled_end_1": "14:00:00",
        "time_zone": "Europe/London", "time_zone_label": "UK time",
        "published_at_0": "2030-05-20", "published_at_1": "09:00:00", "hashtag": "",
        "updates-TOTAL_FORMS": "0", "updates-INITIAL_FORMS": "0",
    }  # fmt: skip
    assert (
        _committed(staff_client.post, "/admin/statuspage/maintenancewindow/add/", data).status_code
        == 302
    )
    assert mail.outbox == []  # it waits NOTICE_QUIET_SECONDS, in case a later notice follows
    _quiet_period_passes(clock)
    assert [m.subject for m in mail.outbox] == [
        "[dotMailer status] Planned maintenance: Network upgrade"
    ]
    assert "Saturday 1 June 2030, 11:00–15:00 UK time (10:00–14:00 UTC)" in mail.outbox[0].body
    window = MaintenanceWindow.objects.get(slug="network-upgrade")
    data.update(scheduled_start_1="12:00:00", scheduled_end_1="16:00:00")
    _committed(staff_client.post, f"/admin/statuspage/maintenancewindow/{window.pk}/change/", data)
    _quiet_period_passes(clock)
    # Only the time moved; the message says when it was and when it is now.
    assert mail.outbox[-1].subject == "[dotMailer status] New time: Network upgrade"
    assert "Before: Saturday 1 June 2030, 11:00–15:00 UK time" in mail.outbox[-1].body
    assert "Planned: Saturday 1 June 2030, 13:00–17:00 UK time" in mail.outbox[-1].body
    clock.move_to(datetime(2030, 5, 31, 13, tzinfo=UTC))
    _committed(notices.maintenance_reminders)
    _committed(notices.maintenance_reminders)  # twice: still one reminder
    _quiet_period_passes(clock)
    assert [m.subject for m in mail.outbox].count(
        "[dotMailer status] Reminder: Network upgrade"
    ) == 1
    window.refresh_from_db()
    _committed(services.maintenance_transition, window=window, to="in_progress", author=None)
    _committed(services.maintenance_transition, window=window, to="completed", author=None)
    assert mail.outbox[-1].subject == "[dotMailer status] Network upgrade: Completed"
    assert len(mail.outbox) == 5


def test_a_refused_address_is_marked_bounced_and_not_retried(db, client, api, monkeypatch):
    subscriber = _subscribe(client)
    window = MaintenanceWindowFactory(services=[api])

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({subscriber.email: (550, b"No such user")})

    monkeypatch.setattr(mail_channel.mail, "send_text", refuse)
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )
    subscriber.refresh_from_db()
    assert subscriber.bounced_at is not None
    row = Notification.objects.get(topic__startswith="update:")
    assert row.state == "failed"
    assert "refused" in row.last_error


def test_smtp_trouble_is_retried_then_given_up(db, client, api, monkeypatch, clock):
    _subscribe(client)
    window = MaintenanceWindowFactory(services=[api])

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone away")

    monkeypatch.setattr(mail_channel.mail, "send_text", down)
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )
    row = Notification.objects.get(topic__startswith="update:")
    delays = []
    for _ in range(10):
        if row.state != "pending":
            break
        delays.append(row.next_attempt_at - datetime.now(UTC))
        clock.move_to(row.next_attempt_at)
        _committed(deliver_due)
        row.refresh_from_db()
    assert delays[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert (row.state, row.attempts) == ("failed", 8)
    assert row.last_error.startswith("Gave up after 8 tries")


# --- what the mail relay answers, through a real SMTP server (tests/smtp_relay.py) ---------

FOUR = ["ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"]
RETRY = ("pending", NOW + timedelta(minutes=1))  # a row's state after its first failed try


def _subscribers(client, relay, emails):
    return [_subscribe(client, address, outbox=relay.outbox) for address in emails]


def _publish(window, status="in_progress"):
    _committed(services.update_post, event=window, author=None, body="News.", status=status)


def _update_rows():
    return Notification.objects.filter(topic__startswith="update:").order_by("pk")


def _got_update(relay, status_label="In progress"):
    """Who got the update, sorted, once per message the relay accepted."""
    return sorted(m.to[0] for m in relay.outbox if m.subject.endswith(f": {status_label}"))


def _bounced():
    return list(Subscriber.objects.filter(bounced_at__isnull=False))


def test_a_rate_limited_sender_bounces_nobody_and_is_retried(db, client, api, clock, smtp_relay):
    _subscribers(client, smtp_relay, FOUR)
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.sender = "451 4.7.1 Rate limited, try again later"
    _publish(window)
    rows = list(_update_rows())
    assert [(r.state, r.next_attempt_at) for r in rows] == [RETRY] * 4
    assert "451 4.7.1 Rate limited" in rows[0].last_error
    assert _bounced() == []
    assert _got_update(smtp_relay) == []
    smtp_relay.sender = None
    clock.move_to(NOW + timedelta(minutes=1))
    _committed(deliver_due)
    _committed(deliver_due)
    assert _got_update(smtp_relay) == FOUR
    assert {row.state for row in _update_rows()} == {"sent"}


def test_a_greylisted_address_is_retried_not_bounced(db, client, api, clock, smtp_relay):
    pat, _ = _subscribers(client, smtp_relay, ["pat@example.com", "sam@example.com"])
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.recipients["pat@example.com"] = "450 4.2.0 Greylisted, come back later"
    _publish(window)
    assert _got_update(smtp_relay) == ["sam@example.com"]
    row = _update_rows().get(subscriber=pat)
    assert (row.state, row.next_attempt_at) == RETRY
    assert "450 4.2.0 Greylisted" in row.last_error
    assert _bounced() == []
    del smtp_relay.recipients["pat@example.com"]
    clock.move_to(row.next_attempt_at)
    _committed(deliver_due)
    assert _got_update(smtp_relay) == ["pat@example.com", "sam@example.com"]


def test_an_unknown_address_is_bounced_and_not_written_to_again(db, client, api, clock, smtp_relay):
    pat, sam = _subscribers(client, smtp_relay, ["pat@example.com", "sam@example.com"])
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.recipients["pat@example.com"] = "550 5.1.1 No such user"
    _publish(window)
    assert _got_update(smtp_relay) == ["sam@example.com"]
    assert _bounced() == [pat]
    row = _update_rows().get(subscriber=pat)
    assert row.state == "failed"
    assert row.last_error == "The address was refused: 550 5.1.1 No such user"
    del smtp_relay.recipients["pat@example.com"]  # were the relay to take it now, still nothing
    clock.move_to(NOW + timedelta(hours=2))
    _committed(deliver_due)
    _publish(window, "completed")
    assert "pat@example.com" not in _got_update(smtp_relay) + _got_update(smtp_relay, "Completed")
    assert _got_update(smtp_relay, "Completed") == [sam.email]


def test_a_refused_sender_bounces_nobody_and_is_logged_for_staff(
    db, client, api, clock, smtp_relay, settings, caplog
):
    settings.DEFAULT_FROM_EMAIL = "status@dotmailer.example"
    _subscribers(client, smtp_relay, ["pat@example.com", "sam@example.com"])
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.sender = "550 5.7.1 Sender address rejected: not owned by user"
    with caplog.at_level(logging.ERROR, logger="statuspage.outbox.channels.mail"):
        _publish(window)
    rows = list(_update_rows())
    assert [(r.state, r.next_attempt_at) for r in rows] == [RETRY] * 2
    assert rows[0].last_error.startswith(
        "The mail relay refused our sender address status@dotmailer.example (550 5.7.1 Sender"
    )
    assert "DEFAULT_FROM_EMAIL" in rows[0].last_error
    assert _bounced() == []
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert all("status@dotmailer.example" in e and "DEFAULT_FROM_EMAIL" in e for e in errors)
    smtp_relay.sender = None  # staff fixed the address
    clock.move_to(NOW + timedelta(minutes=1))
    _committed(deliver_due)
    assert _got_update(smtp_relay) == ["pat@example.com", "sam@example.com"]


def test_a_refused_message_fails_without_bouncing_the_address(db, client, api, smtp_relay):
    pat = _subscribe(client, outbox=smtp_relay.outbox)
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.data = "554 5.6.0 Message content rejected"
    _publish(window)
    row = _update_rows().get()
    assert row.state == "failed"
    assert row.last_error.endswith("refused this message: 554 5.6.0 Message content rejected")
    assert _bounced() == []
    smtp_relay.data = None
    _publish(window, "completed")
    assert _got_update(smtp_relay, "Completed") == [pat.email]


@pytest.mark.parametrize("answer", ["451 4.3.0 Queue full, try later", "421 4.3.2 Shutting down"])
def test_a_deferred_message_is_retried(db, client, api, clock, smtp_relay, answer):
    _subscribe(client, outbox=smtp_relay.outbox)
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.data = answer
    _publish(window)
    row = _update_rows().get()
    assert (row.state, row.next_attempt_at) == RETRY
    smtp_relay.data = None
    clock.move_to(row.next_attempt_at)
    _committed(deliver_due)
    assert _got_update(smtp_relay) == ["pat@example.com"]
    assert _bounced() == []


def test_a_relay_that_went_away_is_tried_again(db, client, api, clock, smtp_relay):
    _subscribe(client, outbox=smtp_relay.outbox)
    window = MaintenanceWindowFactory(services=[api])
    smtp_relay.stop()
    _publish(window)
    row = _update_rows().get()
    assert (row.state, row.next_attempt_at) == RETRY
    assert row.last_error.startswith("ConnectionRefusedError")
    smtp_relay.start()
    clock.move_to(row.next_attempt_at)
    _committed(deliver_due)
    assert _got_update(smtp_relay) == ["pat@example.com"]


@pytest.mark.parametrize(
    ("stage", "answer", "state"),
    [
        ("sender", "451 4.7.1 Rate limited", "pending"),
        ("sender", "550 5.7.1 Sender address rejected", "pending"),
        ("recipient", "450 4.2.0 Greylisted", "pending"),
        ("recipient", "550 5.1.1 No such user", "failed"),
        ("data", "451 4.3.0 Queue full", "pending"),
        ("data", "554 5.6.0 Message content rejected", "failed"),
    ],
)
def test_mail_to_a_webhook_owner_follows_the_same_rules(
    db, client, clock, smtp_relay, stage, answer, state
):
    if stage == "recipient":
        smtp_relay.recipients["ops@example.com"] = answer
    else:
        setattr(smtp_relay, stage, answer)
    _register_hook(client)
    row = Notification.objects.get(webhook__isnull=False, channel="email")
    assert row.state == state
    assert answer in row.last_error
    assert Webhook.objects.get().disabled_at is None
    smtp_relay.sender = smtp_relay.data = None
    smtp_relay.recipients.clear()
    clock.move_to(NOW + timedelta(minutes=1))
    _committed(deliver_due)
    got = [m.to[0] for m in smtp_relay.outbox if m.subject.endswith("Confirm your webhook")]
    assert got == (["ops@example.com"] if state == "pending" else [])


def _register_hook(client, url=HOOK):
    response = _post(client, {"webhook": "1", "hook-url": url, "hook-email": "ops@example.com"})
    return response


def test_webhook_is_confirmed_by_its_owner_then_signed_deliveries_flow(db, client, api):
    _register_hook(client)
    hook = Webhook.objects.get()
    assert not hook.is_active
    _committed(client.post, _link(mail.outbox[-1], "confirm/"))
    hook.refresh_from_db()
    assert hook.is_active
    window = MaintenanceWindowFactory(services=[api], title="API upgrade")
    with responses.RequestsMock() as receiver:
        receiver.post(HOOK, status=200)
        _committed(
            services.update_post, event=window, author=None, body="Started.", status="in_progress"
        )
        [call] = receiver.calls
    body = call.request.body
    payload = json.loads(body)
    assert payload["incident"]["name"] == "API upgrade"
    assert payload["incident"]["impact"] == "maintenance"
    assert payload["incident"]["incident_updates"][0]["status"] == "in_progress"
    timestamp, signature = re.fullmatch(
        r"t=(\d+),v1=([0-9a-f]{64})", call.request.headers["X-Statuspage-Signature"]
    ).groups()
    expected = hmac.new(
        hook.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert signature == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/status", "Use an https:// address."),
        ("https://127.0.0.1/hook", NOT_PUBLIC),
        ("https://localhost/hook", NOT_PUBLIC),
        ("https://internal.example.com/hook", NOT_PUBLIC),
        ("https://[::1]/hook", NOT_PUBLIC),
        ("https://169.254.169.254/latest/meta-data", NOT_PUBLIC),
        ("https://192.0.0.8/hook", NOT_PUBLIC),  # IANA special-purpose, "global" to Python 3.11
        ("https://[64:ff9b::a00:1]/hook", NOT_PUBLIC),  # NAT64 around 10.0.0.1
        ("https://[64:ff9b:1::5db8:d822]/hook", NOT_PUBLIC),  # local-use NAT64, never global
        ("https://[::127.0.0.1]/hook", NOT_PUBLIC),  # IPv4-compatible
        ("https://[::ffff:a00:1]/hook", NOT_PUBLIC),  # IPv4-mapped 10.0.0.1
        ("https://[2002:a00:1::]/hook", NOT_PUBLIC),  # 6to4 around 10.0.0.1
        ("https://[2001:0:5db8:d822::1]/hook", NOT_PUBLIC),  # Teredo
        ("https://[fec0::1]/hook", NOT_PUBLIC),  # site-local
        ("https://8.8.8.8:6379/hook", "Use an address on port 443."),
        ("https://hooks.example.com:99999/hook", "Use an address on port 443."),
        ("https://user:pw@hooks.example.com/x", "Leave user names and passwords out"),
        ("ftp://hooks.example.com/x", "Use an https:// address."),
    ],
)
def test_unsafe_webhook_addresses_are_refused(db, client, url, message):
    response = _register_hook(client, url)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Webhook.objects.exists()
    assert not mail.outbox


def test_a_refusal_does_not_tell_a_visitor_where_an_internal_name_leads(db, client):
    page = _register_hook(client, "https://internal.example.com/hook").content.decode()
    assert NOT_PUBLIC in page
    assert "10.0.0.7" not in page


def test_a_nat64_address_around_a_public_ipv4_address_is_accepted(db, client):
    # On an IPv6-only network, DNS64 answers every public host inside 64:ff9b::/96.
    response = _register_hook(client, "https://[64:ff9b::5db8:d822]/hook")  # 93.184.216.34
    assert response.status_code == 200
    assert Webhook.objects.get().url == "https://[64:ff9b::5db8:d822]/hook"


def test_webhooks_use_port_443_unless_more_ports_are_allowed(db, client, settings):
    url = "https://hooks.example.com:8443/status"
    response = _register_hook(client, url)
    assert response.status_code == 400
    assert "Use an address on port 443." in response.content.decode()
    assert not Webhook.objects.exists()
    settings.WEBHOOK_ALLOWED_PORTS = [443, 8443]
    assert _register_hook(client, url).status_code == 200
    assert Webhook.objects.get().url == url


def _active_hook(api):
    hook = Webhook.objects.create(
        url=HOOK, email="ops@example.com", secret="s3cret", confirmed_at=NOW
    )
    return hook, MaintenanceWindowFactory(services=[api])


def test_webhook_failures_retry_with_back_off_then_succeed(db, api, clock):
    hook, window = _active_hook(api)
    with responses.RequestsMock() as receiver:
        receiver.post(HOOK, status=503)
        receiver.post(HOOK, status=200)
        _committed(
            services.update_post, event=window, author=None, body="Started.", status="in_progress"
        )
        row = Notification.objects.get(webhook=hook)
        assert (row.state, row.next_attempt_at) == RETRY
        clock.move_to(row.next_attempt_at)
        _committed(deliver_due)
        assert len(receiver.calls) == 2
    row.refresh_from_db()
    hook.refresh_from_db()
    assert (row.state, hook.failures) == ("sent", 0)


def test_a_410_turns_the_webhook_off_and_tells_its_owner(db, api):
    hook, window = _active_hook(api)
    with responses.RequestsMock() as receiver:
        receiver.post(HOOK, status=410)
        _committed(
            services.update_post, event=window, author=None, body="Started.", status="in_progress"
        )
    hook.refresh_from_db()
    assert not hook.is_active
    assert "410" in hook.disabled_reason
    [message] = mail.outbox
    assert message.to == ["ops@example.com"]
    assert "Your webhook was turned off" in message.subject


def test_repeated_failures_turn_the_webhook_off(db, api, clock):
    hook, window = _active_hook(api)
    hook.failures = 9
    hook.save()
    with responses.RequestsMock() as receiver:
        receiver.post(HOOK, body=requests.exceptions.ConnectionError("refused"))
        _committed(
            services.update_post, event=window, author=None, body="Started.", status="in_progress"
        )
    hook.refresh_from_db()
    assert hook.disabled_at is not None
    assert "10 deliveries in a row failed" in hook.disabled_reason


def test_a_hook_whose_name_later_points_inside_is_not_called(db, api, monkeypatch):
    hook, window = _active_hook(api)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )
    with responses.RequestsMock() as receiver:
        _committed(
            services.update_post, event=window, author=None, body="Started.", status="in_progress"
        )
        assert len(receiver.calls) == 0
    hook.refresh_from_db()
    assert not hook.is_active


def test_a_delivery_connects_to_the_address_it_checked_not_to_a_new_answer(db, api, monkeypatch):
    hook, window = _active_hook(api)
    asked = []
    answers = iter(["93.184.216.34"])  # then 127.0.0.1: the name is rebound after the check

    def rebinding(host, port, *args, **kwargs):
        asked.append(host)
        address = next(answers, "127.0.0.1") if host == "hooks.example.com" else host
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connected, sockets, tls = [], [], []

    def connect(address, *args, **kwargs):
        connected.append(address)
        sockets.append(socket.socket())  # connected to nothing: nothing can be sent
        return sockets[-1]

    def start_tls(**kwargs):
        tls.append((kwargs["server_hostname"], kwargs["ssl_context"]))
        raise ssl.SSLError("stopped before the handshake")

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", connect)
    monkeypatch.setattr(urllib3.connection, "ssl_wrap_socket", start_tls)
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )
    for sock in sockets:
        sock.close()
    assert connected == [("93.184.216.34", 443)]
    assert asked.count("hooks.example.com") == 1
    [(server_name, context)] = tls  # the certificate is checked against the name, not the IP
    assert server_name == "hooks.example.com"
    assert context.check_hostname
    assert context.verify_mode == ssl.CERT_REQUIRED
    row = Notification.objects.get(webhook=hook)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "SSLError" in row.last_error


def test_signups_are_rate_limited(db):
    client = Client(REMOTE_ADDR="198.51.100.4")
    for n in range(10):
        assert _post(client, {"subscribe": "1", "email": f"p{n}@example.com"}).status_code == 200
    assert _post(client, {"subscribe": "1", "email": "p11@example.com"}).status_code == 429
    assert Subscriber.objects.count() == 10


def test_a_notification_is_sent_once_even_if_delivered_twice(db, client, api):
    _subscribe(client)
    window = MaintenanceWindowFactory(services=[api])
    mail.outbox.clear()
    update = _committed(
        services.update_post, event=window, author=None, body="Go.", status="in_progress"
    )
    _committed(notices.notify_update, update=update)
    _committed(deliver_due)
    assert len(mail.outbox) == 1


def test_a_cancellation_is_sent(db, client, api):
    _subscribe(client)
    window = MaintenanceWindowFactory(services=[api], title="API upgrade")
    mail.outbox.clear()
    _committed(services.maintenance_transition, window=window, to="cancelled", author=None)
    [message] = mail.outbox
    assert message.subject == "[dotMailer status] API upgrade: Cancelled"
    assert "The maintenance has been cancelled." in message.body
