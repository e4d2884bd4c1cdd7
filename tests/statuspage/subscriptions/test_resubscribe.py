"""Subscribing an address again: whoever submits it, nothing changes until its owner confirms.

Over HTTP, as anyone on /subscribe/ and as the owner following the mail's link.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import TestCase

from statuspage import services
from statuspage.subscriptions.models import Subscriber
from tests.factories import MaintenanceWindowFactory, ServiceFactory
from tests.statuspage.subscriptions.conftest import NOW


@pytest.fixture
def forums(db):
    return ServiceFactory(name="Support forums")


def _committed(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def _ask(client, email="pat@example.com", services=()):
    data = {"subscribe": "1", "email": email, "services": [s.pk for s in services]}
    return _committed(client.post, "/subscribe/", data)


def _link(kind: str) -> str:
    return re.search(
        rf"{re.escape(settings.SITE_URL)}(/subscriptions/{kind}\S*)", mail.outbox[-1].body
    )[1]


def _confirmed(client, services=()) -> Subscriber:
    _ask(client, services=services)
    _committed(client.post, _link("confirm/"))
    return Subscriber.objects.get()


def _publish_update(api) -> None:
    window = MaintenanceWindowFactory(services=[api])
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )


def _updates_to(email: str) -> list:
    return [m for m in mail.outbox if email in m.to and "In progress" in m.subject]


@pytest.mark.parametrize("how", ["unsubscribed", "bounced"])
def test_an_address_that_left_must_confirm_again_and_changes_nothing_until_then(
    client, api, forums, how, clock
):
    subscriber = _confirmed(client, services=[api])
    clock.shift(timedelta(hours=2))  # an address is asked to confirm at most once an hour
    if how == "unsubscribed":
        _ask(client)  # an active address is sent its manage link
        manage = _link("")
        assert _committed(client.post, f"{manage}unsubscribe/").status_code == 200
    else:
        Subscriber.objects.filter(pk=subscriber.pk).update(bounced_at=NOW + timedelta(hours=1))
    before = Subscriber.objects.get()
    mail.outbox.clear()

    response = _ask(client, services=[forums])  # anyone can type the address

    assert response.status_code == 200
    after = Subscriber.objects.get()
    assert not after.is_active
    assert (after.unsubscribed_at, after.bounced_at) == (before.unsubscribed_at, before.bounced_at)
    assert list(after.services.all()) == [api]
    [confirmation] = mail.outbox  # it reaches the owner, even at an address that bounced once
    assert confirmation.subject.endswith("Confirm your subscription")
    _publish_update(api)
    assert _updates_to("pat@example.com") == []

    _committed(client.post, _link("confirm/"))  # the owner says yes

    after = Subscriber.objects.get()
    assert after.is_active
    assert list(after.services.all()) == [forums]


def test_an_unconfirmed_address_keeps_its_choice_until_a_link_is_used(client, api, forums):
    _ask(client, services=[api])
    first_link = _link("confirm/")
    _ask(client, services=[forums])
    subscriber = Subscriber.objects.get()
    assert not subscriber.is_active
    assert list(subscriber.services.all()) == []  # nothing is chosen before a confirmation
    _committed(client.post, first_link)
    assert list(Subscriber.objects.get().services.all()) == [api]
