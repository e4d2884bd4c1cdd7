"""Chat hooks: the one place that formats for and posts to Slack, Microsoft Teams and
Discord incoming webhooks.

An address is taken only as HTTPS to its provider's own hosts and paths (``PROVIDERS``),
and then passes every check of ``webhook`` too (a public address, an allowed port, the
connection pinned to the address checked). Each notice is shaped as its chat renders it well:

- Slack: Block Kit (header, section, fields per service, a button, a context line with the
  stop link), with ``text`` as the fallback that notifications show.
- Teams: an Adaptive Card 1.4 in a ``message`` attachment. Workflows (Power Automate)
  webhooks, which replaced the Office 365 connectors retired in 2026, post only Adaptive
  Cards; the connectors took them too, while the older MessageCard renders in neither.
- Discord: one embed, its colour by status, a field per service; ``allowed_mentions`` is
  empty so that no text in an update can ping anyone.

What the chats answer: 2xx is sent; 429 comes back as late as asked (``Retry-After``, or
Discord's ``retry_after``); 401, 403, 404 and 410 mean the hook is gone or barred (Slack's
``no_service``, ``channel_is_archived``, ``invalid_token``; Discord's Unknown Webhook): the
hook is turned off; another 4xx refuses this message only; anything else is tried again.
"""

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from statuspage.outbox.channels import webhook
from statuspage.outbox.channels.base import (
    NOTICE_BACKOFF,
    NOTICE_STALE_AFTER,
    Channel,
    Delivered,
    PermanentError,
    TemporaryError,
)
from statuspage.outbox.models import ChannelName
from statuspage.subscriptions.models import WebhookKind


@dataclass(frozen=True)
class Provider:
    label: str
    hosts: tuple[str, ...]  # exact names, or ".suffix" for any name under it
    path: re.Pattern
    example: str


PROVIDERS = {
    WebhookKind.SLACK: Provider(
        "Slack",
        ("hooks.slack.com",),
        re.compile(r"/services/[\w/-]+"),
        "https://hooks.slack.com/services/…",
    ),
    WebhookKind.TEAMS: Provider(
        "Microsoft Teams",
        # Workflows' (Power Automate) hosts, old and new, and the retired connectors'.
        (".environment.api.powerplatform.com", ".logic.azure.com", ".webhook.office.com"),
        re.compile(r"/.+"),
        "https://….environment.api.powerplatform.com/powerautomate/…",
    ),
    WebhookKind.DISCORD: Provider(
        "Discord",
        ("discord.com", "discordapp.com"),
        re.compile(r"/api/(v\d+/)?webhooks/\d+/[\w-]+/?"),
        "https://discord.com/api/webhooks/…",
    ),
}

# Each chat's own limits (Slack's Block Kit reference, Discord's embed limits).
SLACK_HEADER, SLACK_SECTION, SLACK_FIELDS = 150, 3000, 10
DISCORD_TITLE, DISCORD_DESCRIPTION, DISCORD_TOTAL = 256, 4096, 6000
# Teams takes messages of 28 KB at most; a card's text is kept to what reads well in a channel.
TEAMS_TEXT = 3000
# Red while something is wrong, amber while it is watched, green when over, blue if planned.
COLOURS = {
    "investigating": ("E74C3C", "Attention"),
    "identified": ("E67E22", "Warning"),
    "monitoring": ("F1C40F", "Warning"),
    "verifying": ("F1C40F", "Warning"),
    "in_progress": ("E67E22", "Warning"),
    "rolled_back": ("E74C3C", "Attention"),
    "resolved": ("2ECC71", "Good"),
    "completed": ("2ECC71", "Good"),
    "scheduled": ("3498DB", "Accent"),
    "postponed": ("3498DB", "Accent"),
}
NEUTRAL = ("95A5A6", "Default")


def kind_of(url: str) -> str:
    """The chat whose hosts ``url`` is on, or generic."""
    host = (urlsplit(url).hostname or "").lower()
    for kind, provider in PROVIDERS.items():
        if any(_on(host, name) for name in provider.hosts):
            return kind
    return WebhookKind.GENERIC


def check_address(url: str, kind: str) -> None:
    """Raises ``webhook.UnsafeAddress`` unless ``url`` is an HTTPS incoming-webhook address
    on ``kind``'s own hosts and passes every check of ``webhook.check_address``."""
    provider = PROVIDERS[kind]
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not (
        parts.scheme == "https"
        and any(_on(host, name) for name in provider.hosts)
        and provider.path.fullmatch(parts.path)
    ):
        raise webhook.UnsafeAddress(
            f"That is not a {provider.label} incoming-webhook address; those look like "
            f"{provider.example}"
        )
    webhook.check_address(url)


def _on(host: str, name: str) -> bool:
    return host.endswith(name) if name.startswith(".") else host == name


@dataclass(frozen=True)
class ChatNotice:
    """What one chat message says: ``title`` and ``status`` (``status_key`` picks its colour),
    ``text``, the services and their status, a ``button`` to ``url``, a ``context`` line,
    and the stop link, if the hook is confirmed."""

    title: str
    text: str
    url: str
    button: str
    context: str
    status: str = ""
    status_key: str = ""
    services: list[tuple[str, str]] = field(default_factory=list)
    stop_url: str = ""
    stop_label: str = "Stop these messages"
    at: datetime | None = None


def payload(kind: str, notice: ChatNotice) -> dict:
    return {
        WebhookKind.SLACK: slack_payload,
        WebhookKind.TEAMS: teams_payload,
        WebhookKind.DISCORD: discord_payload,
    }[kind](notice)


