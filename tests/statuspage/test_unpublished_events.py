"""Nothing about an event that was never published leaves the site: not by e-mail, webhook,
X, feed, API or the static mirror. Staff post through the admin, over HTTP."""

import io
import socket

import pytest
import responses
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from statuspage.outbox.channels import x
from statuspage.outbox.models import CrossPost, Notification
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.factories import IncidentFactory, MaintenanceWindowFactory, ServiceFactory

SECRET = "Internal: the primary ran out of disk, see ticket OPS-123"
HOOK = "https://hooks.example.com/status"


@pytest.fixture(autouse=True)
def x_on(settings):
    for name in x.CREDENTIALS:
        setattr(settings, name, f"dummy-{name.lower()}")


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """hooks.example.com is a public address, resolved without the network."""
    public = "93.184.216.34"
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (public, port))],
    )


@pytest.fixture
def api(db):
    service = ServiceFactory(name="dotMailer API")
    Subscriber.objects.create(email="pat@example.com", confirmed_at="2030-01-01T00:00Z")
    hook = Webhook.objects.create(
        url=HOOK, email="ops@example.com", secret="s", confirmed_at="2030-01-01T00:00Z"
    )
    assert hook.is_active
    return service


def _post_update(client, event, **data):
    url = f"/admin/statuspage/{event._meta.model_name}/{event.pk}/post-update/"
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            url,
            {"body": SECRET, "publish": "on", "cross_post": "on", "confirm_timing": "on", **data},
        )


@pytest.mark.parametrize("kind", ["incident", "maintenance"])
def test_an_update_on_an_unpublished_event_goes_nowhere(staff_client, api, kind, tmp_path):
    make = IncidentFactory if kind == "incident" else MaintenanceWindowFactory
    event = make(services=[api], published_at=None, hashtag="#dMmaint")
    status = "identified" if kind == "incident" else "in_progress"

    with responses.RequestsMock() as outside:  # X and the webhook: any call fails the test
        response = _post_update(staff_client, event, status=status)
        assert response.status_code == 302
        assert len(outside.calls) == 0

    assert event.updates.get().published_at is not None  # posted, for staff to see
    assert mail.outbox == []
    assert not Notification.objects.exists()
    assert not CrossPost.objects.exists()
    for path in ("/history.atom", "/history.rss", "/api/v2/summary.json", "/social/"):
        assert SECRET not in staff_client.get(path).content.decode(), path
    call_command("export_static", str(tmp_path / "mirror"), stdout=io.StringIO())
    for file in (tmp_path / "mirror").rglob("*"):
        if file.is_file() and file.suffix in {".html", ".json", ".atom", ".rss", ".ics"}:
            assert SECRET not in file.read_text(), file


def test_the_same_update_on_a_published_event_is_sent(staff_client, api):
    event = IncidentFactory(services=[api], hashtag="#dMmaint")
    with responses.RequestsMock() as outside:
        outside.post("https://api.twitter.com/2/tweets", json={"data": {"id": "1", "text": ""}})
        outside.post(HOOK, status=200)
        _post_update(staff_client, event, status="identified")
        assert len(outside.calls) == 2
    assert [message.to for message in mail.outbox] == [["pat@example.com"]]
