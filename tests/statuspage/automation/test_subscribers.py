"""The management API's subscribers, through HTTP with a real key: Statuspage's shapes, the
same double opt-in as /subscribe/, unsubscribing, counting, and who may."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.test import TestCase
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from statuspage.automation import services as keys
from statuspage.outbox.models import MessageState
from statuspage.security.permissions import STATUS_EDITORS
from statuspage.subscriptions import services as subscriptions
from statuspage.subscriptions.models import Subscriber
from tests.factories import ServiceFactory, StaffFactory, UserFactory

NOW = datetime(2030, 5, 20, 9, 0, tzinfo=UTC)
HERE = Path(__file__).parent
SUBSCRIBERS = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}/subscribers"
OPENAPI = json.loads(
    (Path(settings.BASE_DIR) / "statuspage/publishing/api/openapi.json").read_text("utf-8")
)
SHAPES = {
    name: json.loads((HERE / f"schemas/{name}.json").read_text("utf-8"))
    for name in ("subscriber", "subscriber_count")
}
OPENAPI_NAMES = {"subscriber": "Subscriber", "subscriber_count": "SubscriberCountByType"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner(db):
    """A superuser: every subscriber permission."""
    return StaffFactory(username="ops")


@pytest.fixture
def key(owner) -> str:
    return keys.api_key_create(owner=owner, name="crm sync")[1]


@pytest.fixture
def api(db):
    return ServiceFactory(name="dotMailer API", slug="api")


@pytest.fixture
def forums(db):
    return ServiceFactory(name="Support forums", slug="forums")


def call(client, key, method: str, path: str = "", data=None, **query):
    kwargs = {"headers": {"authorization": f"OAuth {key}"}}
    if data is not None:
        kwargs.update(
            data=data if isinstance(data, str | bytes) else json.dumps(data),
            content_type="application/json",
        )
    url = SUBSCRIBERS + path
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    with TestCase.captureOnCommitCallbacks(execute=True):
        return getattr(client, method)(url, **kwargs)


def shaped(instance, name: str):
    """Statuspage's shape, and the OpenAPI document's."""
    jsonschema.Draft202012Validator(
        SHAPES[name], format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)
    documented(instance, OPENAPI_NAMES[name])
    return instance


def documented(instance, schema_name: str) -> None:
    resource = Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
    jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema_name}"},
        registry=Registry().with_resource("urn:openapi", resource),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


def refused(response, status: int) -> str:
    assert response.status_code == status, response.content
    error = response.json()
    documented(error, "Error")
    return error["error"]


def active(email: str, services=()) -> Subscriber:
    subscriber = subscriptions.subscriber_subscribe(email=email, services=list(services))
    subscriptions.subscription_confirm(recipient=subscriber, services=list(services))
    return subscriber


# --- creating: double opt-in -----------------------------------------------------------------


def test_creating_a_subscriber_asks_the_address_to_confirm(client, key, api, forums):
    response = call(
        client,
        key,
        "post",
        data={
            "subscriber": {
                "email": "Pat@Example.com",
                "component_ids": [f"service-{api.pk}"],
                "skip_confirmation_notification": True,  # double opt-in applies all the same
            }
        },
    )

    assert response.status_code == 201
    made = shaped(response.json(), "subscriber")
    subscriber = Subscriber.objects.get()
    assert made["id"] == f"subscriber-{subscriber.pk}"
    assert (made["mode"], made["email"]) == ("email", "pat@example.com")
    assert made["skip_confirmation_notification"] is False
    assert made["created_at"] == "2030-05-20T09:00:00.000Z"
    assert not subscriber.is_active  # until its owner follows the link
    [message] = mail.outbox
    assert message.to == ["pat@example.com"]
    assert message.subject.endswith("Confirm your subscription")
    confirm = re.search(
        rf"{re.escape(settings.SITE_URL)}(/subscriptions/confirm/\S*)", message.body
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(confirm[1])
    subscriber.refresh_from_db()
    assert subscriber.is_active
    assert list(subscriber.services.all()) == [api]  # the components chosen
    got = shaped(call(client, key, "get", f"/subscriber-{subscriber.pk}").json(), "subscriber")
    assert got["components"] == [f"service-{api.pk}"]


def test_an_address_already_subscribed_is_sent_a_manage_link_and_kept(client, key, api):
    subscriber = active("pat@example.com", [api])
    mail.outbox.clear()
    response = call(client, key, "post", data={"subscriber": {"email": "pat@example.com"}})
    assert response.status_code == 201
    assert mail.outbox[-1].subject.endswith("Manage your subscription")
    assert list(subscriber.services.all()) == [api]


def test_the_audit_trail_names_the_key(client, key, owner):
    call(client, key, "post", data={"subscriber": {"email": "pat@example.com"}})
    entry = LogEntry.objects.get_for_object(Subscriber.objects.get()).get()
    assert entry.actor == owner
    assert entry.cid == f"API key crm sync ({key[:8]}…)"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"subscriber": {"email": "not-an-address"}}, "valid email"),
        ({"subscriber": {}}, "“email”"),
        ({"subscriber": {"phone_number": "5555550123", "phone_country": "US"}}, "e-mail"),
        ({"subscriber": {"endpoint": "https://hooks.example.com/x"}}, "e-mail"),
        ({"subscriber": {"email": "a@example.com", "component_ids": ["service-999"]}}, "999"),
        ({"subscriber": {"email": "a@example.com", "component_ids": []}}, "at least one"),
        ({"subscriber": {"email": "a@example.com", "component_ids": "all"}}, "at least one"),
    ],
)
def test_bad_subscribers_are_422s_and_write_nothing(client, key, api, data, reason):
    assert reason in refused(call(client, key, "post", data=data), 422)
    assert not Subscriber.objects.exists()
    assert not mail.outbox


def test_malformed_json_a_missing_wrapper_and_a_huge_body_are_refused(client, key):
    assert "not valid JSON" in refused(call(client, key, "post", data='{"subscriber": '), 400)
    assert "“subscriber”" in refused(call(client, key, "post", data={"email": "a@b.com"}), 400)
    huge = {"subscriber": {"email": "a@example.com", "x": "y" * (1024 * 1024)}}
    assert refused(call(client, key, "post", data=huge), 413)
    assert not Subscriber.objects.exists()


# --- reading ---------------------------------------------------------------------------------


def test_the_list_is_the_active_subscribers_by_address_in_statuspage_shape(
    client, key, api, forums
):
    active("zoe@example.com")
    active("amy@example.com", [forums])
    subscriptions.subscriber_subscribe(email="new@example.com", services=[])  # unconfirmed
    bounced = active("gone@example.com")
    subscriptions.subscriber_bounce(subscriber=bounced)

    response = call(client, key, "get")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    listed = response.json()
    for subscriber in listed:
        shaped(subscriber, "subscriber")
    assert [s["email"] for s in listed] == ["amy@example.com", "zoe@example.com"]
    assert listed[0]["components"] == [f"service-{forums.pk}"]
    assert listed[1]["components"] == [f"service-{api.pk}", f"service-{forums.pk}"]  # all

    def emails(**query):
        return [s["email"] for s in call(client, key, "get", **query).json()]

    assert emails(state="unconfirmed") == ["new@example.com"]
    assert emails(state="quarantined") == ["gone@example.com"]
    assert shaped(call(client, key, "get", state="quarantined").json()[0], "subscriber")[
        "quarantined_at"
    ] == ("2030-05-20T09:00:00.000Z")
    assert len(emails(state="all")) == 4
    assert emails(q="zo") == ["zoe@example.com"]
    assert emails(sort_direction="desc") == ["zoe@example.com", "amy@example.com"]
    assert emails(per_page=1, page=2) == ["zoe@example.com"]
    assert emails(type="sms") == []


@pytest.mark.parametrize(
    "query", [{"state": "asleep"}, {"type": "pigeon"}, {"sort_field": "email"}]
)
def test_an_unknown_enum_in_the_query_is_a_422(client, key, query):
    assert "is not a" in refused(call(client, key, "get", **query), 422)


def test_one_subscriber_and_unknown_ids(client, key):
    subscriber = active("pat@example.com")
    got = shaped(call(client, key, "get", f"/subscriber-{subscriber.pk}").json(), "subscriber")
    assert got["email"] == "pat@example.com"
    for unknown in ("subscriber-999", "999", "subscriber-x", "9" * 30):
        assert refused(call(client, key, "get", f"/{unknown}"), 404)
        assert refused(call(client, key, "delete", f"/{unknown}"), 404)
    other_page = f"/api/v1/pages/another/subscribers/subscriber-{subscriber.pk}"
    assert refused(client.get(other_page, headers={"authorization": f"OAuth {key}"}), 404)


def test_the_count_is_by_type_and_state(client, key):
    active("a@example.com")
    active("b@example.com")
    subscriptions.subscriber_subscribe(email="c@example.com", services=[])

    counted = shaped(call(client, key, "get", "/count").json(), "subscriber_count")
    assert counted == {"email": 2, "sms": 0, "webhook": 0, "integration_partner": 0, "slack": 0}
    assert call(client, key, "get", "/count", state="all").json()["email"] == 3
    assert call(client, key, "get", "/count", type="sms").json()["email"] == 0
    assert refused(call(client, key, "get", "/count", state="later"), 422)


# --- unsubscribing ---------------------------------------------------------------------------


def test_delete_unsubscribes_at_once_and_drops_what_waits(client, key):
    subscriber = active("pat@example.com")
    waiting = subscriber.messages.filter(state=MessageState.PENDING)
    assert waiting.exists()  # its subscription mails, not yet sent
    response = call(client, key, "delete", f"/subscriber-{subscriber.pk}")

    assert response.status_code == 200
    assert shaped(response.json(), "subscriber")["email"] == "pat@example.com"
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at == NOW
    assert not subscriber.is_active
    assert not waiting.exists()
    assert call(client, key, "get").json() == []
    listed = call(client, key, "get", state="unsubscribed").json()
    assert [s["email"] for s in listed] == ["pat@example.com"]
    assert call(client, key, "delete", f"/subscriber-{subscriber.pk}").status_code == 200


# --- who may ---------------------------------------------------------------------------------


def test_a_status_editors_key_is_refused_every_subscriber_endpoint(client, db):
    editor = UserFactory(username="sam", is_staff=True)
    editor.groups.add(Group.objects.get(name=STATUS_EDITORS))
    theirs = keys.api_key_create(owner=editor, name="chat bot")[1]
    subscriber = active("pat@example.com")

    for method, path in [
        ("get", ""),
        ("get", "/count"),
        ("get", f"/subscriber-{subscriber.pk}"),
        ("delete", f"/subscriber-{subscriber.pk}"),
    ]:
        assert refused(call(client, theirs, method, path), 403)
    body = {"subscriber": {"email": "new@example.com"}}
    assert refused(call(client, theirs, "post", data=body), 403)
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["pat@example.com"]
    subscriber.refresh_from_db()
    assert subscriber.is_active


def test_no_key_is_a_401(client, db):
    assert refused(client.get(SUBSCRIBERS), 401)
