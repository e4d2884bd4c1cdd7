"""Every write to subscriptions: signing up, confirming, choosing services, stopping.

Subscribing always asks the address's owner to confirm by e-mail (a Slack, Teams or
Discord hook: by a message in the chat): an address that unsubscribed or bounced, or was
never confirmed, stays as it was, whoever submits it, until its owner follows the link.
A webhook is turned off after a 410, an address that
is not safe, or ``MAX_HOOK_FAILURES`` failed deliveries in a row, and its owner is told.
"""

import json
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage.models import Service
from statuspage.outbox import services as outbox
from statuspage.outbox.channels import chat as chats
from statuspage.outbox.channels import webhook as webhooks
from statuspage.outbox.models import ChannelName, Message, MessageState
from statuspage.subscriptions.models import Subscriber, Webhook, WebhookKind
from statuspage.subscriptions.tokens import link

MAX_HOOK_FAILURES = 10


@transaction.atomic
def subscriber_subscribe(*, email: str, services: list[Service]) -> Subscriber:
    """Ask ``email`` to confirm a subscription; an active subscriber gets a manage link.

    Whoever submitted the form, nothing about the address changes until its owner acts
    on the mail: the services chosen travel in the confirmation link.
    """
    email = email.strip().lower()
    validate_email(email)
    subscriber, _ = Subscriber.objects.get_or_create(email=email)
    if subscriber.is_active:
        text = (
            f"You are subscribed to {settings.SITE_NAME}. To choose services or stop, open:\n"
            f"{link('subscription_manage', subscriber)}"
        )
        recipient_email(subscriber, "manage-link", "Manage your subscription", text)
        return subscriber
    text = _confirm_text(subscriber, services=services)
    recipient_email(subscriber, "confirm", "Confirm your subscription", text)
    return subscriber


@transaction.atomic
def webhook_register(*, url: str, email: str, services: list[Service], kind: str = "") -> Webhook:
    """Register a webhook (HTTPS, public address); its owner confirms it by e-mail.

    A Slack, Teams or Discord address (``kind``, or told by its host) is a chat hook: it
    must be on that chat's own hosts, needs no e-mail, and is confirmed by a message posted
    to the chat, which is all it is sent until someone follows the message's link.
    """
    kind = chats.kind_of(url) if kind in ("", WebhookKind.GENERIC) else kind
    try:
        if kind == WebhookKind.GENERIC:
            webhooks.check_address(url)
        else:
            chats.check_address(url, kind)
    except webhooks.UnsafeAddress as error:
        raise ValidationError({"url": str(error)}) from error
    if kind == WebhookKind.GENERIC and not email:
        raise ValidationError({"email": _("Give your e-mail address: it confirms the webhook.")})
    if email:
        validate_email(email)
    hook = Webhook.objects.create(
        url=url,
        kind=kind,
        email=email.lower(),
        secret=secrets.token_hex(32),
        all_services=not services,
    )
    hook.services.set(services)
    if hook.is_chat:
        _chat_confirm(hook)
    else:
        recipient_email(hook, "confirm", "Confirm your webhook", _confirm_text(hook))
    return hook


def _chat_confirm(hook: Webhook) -> None:
    """Post the confirmation to the chat, once an hour at most, as e-mails are."""
    notice = chats.ChatNotice(
        title=_("Confirm notices from %(site)s") % {"site": settings.SITE_NAME},
        text=_(
            "Someone asked for this channel to be told about planned maintenance and "
            "incidents on %(site)s. To confirm, open the link. If it was not you, ignore "
            "this message: nothing else will be sent."
        )
        % {"site": settings.SITE_NAME},
        url=link("subscription_confirm", hook),
        button=_("Confirm"),
        context=settings.SITE_NAME,
    )
    Message.objects.get_or_create(
        webhook=hook,
        channel=ChannelName.CHAT,
        topic=f"confirm:{timezone.now():%Y%m%d%H}",
        defaults={"body": json.dumps(chats.payload(hook.kind, notice))},
    )
    outbox.deliver_after_commit()


@transaction.atomic
def subscription_confirm(
    *,
    recipient: Subscriber | Webhook,
    services: list[Service] | None = None,
    all_services: bool | None = None,
) -> None:
    """The owner confirmed by e-mail: start (or start again) sending, to ``services`` if
    given (none: all services, unless ``all_services`` is False, as when the services
    chosen were removed since). A subscriber who had unsubscribed or bounced is active
    again from now."""
    fields = ["confirmed_at"]
    if isinstance(recipient, Subscriber):
        if recipient.unsubscribed_at or recipient.bounced_at:
            recipient.confirmed_at = None  # a new consent, dated now
        recipient.unsubscribed_at = recipient.bounced_at = None
        fields += ["unsubscribed_at", "bounced_at"]
    recipient.confirmed_at = recipient.confirmed_at or timezone.now()
    if services is not None:
        recipient.all_services = not services if all_services is None else all_services
        fields.append("all_services")
    recipient.save(update_fields=fields)
    if services is not None:
        recipient.services.set(services)


