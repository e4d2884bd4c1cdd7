"""All services or some: a reader whose chosen services were all removed hears nothing,
keeps the subscription, and is told why on the manage page."""

import re

import pytest
import responses
from django.conf import settings
from django.core import mail
from django.test import TestCase

from statuspage import services
from statuspage.outbox.models import Message
from statuspage.subscriptions import tokens
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.factories import MaintenanceWindowFactory, ServiceFactory

HOOK = "https://hooks.example.com/status"
GONE = "The services you chose are no longer listed, so nothing is sent to you."
HOOK_GONE = "The services you chose are no longer listed, so nothing is sent to this webhook."


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """hooks.example.com resolves, to a public address, without the network."""
    monkeypatch.setattr(
        "socket.getaddrinfo", lambda host, port, *a, **k: [(2, 1, 6, "", ("93.184.216.34", port))]
    )


@pytest.fixture
def chosen(db):
    """The two services a reader chose: dotSurvey and the API."""
    return [ServiceFactory(name="dotSurvey"), ServiceFactory(name="dotMailer API")]


@pytest.fixture
def forums(db):
    return ServiceFactory(name="Support forums")


def _committed(callable_, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return callable_(*args, **kwargs)


def _confirm_link(text: str) -> str:
    match = re.search(rf"{re.escape(settings.SITE_URL)}(/subscriptions/confirm/\S*)", text)
    return match[1]


def _subscribe(client, email, chosen=()) -> Subscriber:
    data = {"subscribe": "1", "email": email, "services": [s.pk for s in chosen]}
    _committed(client.post, "/subscribe/", data)
    _committed(client.post, _confirm_link(mail.outbox[-1].body))
    return Subscriber.objects.get(email=email)


def _register(client, chosen=()) -> Webhook:
    data = {"webhook": "1", "hook-url": HOOK, "hook-email": "ops@example.com"}
    _committed(client.post, "/subscribe/", {**data, "hook-services": [s.pk for s in chosen]})
    _committed(client.post, _confirm_link(mail.outbox[-1].body))
    return Webhook.objects.latest("pk")


def _remove(staff_client, removed) -> None:
    for service in removed:
        url = f"/admin/statuspage/service/{service.pk}/delete/"
        assert staff_client.post(url, {"post": "yes"}).status_code == 302


def _update_of_an_event_on(affected) -> None:
    window = MaintenanceWindowFactory(services=affected, title="Forum upgrade")
    mail.outbox.clear()
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )


def _manage_page(client, recipient) -> str:
    return client.get(f"/subscriptions/{tokens.token_for(recipient)}/").content.decode()


def test_a_subscriber_whose_services_were_all_removed_is_sent_nothing_and_stays_subscribed(
    client, staff_client, chosen, forums
):
    pat = _subscribe(client, "pat@example.com", chosen)
    everything = _subscribe(client, "all@example.com")
    assert (pat.all_services, everything.all_services) == (False, True)
    _remove(staff_client, chosen)

    _update_of_an_event_on([forums])

    assert [m.to for m in mail.outbox] == [["all@example.com"]]
    assert not Message.objects.filter(subscriber=pat, topic__startswith="update:").exists()
    pat.refresh_from_db()
    assert pat.is_active
    assert (pat.unsubscribed_at, pat.all_services, list(pat.services.all())) == (None, False, [])
    assert GONE in _manage_page(client, pat)
    assert GONE not in _manage_page(client, everything)


def test_a_reader_of_everything_gets_the_notice_written_for_everything(client, chosen, forums):
    _subscribe(client, "all@example.com")
    _subscribe(client, "forums@example.com", [forums])
    _update_of_an_event_on([forums])
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Affected services:" in bodies["all@example.com"]
    assert "(yours)" not in bodies["all@example.com"]
    assert "Affected services (yours first):" in bodies["forums@example.com"]


def test_choosing_again_on_the_manage_page_puts_the_reader_back(
    client, staff_client, chosen, forums
):
    pat = _subscribe(client, "pat@example.com", chosen)
    _remove(staff_client, chosen)
    manage = f"/subscriptions/{tokens.token_for(pat)}/"

    assert client.post(manage, {"services": [forums.pk]}).status_code == 302
    pat.refresh_from_db()
    assert (pat.all_services, list(pat.services.all())) == (False, [forums])
    assert GONE not in _manage_page(client, pat)
    client.post(manage, {"services": []})  # none chosen: all of them
    pat.refresh_from_db()
    assert (pat.all_services, list(pat.services.all())) == (True, [])
    _update_of_an_event_on([ServiceFactory(name="Added later")])
    assert [m.to for m in mail.outbox] == [["pat@example.com"]]


def test_a_confirmation_whose_services_were_removed_meanwhile_chooses_none_not_all(
    client, staff_client, chosen, forums
):
    data = {"subscribe": "1", "email": "pat@example.com", "services": [s.pk for s in chosen]}
    _committed(client.post, "/subscribe/", data)
    confirm = _confirm_link(mail.outbox[-1].body)
    _remove(staff_client, chosen)
    _committed(client.post, confirm)

    pat = Subscriber.objects.get()
    assert pat.is_active
    assert not pat.all_services
    _update_of_an_event_on([forums])
    assert not mail.outbox
    assert GONE in _manage_page(client, pat)


def test_a_webhook_whose_services_were_all_removed_is_sent_nothing_and_stays_on(
    client, staff_client, chosen, forums
):
    some = _register(client, chosen)
    everything = _register(client)
    assert (some.all_services, everything.all_services) == (False, True)
    _remove(staff_client, chosen)

    with responses.RequestsMock() as receiver:
        receiver.post(HOOK, status=200)
        _update_of_an_event_on([forums])
        assert len(receiver.calls) == 1

    deliveries = Message.objects.filter(webhook__isnull=False, topic__startswith="update:")
    assert [row.webhook for row in deliveries] == [everything]
    some.refresh_from_db()
    assert some.is_active
    assert HOOK_GONE in _manage_page(client, some)
    assert HOOK_GONE not in _manage_page(client, everything)


def test_staff_see_the_flag_and_cannot_choose_all_services_and_some(staff_client, chosen):
    hook = Webhook.objects.create(url=HOOK, email="ops@example.com", secret="s")
    listing = staff_client.get("/admin/statuspage/webhook/").content.decode()
    assert "column-all_services" in listing
    url = f"/admin/statuspage/webhook/{hook.pk}/change/"
    data = {"url": HOOK, "email": "ops@example.com", "services": [chosen[0].pk]}
    response = staff_client.post(url, {**data, "all_services": "on"})
    assert response.status_code == 200
    assert "Untick this to send about the chosen services only" in response.content.decode()
    assert staff_client.post(url, data).status_code == 302
    hook.refresh_from_db()
    assert (hook.all_services, list(hook.services.all())) == (False, [chosen[0]])
