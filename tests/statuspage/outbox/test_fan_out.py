"""Many subscribers: every notice goes out at once, in batches over one connection each, and
without a broker, on the server's task thread, not in the staff member's request."""

import re
import threading
import time

import pytest
from django.test import TestCase
from django.utils import timezone

from statuspage import services
from statuspage.common import background
from statuspage.outbox.models import Notification
from statuspage.outbox.services import BATCH
from statuspage.subscriptions.models import Subscriber
from tests.factories import MaintenanceWindowFactory, ServiceFactory, StaffFactory


def _subscribers(count: int) -> list[str]:
    now = timezone.now()
    emails = [f"reader{n:05}@example.com" for n in range(count)]
    Subscriber.objects.bulk_create(Subscriber(email=e, confirmed_at=now) for e in emails)
    return emails


def _post_update(window, body="Work has started."):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body=body, status="in_progress")


def test_every_subscriber_is_sent_the_update_at_once_over_one_connection_per_batch(db, smtp_relay):
    emails = _subscribers(2 * BATCH + 50)
    _post_update(MaintenanceWindowFactory(services=[ServiceFactory()]))

    # No sweep needed: nobody waits for the next minute, whatever the number.
    assert sorted(smtp_relay.delivered_to()) == emails
    connections = {received.peer for received in smtp_relay.outbox}
    assert len(connections) == 3  # 100, 100 and 50 messages
    # One text for all of them, each with its reader's own manage link in both parts.
    links = set()
    for received in smtp_relay.outbox:
        [link] = re.findall(r"Choose services or unsubscribe: (\S+)", received.body)
        assert f'href="{link}"' in received.html
        links.add(link)
    assert len(links) == len(emails)
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_a_refused_address_in_a_batch_bounces_alone_and_the_batch_goes_on(db, smtp_relay):
    emails = _subscribers(5)
    smtp_relay.recipients = {emails[2]: "550 5.1.1 No such user"}
    _post_update(MaintenanceWindowFactory(services=[ServiceFactory()]))

    assert smtp_relay.delivered_to() == emails[:2] + emails[3:]
    assert len({received.peer for received in smtp_relay.outbox}) == 1
    bounced = Subscriber.objects.filter(bounced_at__isnull=False)
    assert list(bounced.values_list("email", flat=True)) == [emails[2]]


def test_a_relay_that_hangs_up_mid_batch_is_called_again_and_only_its_message_waits(db, smtp_relay):
    emails = _subscribers(4)
    # "421 closing": the relay drops the connection after refusing the first message.
    smtp_relay.data = "421 4.3.2 Closing, too many messages"
    refuse_once = smtp_relay.handle_DATA

    async def first_refused(server, session, envelope):
        answer = await refuse_once(server, session, envelope)
        smtp_relay.data = None
        return answer

    smtp_relay.handle_DATA = first_refused
    _post_update(MaintenanceWindowFactory(services=[ServiceFactory()]))

    assert smtp_relay.delivered_to() == emails[1:]
    assert len({received.peer for received in smtp_relay.outbox}) == 1  # the second connection
    waiting = Notification.objects.get(state="pending")
    assert waiting.subscriber.email == emails[0]
    assert "421" in waiting.last_error
    assert Subscriber.objects.filter(bounced_at__isnull=False).count() == 0


def test_a_refused_sender_tries_the_relay_once_per_batch_and_bounces_nobody(db, smtp_relay):
    _subscribers(3)
    smtp_relay.sender = "550 5.7.1 Sender not allowed"
    _post_update(MaintenanceWindowFactory(services=[ServiceFactory()]))

    rows = Notification.objects.all()
    assert {row.state for row in rows} == {"pending"}
    assert all("refused our sender" in row.last_error for row in rows)
    assert Subscriber.objects.filter(bounced_at__isnull=False).count() == 0
    assert smtp_relay.outbox == []


@pytest.fixture
def task_thread(settings):
    """The thread ``make run`` gives tasks when there is no broker (its beat aside: SQLite's
    shared in-memory test database locks tables, not waiting, when two threads write)."""
    assert settings.CELERY_TASK_ALWAYS_EAGER
    background.start(beat=False)
    yield
    background.stop()


@pytest.mark.django_db(transaction=True)
def test_the_task_thread_runs_the_beat_so_waiting_notices_go_out_without_a_request(
    settings, smtp_relay
):
    _subscribers(3)
    window = MaintenanceWindowFactory(services=[ServiceFactory()], published_at=None)
    settings.NOTICE_QUIET_SECONDS = 1  # the announcement waits a second for a later notice
    window.published_at = timezone.now()
    services.event_save(event=window, changed={"published_at"}, was_published=False)
    assert smtp_relay.outbox == []  # waiting: no request, no worker will send it
    settings.CELERY_BEAT_SCHEDULE = {
        "sweep": {"task": "statuspage.tasks.notifications_deliver", "schedule": 0.2}
    }
    background.start()
    try:
        deadline = time.monotonic() + 20
        while len(smtp_relay.outbox) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        background.stop()
    assert len(smtp_relay.outbox) == 3


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_staff_request_answers_before_any_mail_is_sent(
    client, smtp_relay, task_thread
):
    emails = _subscribers(150)
    window = MaintenanceWindowFactory(services=[ServiceFactory()], status="scheduled")
    client.force_login(StaffFactory(is_superuser=True))
    smtp_relay.gate = threading.Event()  # the relay takes nothing until the test says

    started = time.monotonic()
    answer = client.post(
        f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/",
        {"body": "Work has started.", "status": "scheduled", "publish": "on"},
    )
    assert answer.status_code == 302
    shown = [str(m) for m in answer.wsgi_request._messages]
    follow = f'/admin/statuspage/maintenancewindow/{window.pk}/change/#updates-group"'
    assert any(follow in text for text in shown), shown
    # Sent in the request, the first message would have held it for the relay's 30 s.
    assert time.monotonic() - started < 20
    assert smtp_relay.outbox == []

    page = client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    assert "0 of 150 sent · sending…" in page.text

    smtp_relay.gate.set()
    deadline = time.monotonic() + 30
    while len(smtp_relay.outbox) < len(emails) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sorted(smtp_relay.delivered_to()) == emails

    page = client.get(f"/admin/statuspage/maintenancewindow/{window.pk}/change/")
    assert "150 of 150 sent" in page.text
    assert "sending…" not in page.text
