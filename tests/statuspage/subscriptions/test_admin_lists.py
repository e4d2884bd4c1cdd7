"""The subscriber and webhook lists in the admin: each one's state and since when, in UTC,
in one column, so that the lists keep to 1280 px."""

from datetime import timedelta

from django.test import TestCase

from statuspage.subscriptions import services
from statuspage.subscriptions.models import Webhook


def _subscribe(email: str, api, *, confirm: bool = True):
    with TestCase.captureOnCommitCallbacks(execute=True):
        subscriber = services.subscriber_subscribe(email=email, services=[api])
        if confirm:
            services.subscription_confirm(recipient=subscriber)
    return subscriber


def test_the_subscriber_list_says_each_state_and_since_when(staff_client, api, clock):
    _subscribe("new@example.com", api, confirm=False)
    _subscribe("pat@example.com", api)
    left = _subscribe("sam@example.com", api)
    gone = _subscribe("old@example.com", api)
    clock.shift(timedelta(minutes=5))  # within the staff session's idle time
    services.subscription_stop(recipient=left)
    services.subscriber_bounce(subscriber=gone)

    page = staff_client.get("/admin/statuspage/subscriber/").content.decode()

    assert '<td class="field-standing">Not confirmed yet</td>' in page
    assert '<td class="field-standing">Confirmed Mon 20 May 2030, 09:00 UTC</td>' in page
    assert '<td class="field-standing">Unsubscribed Mon 20 May 2030, 09:05 UTC</td>' in page
    assert '<td class="field-standing">Bounced Mon 20 May 2030, 09:05 UTC</td>' in page
    assert page.count('<td class="field-signed_up">Mon 20 May 2030, 09:00 UTC</td>') == 4
    assert "css/admin-lists.css" in page


def test_the_webhook_list_says_each_state_and_why_one_was_turned_off(staff_client, clock):
    url = "https://hooks.example.com/status"
    waiting = Webhook.objects.create(url=url, email="ops@example.com", secret="s")
    working = Webhook.objects.create(url=url, email="it@example.com", secret="s")
    broken = Webhook.objects.create(url=url, email="dev@example.com", secret="s")
    services.subscription_confirm(recipient=working)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.webhook_disable(hook=broken, reason="Failed 10 times in a row.")

    page = staff_client.get("/admin/statuspage/webhook/").content.decode()

    assert waiting.confirmed_at is None
    assert '<td class="field-standing">Not confirmed yet</td>' in page
    assert '<td class="field-standing">Confirmed Mon 20 May 2030, 09:00 UTC</td>' in page
    turned_off = "Turned off Mon 20 May 2030, 09:00 UTC · Failed 10 times in a row."
    assert f'<td class="field-standing">{turned_off}</td>' in page
