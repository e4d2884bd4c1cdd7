"""Publishing while the task queue's broker (Redis) cannot be reached: staff are told it went
out and that delivery is delayed (not a 500, which made them post it again); nothing is lost,
and once the broker is back the sweep sends everything, once, in order.

The broker is a real Redis client pointed at a port where nothing listens on 127.0.0.1:
kombu fails as it does when Redis is down.
"""

import pytest
import responses
from django.core import mail

from statuspage import services
from statuspage.admin import DELAYED
from statuspage.celery import app
from statuspage.outbox.models import CrossPost, MessageState, Notification
from statuspage.outbox.services import deliver_due
from statuspage.subscriptions.models import Subscriber
from tests.factories import MaintenanceWindowFactory, ServiceFactory

# Real commits, as in production: the tasks are started when update_post's transaction
# commits, while the admin's view still watches (inside a test's transaction they would wait).
pytestmark = pytest.mark.django_db(transaction=True)
TWEETS = "https://api.twitter.com/2/tweets"
NOWHERE = "redis://127.0.0.1:9/0"  # the discard port: refused at once


@pytest.fixture
def broker_down(settings):
    """Tasks go to a broker, as in production, and the broker is unreachable."""
    saved = {"task_always_eager": True, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=NOWHERE)
    # Connections already made (to the in-process broker) are dropped, as a new worker
    # process starts without any: the next task is sent through a new one, to NOWHERE.
    app._after_fork()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    yield
    app.conf.update(saved)
    app._after_fork()


@pytest.fixture
def x_on(settings):
    for name in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET"):
        setattr(settings, name, f"dummy-{name.lower()}")


def _post_update(client, window, body: str):
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    data = {"body": body, "status": window.status, "publish": "on", "cross_post": "on"}
    return client.post(url, data, follow=True)


def test_publishing_without_the_broker_succeeds_and_says_delivery_is_delayed(
    staff_client, x_on, broker_down
):
    api = ServiceFactory(name="dotMailer API")
    Subscriber.objects.create(email="pat@example.com", confirmed_at="2030-01-01T00:00Z")
    window = MaintenanceWindowFactory(services=[api], hashtag="#dMmaint")

    first = _post_update(staff_client, window, "The copy has begun.")
    second = _post_update(staff_client, window, "Half the data is across.")

    for answer in (first, second):
        assert answer.status_code == 200
        shown = [str(message) for message in answer.context["messages"]]
        assert any(text.startswith("Update published") for text in shown), shown
        assert DELAYED in shown
    posts = list(CrossPost.objects.order_by("pk"))
    assert [post.state for post in posts] == [MessageState.PENDING] * 2
    assert Notification.objects.filter(state=MessageState.PENDING).count() == 2
    assert mail.outbox == []


def test_once_the_broker_is_back_the_sweep_sends_everything_once_in_order(
    staff_client, x_on, broker_down, settings
):
    api = ServiceFactory(name="dotMailer API")
    Subscriber.objects.create(email="pat@example.com", confirmed_at="2030-01-01T00:00Z")
    window = MaintenanceWindowFactory(services=[api], hashtag="#dMmaint")
    _post_update(staff_client, window, "The copy has begun.")
    _post_update(staff_client, window, "Half the data is across.")

    app.conf.update(task_always_eager=True)  # the broker is back (tasks run in-process)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with responses.RequestsMock() as x_api:
        for post_id in ("501", "502"):
            x_api.post(TWEETS, json={"data": {"id": post_id, "text": ""}})
        deliver_due()
        deliver_due()  # a second sweep finds nothing more to send
        sent = [call.request.body for call in x_api.calls]

    assert len(sent) == 2
    assert b"The copy has begun." in sent[0]
    assert b"Half the data" in sent[1]
    assert b'"in_reply_to_tweet_id": "501"' in sent[1].replace(b'":"', b'": "')
    assert sorted(message.subject.split(": ")[-1] for message in mail.outbox) == ["Scheduled"] * 2
    assert not Notification.objects.exclude(state=MessageState.SENT).exists()


def test_a_sweep_that_cannot_reach_the_broker_leaves_the_notices_waiting_for_the_next(
    broker_down, settings
):
    api = ServiceFactory(name="dotMailer API")
    Subscriber.objects.create(email="pat@example.com", confirmed_at="2030-01-01T00:00Z")
    Subscriber.objects.create(email="sam@example.com", confirmed_at="2030-01-01T00:00Z")
    window = MaintenanceWindowFactory(services=[api])
    services.update_post(event=window, author=None, body="Started.", status="in_progress")

    deliver_due()  # the batch's task cannot be started
    rows = Notification.objects.all()
    assert [(row.state, row.attempts) for row in rows] == [(MessageState.PENDING, 0)] * 2

    app.conf.update(task_always_eager=True)  # the broker is back
    settings.CELERY_TASK_ALWAYS_EAGER = True
    deliver_due()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "pat@example.com",
        "sam@example.com",
    ]
