"""Notices to Slack, Microsoft Teams and Discord incoming webhooks, through HTTP and the
outbox, with each chat faked at the HTTP level; every body is checked against a JSON Schema
written from that chat's documentation (``schemas/``)."""

import json
import re
import socket
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import responses
from django.conf import settings
from django.core import mail
from django.test import Client, TestCase

from statuspage import services
from statuspage.outbox.channels import chat as chats
from statuspage.outbox.models import Notification
from statuspage.outbox.services import deliver_due
from statuspage.subscriptions.models import Webhook
from tests.factories import MaintenanceWindowFactory, ServiceFactory
from tests.statuspage.subscriptions.conftest import NOW

SLACK = "https://hooks.slack.com/services/T0001/B0001/abcDEF123"
TEAMS = (
    "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/"
    "invoke?api-version=2016-06-01&sig=xyz"
)
TEAMS_NEW = (
    "https://default0a1b.2c.environment.api.powerplatform.com:443/powerautomate/automations/"
    "direct/workflows/0a1b/triggers/manual/paths/invoke?api-version=1&sig=xyz"
)
DISCORD = "https://discord.com/api/webhooks/123456789/abc-DEF_ghi"
SCHEMAS = Path(__file__).parent / "schemas"
SCHEMA_OF = {"slack": "slack_blocks.json", "teams": "teams_adaptive_card.json"}
SCHEMA_OF["discord"] = "discord_webhook.json"
# What each chat answers when it takes a message.
TAKEN = {"slack": (200, "ok"), "teams": (202, ""), "discord": (204, "")}
HOOKS = [("slack", SLACK), ("teams", TEAMS), ("teams", TEAMS_NEW), ("discord", DISCORD)]


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """Names resolve without the network: every name is public but internal.example.com.
    Loopback is left to the real resolver: the PostgreSQL pass's Redis is there."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host in {"127.0.0.1", "::1", "localhost"}:
            return real(host, port, *args, **kwargs)
        address = "10.0.0.7" if host == "internal.example.com" else "93.184.216.34"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _committed(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def _valid(kind: str, body: bytes) -> dict:
    payload = json.loads(body)
    schema = json.loads((SCHEMAS / SCHEMA_OF[kind]).read_text())
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(payload)
    if kind == "teams":  # Teams' limit on a message's size
        assert len(body) <= 28 * 1024
    if kind == "discord":  # Discord's limit on an embed's characters in all
        [embed] = payload["embeds"]
        texts = [embed["title"], embed["description"], embed["footer"]["text"]]
        texts += [f["name"] + f["value"] for f in embed.get("fields", [])]
        assert sum(map(len, texts)) <= 6000
    return payload


def _link(body: bytes, kind: str) -> str:
    path = re.search(
        rf"{re.escape(settings.SITE_URL)}(/subscriptions/{kind}[^\s\"|)>]*)", body.decode()
    )
    return path[1]


def _register(client, url, kind="", email=""):
    data = {"webhook": "1", "hook-url": url, "hook-kind": kind, "hook-email": email}
    return _committed(client.post, "/subscribe/", data)


def _update(window, status="in_progress", body="Started."):
    return _committed(services.update_post, event=window, author=None, body=body, status=status)


@pytest.fixture
def chat():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as faked:
        yield faked


def _confirmed(client, chat, kind, url, api=None):
    chat.post(url, status=TAKEN[kind][0], body=TAKEN[kind][1])
    _register(client, url)
    [confirmation] = chat.calls
    _committed(client.post, _link(confirmation.request.body, "confirm/"))
    chat.calls.reset()
    return Webhook.objects.get(url=url)


@pytest.mark.parametrize(("kind", "url"), HOOKS)
def test_a_chat_hook_is_confirmed_in_the_chat_then_told_in_its_own_shape(
    db, client, chat, api, kind, url
):
    chat.post(url, status=TAKEN[kind][0], body=TAKEN[kind][1])
    page = _register(client, url)
    assert page.status_code == 200
    assert "We posted a message to the channel" in page.content.decode()
    hook = Webhook.objects.get()
    assert (hook.kind, hook.email, hook.is_active) == (kind, "", False)
    [confirmation] = chat.calls
    assert "Confirm notices from dotMailer status" in json.dumps(
        _valid(kind, confirmation.request.body)
    )
    assert not mail.outbox
    window = MaintenanceWindowFactory(services=[api], title="API upgrade")
    _update(window)
    assert len(chat.calls) == 1  # nothing but the confirmation before it is confirmed
    done = _committed(client.post, _link(confirmation.request.body, "confirm/"))
    assert "signing secret" not in done.content.decode().lower()
    hook.refresh_from_db()
    assert hook.is_active
    _update(window, status="completed", body="All done, <!channel> @everyone.")
    [call] = chat.calls[1:]
    assert "X-Statuspage-Signature" not in call.request.headers
    payload = _valid(kind, call.request.body)
    text = json.dumps(payload)
    for said in ("API upgrade", "Completed", "dotMailer API", window.get_absolute_url()):
        assert said in text
    assert _link(call.request.body, "").endswith("/unsubscribe/")
    row = Notification.objects.get(webhook=hook, topic__startswith="update:")
    assert (row.channel, row.state) == ("chat", "sent")


def test_each_chat_gets_the_parts_it_renders(db, client, chat, api):
    for kind, url in (("slack", SLACK), ("teams", TEAMS_NEW), ("discord", DISCORD)):
        _confirmed(client, chat, kind, url)
    window = MaintenanceWindowFactory(services=[api], title="API upgrade")
    _update(window, body="Started, <!channel> & co.")
    sent = {chats.kind_of(c.request.url): json.loads(c.request.body) for c in chat.calls}
    slack = sent["slack"]
    assert [b["type"] for b in slack["blocks"]] == [
        "header",
        "section",
        "section",
        "actions",
        "context",
    ]
    assert slack["blocks"][0]["text"]["text"] == "API upgrade"
    assert "&lt;!channel&gt; &amp; co." in slack["blocks"][1]["text"]["text"]  # no mention
    assert slack["text"].startswith("API upgrade: In progress")
    card = sent["teams"]["attachments"][0]["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert card["body"][3]["facts"][0]["title"] == "dotMailer API"
    assert [a["title"] for a in card["actions"]] == ["Read more", "Stop these messages"]
    embed = sent["discord"]["embeds"][0]
    assert sent["discord"]["allowed_mentions"] == {"parse": []}  # nothing pings
    assert (embed["color"], embed["fields"][0]["name"]) == (0xE67E22, "dotMailer API")
    assert embed["timestamp"].startswith("2030-05-20T09:00")


def test_long_events_are_cut_within_each_chats_limits(db, client, chat):
    # As long as names and titles may be (100 and 200 characters; PostgreSQL holds to it).
    many = [ServiceFactory(name=f"Service number {n:02} ".ljust(100, "x")) for n in range(30)]
    hooks = [_confirmed(client, chat, kind, url) for kind, url in HOOKS]
    # No hashtag: no cross-posts, whose cutting of long text is slow and is not what this checks.
    title = ("Upgrade " + "very " * 80)[:200]
    window = MaintenanceWindowFactory(services=many, title=title, hashtag="")
    _update(window, body="word " * 2000)
    assert len(chat.calls) == len(hooks)
    for call in chat.calls:
        payload = _valid(chats.kind_of(call.request.url), call.request.body)
        assert "…" in json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize(
    ("url", "kind", "message"),
    [
        ("https://hooks.example.com/services/T/B/X", "slack", "not a Slack incoming-webhook"),
        ("https://hooks.slack.com.evil.example/services/T/B/X", "slack", "not a Slack"),
        ("http://hooks.slack.com/services/T/B/X", "", "not a Slack incoming-webhook"),
        ("https://hooks.slack.com/workflows/T/A/1/x", "", "hooks.slack.com/services/"),
        ("https://discord.com/channels/1/2", "", "not a Discord incoming-webhook"),
        ("https://discord.com.evil.example/api/webhooks/1/x", "discord", "not a Discord"),
        ("https://evil.example/api/webhooks/1/x", "discord", "discord.com/api/webhooks/"),
        ("https://outlook.office.com.evil.example/webhookb2/x", "teams", "not a Microsoft Teams"),
        ("https://logic.azure.com.evil.example/workflows/x", "teams", "not a Microsoft Teams"),
        ("https://hooks.slack.com:8443/services/T/B/X", "", "Use an address on port 443."),
        ("https://user:pw@discord.com/api/webhooks/1/x", "", "Leave user names and passwords"),
    ],
)
def test_chat_addresses_off_their_chats_hosts_are_refused_with_the_reason(
    db, client, chat, url, kind, message
):
    response = _register(client, url, kind=kind)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Webhook.objects.exists()
    assert not chat.calls
    assert not mail.outbox


def test_a_chat_host_that_leads_inside_is_refused(db, client, chat, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )
    response = _register(client, DISCORD)
    assert response.status_code == 400
    assert "That address is not on the public internet." in response.content.decode()


def test_a_generic_webhook_still_needs_its_owners_email(db, client, chat):
    response = _register(client, "https://hooks.example.com/status")
    assert response.status_code == 400
    assert "it confirms the webhook" in response.content.decode()
    assert (
        _register(client, "https://hooks.example.com/status", email="ops@example.com").status_code
        == 200
    )
    assert Webhook.objects.get().kind == "generic"


@pytest.mark.parametrize(
    ("kind", "url", "answer", "wait"),
    [
        (
            "slack",
            SLACK,
            {"status": 429, "body": "rate_limited", "headers": {"Retry-After": "30"}},
            30,
        ),
        (
            "discord",
            DISCORD,
            {
                "status": 429,
                "json": {
                    "message": "You are being rate limited.",
                    "retry_after": 2.5,
                    "global": False,
                },
            },
            3,
        ),
    ],
)
def test_a_rate_limited_notice_comes_back_when_the_chat_asks(
    db, client, chat, api, clock, kind, url, answer, wait
):
    hook = _confirmed(client, chat, kind, url)
    chat.replace(responses.POST, url, **answer)
    _update(MaintenanceWindowFactory(services=[api]))
    row = Notification.objects.get(webhook=hook, topic__startswith="update:")
    assert (row.state, row.next_attempt_at) == ("pending", NOW + timedelta(seconds=wait))
    assert "429" in row.last_error
    chat.replace(responses.POST, url, status=TAKEN[kind][0], body=TAKEN[kind][1])
    clock.move_to(row.next_attempt_at)
    _committed(deliver_due)
    row.refresh_from_db()
    hook.refresh_from_db()
    assert (row.state, row.attempts, hook.failures, len(chat.calls)) == ("sent", 2, 0, 2)


def test_a_chat_that_is_down_is_tried_again_on_the_outboxs_schedule(db, client, chat, api, clock):
    hook = _confirmed(client, chat, "teams", TEAMS)
    chat.replace(responses.POST, TEAMS, status=502)
    _update(MaintenanceWindowFactory(services=[api]))
    row = Notification.objects.get(webhook=hook, topic__startswith="update:")
    assert (row.state, row.next_attempt_at) == ("pending", NOW + timedelta(minutes=1))
    clock.move_to(row.next_attempt_at)
    _committed(deliver_due)
    row.refresh_from_db()
    assert (row.state, row.next_attempt_at) == ("pending", NOW + timedelta(minutes=3))
    chat.replace(responses.POST, TEAMS, status=202)
    clock.move_to(row.next_attempt_at)
    _committed(deliver_due)
    row.refresh_from_db()
    assert (row.state, row.attempts, len(chat.calls)) == ("sent", 3, 3)


@pytest.mark.parametrize(
    ("kind", "url", "answer", "reason"),
    [
        ("slack", SLACK, {"status": 404, "body": "no_service"}, "Slack answered 404: no_service."),
        ("slack", SLACK, {"status": 410, "body": "channel_is_archived"}, "channel_is_archived"),
        ("slack", SLACK, {"status": 403, "body": "invalid_token"}, "invalid_token"),
        (
            "discord",
            DISCORD,
            {"status": 404, "json": {"message": "Unknown Webhook", "code": 10015}},
            "Unknown Webhook",
        ),
        ("teams", TEAMS, {"status": 404, "body": ""}, "Microsoft Teams answered 404."),
    ],
)
def test_a_gone_chat_hook_is_turned_off_at_once(db, client, chat, api, kind, url, answer, reason):
    hook = _confirmed(client, chat, kind, url)
    chat.replace(responses.POST, url, **answer)
    window = MaintenanceWindowFactory(services=[api])
    _update(window)
    hook.refresh_from_db()
    assert not hook.is_active
    assert reason in hook.disabled_reason
    row = Notification.objects.get(webhook=hook, topic__startswith="update:")
    assert row.state == "failed"
    assert not mail.outbox  # a chat hook has no owner's address to tell
    _update(window, status="completed")
    assert len(chat.calls) == 1


def test_a_message_the_chat_refuses_fails_and_the_hook_stays(db, client, chat, api):
    hook = _confirmed(client, chat, "slack", SLACK)
    chat.replace(responses.POST, SLACK, status=400, body="invalid_payload")
    _update(MaintenanceWindowFactory(services=[api]))
    row = Notification.objects.get(webhook=hook, topic__startswith="update:")
    assert (row.state, row.last_error) == ("failed", "Slack answered 400: invalid_payload.")
    hook.refresh_from_db()
    assert hook.is_active


def test_the_stop_link_in_a_message_stops_the_hook(db, client, chat, api):
    hook = _confirmed(client, chat, "discord", DISCORD)
    window = MaintenanceWindowFactory(services=[api])
    _update(window)
    stop = _link(chat.calls[0].request.body, "")
    assert stop.endswith("/unsubscribe/")
    asked = client.get(stop)
    assert "Stop sending to this webhook?" in asked.content.decode()
    hook.refresh_from_db()
    assert hook.is_active  # a link checker's GET stops nothing
    assert "Stopped" in client.post(stop).content.decode()
    hook.refresh_from_db()
    assert not hook.is_active
    _update(window, status="completed")
    assert len(chat.calls) == 1


def test_a_chat_hook_can_be_chosen_from_a_service_page(db, client, chat, api):
    page = client.get(api.get_absolute_url()).content.decode()
    assert "Slack, Teams or Discord" in page
    chat.post(SLACK, status=200, body="ok")
    data = {"webhook": "1", "hook-url": SLACK, "hook-email": "", "hook-services": [api.pk]}
    assert _committed(client.post, "/subscribe/", data).status_code == 200
    hook = Webhook.objects.get()
    assert (hook.kind, hook.all_services, list(hook.services.all())) == ("slack", False, [api])


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (
            "slack",
            {
                "text": "x",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}],
            },
        ),
        (
            "slack",
            {
                "text": "x",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            },
        ),
        (
            "teams",
            {
                "type": "message",
                "attachments": [{"contentType": "application/json", "content": {}}],
            },
        ),
        (
            "teams",
            {
                "type": "message",
                "attachments": [
                    {
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "content": {"type": "AdaptiveCard", "body": []},
                    }
                ],
            },
        ),
        ("discord", {"embeds": [{"title": "x" * 257}]}),
        ("discord", {"embeds": [{"description": "x" * 4097}]}),
        ("discord", {"embeds": [{"title": "x"}] * 11}),
    ],
)
def test_the_schemas_refuse_what_the_chats_refuse(kind, payload):
    with pytest.raises(jsonschema.ValidationError):
        _valid(kind, json.dumps(payload).encode())


def test_chat_hooks_without_an_email_do_not_share_one_rate_limit(db, chat):
    for n in range(12):
        url = f"https://hooks.slack.com/services/T{n}/B{n}/x"
        chat.post(url, status=200, body="ok")
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert _register(client, url).status_code == 200
    assert Webhook.objects.count() == 12
