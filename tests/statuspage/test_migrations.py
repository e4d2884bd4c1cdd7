"""Migrations that move data: the two outboxes made one (0007), threads numbered (faq 0004),
all services or some said by a flag (0009), the service history rebuilt (0011).

On the demo data, with outbox rows in every state, as an install upgrading would have them:
migrated back to before, filled through the historical models, then forward again.
"""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("statuspage", "0006_rate_limit_hits"), ("faq", "0003_comment_reply_officially")]
POST_STATES = ["pending", "sending", "sent", "failed", "skipped", "unconfirmed"]
NOTICE_STATES = ["pending", "sending", "sent", "failed"]
CREATED = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _old_outboxes(apps) -> dict:
    """A post in every state, on updates of the demo's window; e-mail and webhook rows in
    every state; returns what was written, to compare."""
    window = apps.get_model("statuspage", "MaintenanceWindow").objects.order_by("pk").first()
    Update = apps.get_model("statuspage", "StatusUpdate")
    CrossPost = apps.get_model("statuspage", "CrossPost")
    Notification = apps.get_model("statuspage", "Notification")
    subscriber = apps.get_model("statuspage", "Subscriber").objects.create(
        email="pat@example.com", confirmed_at=CREATED
    )
    hook = apps.get_model("statuspage", "Webhook").objects.create(
        url="https://hooks.example.com/h", email="ops@example.com", secret="s", confirmed_at=CREATED
    )
    posts = {}
    for number, state in enumerate(POST_STATES):
        update = Update.objects.create(
            maintenance=window, status="scheduled", body=f"Note {number}", published_at=CREATED
        )
        post = CrossPost.objects.create(
            update=update, channel="x", state=state, text=f"Post {number}", attempts=number,
            last_error="X answered 503" if state == "failed" else "", remote_id=str(900 + number),
        )  # fmt: skip
        CrossPost.objects.filter(pk=post.pk).update(created_at=CREATED)
        posts[post.pk] = (state, f"Post {number}", update.pk)
    notices = []
    for state in NOTICE_STATES:
        for recipient in ({"subscriber": subscriber}, {"webhook": hook}):
            channel = "email" if "subscriber" in recipient else "webhook"
            notices.append((channel, f"update:{state}", state))
            Notification.objects.create(
                channel=channel, topic=f"update:{state}", state=state, body="{}", **recipient
            )
    return {"posts": posts, "notices": notices}


def test_the_two_outboxes_become_one_and_back_on_the_demo_data():
    call_command("load_demo", stdout=io.StringIO())
    written = _old_outboxes(_migrate(BEFORE))

    apps = _migrate(_latest())
    Message = apps.get_model("statuspage", "Message")
    for pk, (state, text, update_id) in written["posts"].items():
        post = Message.objects.get(pk=pk)  # a post keeps its id: queued tasks name it
        assert (post.channel, post.state, post.body, post.update_id) == (
            "x",
            state,
            text,
            update_id,
        )
        assert post.topic == f"update:{update_id}"
        assert post.created_at == CREATED
    notices = Message.objects.exclude(pk__in=written["posts"]).order_by("pk")
    assert [(n.channel, n.topic, n.state) for n in notices] == written["notices"]
    assert {n.subscriber_id is not None for n in notices if n.channel == "email"} == {True}
    # A new message takes an id after the copied ones (PostgreSQL's sequence was set).
    fresh = Message.objects.create(channel="email", topic="after", body="", subscriber=None)
    assert fresh.pk > max(written["posts"])

    fresh.delete()
    apps = _migrate(BEFORE)
    CrossPost = apps.get_model("statuspage", "CrossPost")
    assert {p.pk: (p.state, p.text, p.update_id) for p in CrossPost.objects.all()} == (
        written["posts"]
    )
    Notification = apps.get_model("statuspage", "Notification")
    assert Notification.objects.count() == len(written["notices"])
    _migrate(_latest())