def slack_payload(notice: ChatNotice) -> dict:
    def escape(text: str) -> str:  # Slack's mrkdwn: the three characters it gives meaning
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    lead = f"*{escape(notice.status)}*\n" if notice.status else ""
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": cut(notice.title, SLACK_HEADER)}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(lead + escape(notice.text), SLACK_SECTION)},
        },
    ]
    if notice.services:
        fields = [f"*{escape(name)}*\n{escape(status)}" for name, status in notice.services]
        blocks.append(
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": cut(text, 2000)}
                    for text in _at_most(fields, SLACK_FIELDS)
                ],
            }
        )
    button = {"type": "plain_text", "text": cut(notice.button, 75)}
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": button, "url": notice.url, "action_id": "open"}
            ],
        }
    )
    context = escape(notice.context)
    if notice.stop_url:
        context += f" · <{notice.stop_url}|{escape(notice.stop_label)}>"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    fallback = f"{notice.title}: {notice.status}" if notice.status else notice.title
    return {"text": cut(f"{fallback} {notice.url}", SLACK_SECTION), "blocks": blocks}


def teams_payload(notice: ChatNotice) -> dict:
    colour = COLOURS.get(notice.status_key, NEUTRAL)[1]
    body = [
        {
            "type": "TextBlock",
            "text": notice.title,
            "size": "Large",
            "weight": "Bolder",
            "wrap": True,
        },
    ]
    if notice.status:
        body.append(
            {"type": "TextBlock", "text": notice.status, "weight": "Bolder", "color": colour}
        )
    body.append({"type": "TextBlock", "text": cut(notice.text, TEAMS_TEXT), "wrap": True})
    if notice.services:
        facts = [{"title": name, "value": status} for name, status in notice.services]
        body.append({"type": "FactSet", "facts": facts})
    body.append(
        {
            "type": "TextBlock",
            "text": notice.context,
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        }
    )
    actions = [{"type": "Action.OpenUrl", "title": notice.button, "url": notice.url}]
    if notice.stop_url:
        actions.append(
            {"type": "Action.OpenUrl", "title": notice.stop_label, "url": notice.stop_url}
        )
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
        "actions": actions,
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def discord_payload(notice: ChatNotice) -> dict:
    embed = {
        "title": cut(notice.title, DISCORD_TITLE),
        "url": notice.url,
        "color": int(COLOURS.get(notice.status_key, NEUTRAL)[0], 16),
        "footer": {"text": cut(notice.context, 2048)},
    }
    if notice.services:
        rows = _at_most([f"{name}\n{status or '—'}" for name, status in notice.services], 25)
        embed["fields"] = [
            {"name": cut(name, 100), "value": cut(status or "—", 100), "inline": True}
            for name, _, status in (row.partition("\n") for row in rows)
        ]
    if notice.at:
        embed["timestamp"] = notice.at.isoformat()
    # The description has what is left of the embed's 6,000 characters, in all.
    used = len(embed["title"]) + len(embed["footer"]["text"])
    used += sum(len(row["name"]) + len(row["value"]) for row in embed.get("fields", []))
    stop = f"\n\n[{notice.stop_label}]({notice.stop_url})" if notice.stop_url else ""
    lead = f"**{notice.status}**\n" if notice.status else ""
    room = min(DISCORD_DESCRIPTION, DISCORD_TOTAL - used) - len(stop)
    embed["description"] = cut(lead + notice.text, room) + stop
    return {"embeds": [embed], "allowed_mentions": {"parse": []}}


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut on a word boundary with "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2 :]:
        head = head[: head.rindex(" ")]
    return head.rstrip() + "…"


def _at_most(rows: list[str], limit: int) -> list[str]:
    if len(rows) <= limit:
        return rows
    return [*rows[: limit - 1], f"… {len(rows) - limit + 1} more"]


# --- sending -----------------------------------------------------------------------------------


def _send(message, connection=None) -> Delivered:
    hook = message.webhook
    response = webhook.post(url=hook.url, payload=message.body.encode())
    status = response.status_code
    if 200 <= status < 300:
        return Delivered()
    said = f"{PROVIDERS[hook.kind].label} answered {status}{_reason(response)}."
    if status == 429:
        raise TemporaryError(said, retry_at=_retry_at(response))
    if status in (401, 403, 404, 410):
        raise PermanentError(said, recipient_refused=True)
    if 400 <= status < 500:
        raise PermanentError(said)
    raise TemporaryError(said)


def _reason(response) -> str:
    """Slack's answer is a word (``no_service``); Discord's, JSON with a ``message``."""
    text = response.text.strip()
    try:
        data = json.loads(text)
    except ValueError:
        return f": {text[:200]}" if text else ""
    return f": {data.get('message', '')}"[:200] if isinstance(data, dict) else ""


def _retry_at(response) -> datetime | None:
    """When a 429 asks to come back: ``Retry-After`` seconds, or Discord's ``retry_after``."""
    wait = response.headers.get("Retry-After")
    if wait is None:
        try:
            wait = response.json().get("retry_after")
        except (ValueError, AttributeError):
            wait = None
    try:
        seconds = math.ceil(float(wait))
    except (TypeError, ValueError):
        return None
    return timezone.now() + timedelta(seconds=max(seconds, 1))


def _refusal(message) -> str:
    """Nothing but its confirmation goes to a hook not confirmed; nothing to one turned off."""
    hook = message.webhook
    if hook.is_active or (message.topic.startswith("confirm:") and not hook.disabled_at):
        return ""
    return "The chat hook is turned off or not confirmed."


CHANNEL = Channel(
    name=ChannelName.CHAT,
    label="Slack, Teams or Discord",
    send=_send,
    refusal=_refusal,
    # As webhooks: the hook itself is turned off after ten failures in a row.
    backoff=NOTICE_BACKOFF,
    stale_after=NOTICE_STALE_AFTER,
    resend_when_stale=True,
)