def webhook_roll_secret(*, hook: Webhook) -> str:
    """Give ``hook`` a new signing secret, from the next delivery on; returns it."""
    hook.secret = secrets.token_hex(32)
    hook.save(update_fields=["secret"])
    return hook.secret


@transaction.atomic
def subscription_change_services(
    *, recipient: Subscriber | Webhook, services: list[Service]
) -> None:
    """Tell ``recipient`` about ``services`` only, or, when none are chosen, about all."""
    recipient.all_services = not services
    recipient.save(update_fields=["all_services"])
    recipient.services.set(services)


@transaction.atomic
def subscription_stop(*, recipient: Subscriber | Webhook) -> None:
    """Stop sending to ``recipient``, now: what waits for it is dropped."""
    now = timezone.now()
    if isinstance(recipient, Subscriber):
        recipient.unsubscribed_at = now
        recipient.save(update_fields=["unsubscribed_at"])
    else:
        recipient.disabled_at, recipient.disabled_reason = now, "Turned off by its owner."
        recipient.save(update_fields=["disabled_at", "disabled_reason"])
    recipient.messages.filter(state=MessageState.PENDING).delete()


def subscriber_bounce(
    *, subscriber: Subscriber, reason: str = "", notice_id: int | None = None
) -> bool:
    """The relay refused the address for good: write to it no more (until it confirms).

    A bounce that came later names the notice it returns: ``reason`` is kept as that
    notice's last error, if it is one sent to ``subscriber``; returns whether it was.
    """
    subscriber.bounced_at = timezone.now()
    subscriber.save(update_fields=["bounced_at"])
    if notice_id is None:
        return False
    sent = subscriber.messages.filter(pk=notice_id, state=MessageState.SENT)
    return bool(sent.update(last_error=reason[:500], updated_at=timezone.now()))


def webhook_record_delivery(*, hook: Webhook, ok: bool, error: str = "") -> None:
    """Count failed deliveries in a row; turn the hook off after ``MAX_HOOK_FAILURES``."""
    hook.failures = 0 if ok else hook.failures + 1
    hook.save(update_fields=["failures"])
    if hook.failures >= MAX_HOOK_FAILURES:
        webhook_disable(
            hook=hook, reason=f"{hook.failures} deliveries in a row failed; the last: {error}"
        )


def webhook_disable(*, hook: Webhook, reason: str) -> None:
    """Turn ``hook`` off, fail what waits for it and tell its owner."""
    hook.disabled_at, hook.disabled_reason = timezone.now(), reason[:300]
    hook.save(update_fields=["disabled_at", "disabled_reason"])
    hook.messages.filter(
        channel__in=(ChannelName.WEBHOOK, ChannelName.CHAT), state=MessageState.PENDING
    ).update(state=MessageState.FAILED, last_error="The webhook was turned off.")
    if not hook.email:  # a chat hook given without one: nobody to tell
        return
    text = f"We stopped sending to {hook.url}: {reason}\n\nRegister it again once it works."
    recipient_email(hook, "disabled", "Your webhook was turned off", text)


def recipient_email(recipient: Subscriber | Webhook, topic: str, subject: str, text: str) -> None:
    """E-mail ``recipient`` (a subscriber, or a webhook's owner) about its subscription.

    One such mail an hour at most: enough to retry, too few to pester anyone with.
    """
    recipient_field = "subscriber" if isinstance(recipient, Subscriber) else "webhook"
    Message.objects.get_or_create(
        **{recipient_field: recipient},
        channel=ChannelName.EMAIL,
        topic=f"{topic}:{timezone.now():%Y%m%d%H}",
        defaults={"subject": f"[{settings.SITE_NAME}] {subject}", "body": text},
    )
    outbox.deliver_after_commit()


def _confirm_text(recipient, *, services: list[Service] | None = None) -> str:
    what = "e-mail about" if isinstance(recipient, Subscriber) else f"{recipient.url} to receive"
    confirm = link("subscription_confirm", recipient, services=services)
    return (
        f"Someone asked for {what} planned maintenance and incidents on {settings.SITE_NAME}.\n\n"
        f"To confirm, open:\n{confirm}\n\n"
        "If it was not you, ignore this message: nothing will be sent."
    )