def test_existing_threads_are_numbered_by_age_and_replies_join_them():
    apps = _migrate(BEFORE)
    FAQ = apps.get_model("faq", "FAQ")
    Window = apps.get_model("statuspage", "MaintenanceWindow")
    window = Window.objects.create(
        title="W", slug="w", summary="s", scheduled_start=CREATED,
        scheduled_end=CREATED + timedelta(hours=4),
    )  # fmt: skip
    faq = FAQ.objects.create(window=window, title="F", slug="f")
    Comment = apps.get_model("faq", "Comment")
    later = Comment.objects.create(
        faq=faq, author_name="B", body="b", created_at=CREATED + timedelta(hours=1)
    )
    first = Comment.objects.create(faq=faq, author_name="A", body="a", created_at=CREATED)
    reply = Comment.objects.create(
        faq=faq, author_name="C", body="c", parent=later, created_at=CREATED + timedelta(hours=2)
    )

    apps = _migrate(_latest())
    Comment = apps.get_model("faq", "Comment")
    positions = dict(Comment.objects.values_list("pk", "thread_position"))
    assert positions == {first.pk: 1, later.pk: 2, reply.pk: 2}


def test_whoever_chose_services_is_no_longer_a_reader_of_all_of_them():
    apps = _migrate([("statuspage", "0008_notice_html")])
    service = apps.get_model("statuspage", "Service").objects.create(name="API", slug="api")
    Subscriber = apps.get_model("statuspage", "Subscriber")
    Webhook = apps.get_model("statuspage", "Webhook")
    everything = Subscriber.objects.create(email="all@example.com")
    some = Subscriber.objects.create(email="api@example.com")
    some.services.set([service])
    hook_everything = Webhook.objects.create(url="https://a.example.com/", email="a@example.com")
    hook_some = Webhook.objects.create(url="https://b.example.com/", email="b@example.com")
    hook_some.services.set([service])

    apps = _migrate(_latest())
    Subscriber = apps.get_model("statuspage", "Subscriber")
    Webhook = apps.get_model("statuspage", "Webhook")
    assert dict(Subscriber.objects.values_list("pk", "all_services")) == {
        everything.pk: True,
        some.pk: False,
    }
    assert dict(Webhook.objects.values_list("pk", "all_services")) == {
        hook_everything.pk: True,
        hook_some.pk: False,
    }
    apps = _migrate([("statuspage", "0008_notice_html")])  # and back: the choices stay
    assert apps.get_model("statuspage", "Subscriber").objects.get(pk=some.pk).services.count() == 1
    _migrate(_latest())


def test_the_service_history_is_rebuilt_from_the_published_updates_service_changes():
    apps = _migrate([("statuspage", "0010_update_templates")])
    Service = apps.get_model("statuspage", "Service")
    Incident = apps.get_model("statuspage", "Incident")
    Update = apps.get_model("statuspage", "StatusUpdate")
    ServiceChange = apps.get_model("statuspage", "ServiceChange")
    api = Service.objects.create(name="API", slug="api", status="operational")
    incident = Incident.objects.create(
        title="API down", slug="api-down", started_at=CREATED, published_at=CREATED
    )
    for minutes, old, new, published in [
        (0, "operational", "major_outage", True),
        (30, "major_outage", "partial_outage", True),
        (45, "partial_outage", "operational", False),  # a draft: never applied
    ]:
        update = Update.objects.create(
            incident=incident,
            status="investigating",
            body="…",
            published_at=CREATED + timedelta(minutes=minutes) if published else None,
        )
        ServiceChange.objects.create(update=update, service=api, old_status=old, new_status=new)

    apps = _migrate(_latest())
    rows = apps.get_model("statuspage", "StatusChange").objects.order_by("at")
    assert [(r.old_status, r.new_status, r.at, r.source) for r in rows] == [
        ("operational", "major_outage", CREATED, "reconstructed"),
        ("major_outage", "partial_outage", CREATED + timedelta(minutes=30), "reconstructed"),
    ]
