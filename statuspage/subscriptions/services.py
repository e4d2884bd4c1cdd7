"""E-mail and webhook subscriptions: signing up, managing, and the notification outbox.

Every message is first a ``Notification`` row (one per recipient and topic, so
nothing is sent twice), then sent by a task after the commit. Temporary
failures come back after 1, 2, 4 … minutes (at most an hour, at most 8 tries).
For e-mail, every 4xx answer of the relay is temporary. Only a 5xx answer to
the recipient (RCPT TO) marks a subscriber bounced, never written to again; a
5xx answer to the message (DATA) fails that one row. A refused sender (MAIL
FROM) bounces nobody: it is retried, and a 5xx one is logged as an error, as
DEFAULT_FROM_EMAIL or the relay's login needs fixing. A webhook is turned off
after a 410 or 10 failures in a row, and its owner is told.
"""

import json
import logging
import secrets
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from statuspage.common import mail as mailer
from statuspage.common.times import describe_window
from statuspage.models import (
    Incident,
    MaintenanceWindow,
    Notification,
    NotificationState,
    Service,
    StatusUpdate,
    Subscriber,
    Webhook,
)
from statuspage.outbox.channels import webhook as webhooks
from statuspage.outbox.posts import plain_text as _plain
from statuspage.publishing.api.views import webhook_payload

logger = logging.getLogger(__name__)
N = NotificationState
SALT = "statuspage.subscriptions.services"
CONFIRM_MAX_AGE = timedelta(days=7)
MAX_ATTEMPTS = 8
MAX_HOOK_FAILURES = 10
STALE_SENDING = timedelta(minutes=5)
BATCH = 200


# --- tokens -----------------------------------------------------------------------------


def token_for(recipient: Subscriber | Webhook, *, services: list[Service] | None = None) -> str:
    """A signed token naming ``recipient``; a confirmation's also carries the services chosen,
    which take effect only when it is used."""
    data = {"k": "s" if isinstance(recipient, Subscriber) else "w", "id": recipient.pk}
    if services is not None:
        data["svc"] = [service.pk for service in services]
    return signing.dumps(data, salt=SALT)


def _token_data(token: str, max_age: timedelta | None) -> tuple[Subscriber | Webhook, dict]:
    data = signing.loads(token, salt=SALT, max_age=max_age)
    model = Subscriber if data.get("k") == "s" else Webhook
    recipient = model.objects.filter(pk=data.get("id")).first()
    if recipient is None:
        raise LookupError("That subscription no longer exists.")
    return recipient, data


def from_token(token: str, *, max_age: timedelta | None = None) -> Subscriber | Webhook:
    """The subscriber or webhook a link was made for; raises signing.BadSignature or
    LookupError when forged, expired or gone."""
    return _token_data(token, max_age)[0]


def confirmation_from_token(token: str) -> tuple[Subscriber | Webhook, list[Service] | None]:
    """What a confirmation link confirms: its recipient, and the services chosen when it
    was asked for (None: leave them as they are). Raises as ``from_token`` does."""
    recipient, data = _token_data(token, CONFIRM_MAX_AGE)
    chosen = data.get("svc")
    return recipient, None if chosen is None else list(Service.objects.filter(pk__in=chosen))


def _link(name: str, recipient, **token) -> str:
    return settings.SITE_URL + reverse(f"statuspage:{name}", args=[token_for(recipient, **token)])


# --- signing up and managing ----------------------------------------------------------------


@transaction.atomic
def subscriber_subscribe(*, email: str, services: list[Service]) -> Subscriber:
    """Ask ``email`` to confirm a subscription; an active subscriber gets a manage link.

    Whoever submitted the form, nothing about the address changes until its owner acts
    on the mail: an unconfirmed, unsubscribed or bounced address stays as it is, and the
    services chosen travel in the confirmation link.
    """
    email = email.strip().lower()
    validate_email(email)
    subscriber, _ = Subscriber.objects.get_or_create(email=email)
    if subscriber.is_active:
        _email(subscriber, "manage-link", "Manage your subscription", _manage_link_text(subscriber))
        return subscriber
    text = _confirm_text(subscriber, services=services)
    _email(subscriber, "confirm", "Confirm your subscription", text)
    return subscriber


@transaction.atomic
def webhook_register(*, url: str, email: str, services: list[Service]) -> Webhook:
    """Register a webhook (HTTPS, public address); its owner confirms it by e-mail."""
    try:
        webhooks.check_address(url)
    except webhooks.UnsafeAddress as error:
        raise ValidationError({"url": str(error)}) from error
    validate_email(email)
    hook = Webhook.objects.create(url=url, email=email.lower(), secret=secrets.token_hex(32))
    hook.services.set(services)
    _email(hook, "confirm", "Confirm your webhook", _confirm_text(hook))
    return hook


@transaction.atomic
def confirm(*, recipient: Subscriber | Webhook, services: list[Service] | None = None) -> None:
    """The owner confirmed by e-mail: start (or start again) sending, to ``services`` if
    given. A subscriber who had unsubscribed or bounced is active again from now."""
    fields = ["confirmed_at"]
    if isinstance(recipient, Subscriber):
        if recipient.unsubscribed_at or recipient.bounced_at:
            recipient.confirmed_at = None  # a new consent, dated now
        recipient.unsubscribed_at = recipient.bounced_at = None
        fields += ["unsubscribed_at", "bounced_at"]
    recipient.confirmed_at = recipient.confirmed_at or timezone.now()
    recipient.save(update_fields=fields)
    if services is not None:
        recipient.services.set(services)


def change_services(*, recipient: Subscriber | Webhook, services: list[Service]) -> None:
    recipient.services.set(services)


def unsubscribe(*, recipient: Subscriber | Webhook) -> None:
    now = timezone.now()
    if isinstance(recipient, Subscriber):
        recipient.unsubscribed_at = now
        recipient.save(update_fields=["unsubscribed_at"])
    else:
        recipient.disabled_at, recipient.disabled_reason = now, "Turned off by its owner."
        recipient.save(update_fields=["disabled_at", "disabled_reason"])
    Notification.objects.filter(
        Q(subscriber=recipient) if isinstance(recipient, Subscriber) else Q(webhook=recipient),
        state=N.PENDING,
    ).delete()


def _confirm_text(recipient, *, services: list[Service] | None = None) -> str:
    what = "e-mail about" if isinstance(recipient, Subscriber) else f"{recipient.url} to receive"
    link = _link("subscription_confirm", recipient, services=services)
    return (
        f"Someone asked for {what} planned maintenance and incidents on {settings.SITE_NAME}.\n\n"
        f"To confirm, open:\n{link}\n\n"
        "If it was not you, ignore this message: nothing will be sent."
    )


def _manage_link_text(subscriber) -> str:
    return (
        f"You are subscribed to {settings.SITE_NAME}. To choose services or stop, open:\n"
        f"{_link('subscription_manage', subscriber)}"
    )


# --- what is sent, and to whom ----------------------------------------------------------


def _interested(model, event):
    services = list(event.services.all())
    active = model.objects.filter(confirmed_at__isnull=False)
    if model is Subscriber:
        active = active.filter(unsubscribed_at__isnull=True, bounced_at__isnull=True)
    else:
        active = active.filter(disabled_at__isnull=True)
    return active.filter(Q(services__isnull=True) | Q(services__in=services)).distinct()


def _fan_out(event, *, topic: str, subject: str, text: str) -> None:
    if not event.is_published:
        return  # nothing about an event readers cannot see leaves the site
    rows = [
        Notification(
            subscriber=subscriber,
            channel="email",
            topic=topic,
            subject=f"[{settings.SITE_NAME}] {subject}",
            body=f"{text}\n\n--\nChoose services or unsubscribe: "
            f"{_link('subscription_manage', subscriber)}",
        )
        for subscriber in _interested(Subscriber, event)
    ]
    payload = _payload(event)
    rows += [
        Notification(webhook=hook, channel="webhook", topic=topic, body=payload)
        for hook in _interested(Webhook, event)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _deliver_on_commit()


def _email(recipient, topic: str, subject: str, text: str) -> None:
    recipient_field = "subscriber" if isinstance(recipient, Subscriber) else "webhook"
    # One such mail an hour at most: enough to retry, too few to pester anyone with.
    Notification.objects.get_or_create(
        **{recipient_field: recipient},
        topic=f"{topic}:{timezone.now():%Y%m%d%H}",
        defaults={
            "channel": "email",
            "subject": f"[{settings.SITE_NAME}] {subject}",
            "body": text,
        },
    )
    _deliver_on_commit()


def _describe(event) -> str:
    url = settings.SITE_URL + event.get_absolute_url()
    if isinstance(event, MaintenanceWindow):
        when = describe_window(
            event.scheduled_start, event.scheduled_end, event.zone, event.time_zone_label
        )
        return f"{event.title}\n{when}\n{event.summary}\n\nDetails: {url}"
    return f"{event.title} ({event.get_impact_display()} impact)\n\nDetails: {url}"


def notify_update(*, update: StatusUpdate) -> None:
    event = update.event
    text = f"{update.status_label}: {_plain(update.body)}\n\n{_describe(event)}"
    _fan_out(
        event,
        topic=f"update:{update.pk}",
        subject=f"{event.title}: {update.status_label}",
        text=text,
    )


def notify_announced(*, event: MaintenanceWindow | Incident) -> None:
    kind = "Planned maintenance" if isinstance(event, MaintenanceWindow) else "Incident"
    _fan_out(
        event,
        topic=f"announced:{event.kind}:{event.pk}",
        subject=f"{kind}: {event.title}",
        text=_describe(event),
    )


def notify_moved(*, window: MaintenanceWindow) -> None:
    _fan_out(
        window,
        topic=f"moved:{window.pk}:{window.sequence}",
        subject=f"New date: {window.title}",
        text=f"The maintenance has moved.\n\n{_describe(window)}",
    )


def maintenance_reminders(*, now: datetime | None = None) -> int:
    """Remind subscribers of windows starting within MAINTENANCE_REMINDER_HOURS."""
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.MAINTENANCE_REMINDER_HOURS)
    windows = MaintenanceWindow.objects.current().filter(
        status="scheduled", scheduled_start__gt=now, scheduled_start__lte=soon
    )
    for window in windows:
        _fan_out(
            window,
            topic=f"reminder:{window.pk}:{window.sequence}",
            subject=f"Reminder: {window.title}",
            text=f"This maintenance starts soon.\n\n{_describe(window)}",
        )
    return len(windows)


def _payload(event) -> str:
    """The same event as the JSON API shows it, in Statuspage's webhook shape."""
    return json.dumps(webhook_payload(event))


# --- delivery ------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """A minute after the first failure, doubling, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def _deliver_on_commit() -> None:
    from statuspage.tasks import notifications_deliver

    transaction.on_commit(notifications_deliver.delay)


def deliver_due(*, now: datetime | None = None) -> int:
    """Send due rows (and rows a dead worker left sending); returns how many were sent."""
    now = now or timezone.now()
    Notification.objects.filter(state=N.SENDING, sending_since__lt=now - STALE_SENDING).update(
        state=N.PENDING
    )
    due = Notification.objects.filter(state=N.PENDING, next_attempt_at__lte=now)
    sent = 0
    for pk in due.order_by("pk").values_list("pk", flat=True)[:BATCH]:
        claimed = Notification.objects.filter(pk=pk, state=N.PENDING).update(
            state=N.SENDING, sending_since=now, attempts=F("attempts") + 1
        )
        if claimed:
            sent += _send(Notification.objects.select_related("subscriber", "webhook").get(pk=pk))
    return sent


def _finish(row: Notification, state: str, error: str = "") -> None:
    row.state, row.last_error = state, error[:500]
    row.sent_at = timezone.now() if state == N.SENT else None
    row.save(update_fields=["state", "last_error", "sent_at"])


def _retry_or_fail(row: Notification, error: str) -> None:
    if row.attempts >= MAX_ATTEMPTS:
        _finish(row, N.FAILED, f"Gave up after {row.attempts} tries: {error}")
        return
    row.state, row.last_error = N.PENDING, error[:500]
    row.next_attempt_at = timezone.now() + retry_delay(row.attempts)
    row.save(update_fields=["state", "last_error", "next_attempt_at"])


def _send(row: Notification) -> int:
    if row.channel == "email":
        return _send_email(row)
    return _send_webhook(row)


def _send_email(row: Notification) -> int:
    recipient = row.subscriber or row.webhook
    # Asking to confirm goes even to an address that bounced: its owner asked to come back.
    asks_to_confirm = row.topic.startswith("confirm:")
    if isinstance(recipient, Subscriber) and recipient.bounced_at and not asks_to_confirm:
        _finish(row, N.FAILED, "The address bounced earlier.")
        return 0
    stop = _link("subscription_unsubscribe", recipient)
    headers = {
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    try:
        mailer.send_text(to=recipient.email, subject=row.subject, body=row.body, headers=headers)
    except (smtplib.SMTPException, OSError) as error:
        _email_failed(row, recipient, error)
        return 0
    _finish(row, N.SENT)
    return 1


def _email_failed(row: Notification, recipient: Subscriber | Webhook, error: Exception) -> None:
    """Sort a failed send by where the relay said no, and with what code."""
    # Relays answer 4xx for greylisting, rate limits or a full disk: "later", not "never".
    if isinstance(error, smtplib.SMTPSenderRefused):
        _sender_refused(row, error)
    elif isinstance(error, smtplib.SMTPRecipientsRefused) and _permanent(error):
        _finish(row, N.FAILED, f"The address was refused: {_reply(error)}")
        _bounce(recipient)
    elif isinstance(error, smtplib.SMTPDataError) and _permanent(error):
        # A refusal of this message (its content, its size), not of the address.
        _finish(row, N.FAILED, f"The mail relay refused this message: {_reply(error)}")
    else:
        _retry_or_fail(row, f"{type(error).__name__}: {_reply(error)}")


def _sender_refused(row: Notification, error: smtplib.SMTPSenderRefused) -> None:
    """Retry mail whose sender the relay refused; a 5xx refusal is told to staff."""
    if not _permanent(error):
        _retry_or_fail(row, f"The mail relay deferred our sender address: {_reply(error)}")
        return
    # Every recipient is refused alike until staff fix the setting or the login: nobody is
    # bounced for it, and the rows keep their retries meanwhile.
    logger.error(
        "The mail relay refused our sender address %s (%s): check DEFAULT_FROM_EMAIL and the "
        "relay's login (EMAIL_HOST_USER); notification %s will be retried.",
        error.sender,
        _reply(error),
        row.pk,
    )
    _retry_or_fail(
        row,
        f"The mail relay refused our sender address {error.sender} ({_reply(error)}): "
        "check DEFAULT_FROM_EMAIL and the relay's login.",
    )


def _replies(error: Exception) -> list[tuple[int, str]]:
    """The relay's answers carried by ``error`` as (code, text); none if it said nothing."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        answers = [(error.smtp_code, error.smtp_error)]
    else:
        return []
    return [
        (code, text.decode(errors="replace") if isinstance(text, bytes) else str(text))
        for code, text in answers
    ]


def _permanent(error: Exception) -> bool:
    """True when every answer is a 5xx, which the relay means for good (RFC 5321 4.2.1)."""
    codes = [code for code, _ in _replies(error)]
    return bool(codes) and all(500 <= code <= 599 for code in codes)


def _reply(error: Exception) -> str:
    """What the relay answered, as "550 5.1.1 No such user", for last_error and the log."""
    return "; ".join(f"{code} {text}" for code, text in _replies(error)) or str(error)


def _bounce(recipient: Subscriber | Webhook) -> None:
    """Write to a refused subscriber no more; a webhook's owner has no such flag."""
    if isinstance(recipient, Subscriber):
        recipient.bounced_at = timezone.now()
        recipient.save(update_fields=["bounced_at"])


def _send_webhook(row: Notification) -> int:
    hook = row.webhook
    if not hook.is_active:
        _finish(row, N.FAILED, "The webhook is turned off.")
        return 0
    try:
        webhooks.deliver(url=hook.url, secret=hook.secret, body=row.body)
    except (webhooks.Gone, webhooks.UnsafeAddress) as error:
        _finish(row, N.FAILED, str(error))
        _disable(hook, str(error))
        return 0
    except webhooks.DeliveryError as error:
        hook.failures += 1
        hook.save(update_fields=["failures"])
        if hook.failures >= MAX_HOOK_FAILURES:
            _finish(row, N.FAILED, str(error))
            _disable(hook, f"{hook.failures} deliveries in a row failed; the last: {error}")
        else:
            _retry_or_fail(row, str(error))
        return 0
    if hook.failures:
        hook.failures = 0
        hook.save(update_fields=["failures"])
    _finish(row, N.SENT)
    return 1


def _disable(hook: Webhook, reason: str) -> None:
    hook.disabled_at, hook.disabled_reason = timezone.now(), reason[:300]
    hook.save(update_fields=["disabled_at", "disabled_reason"])
    Notification.objects.filter(webhook=hook, channel="webhook", state=N.PENDING).update(
        state=N.FAILED, last_error="The webhook was turned off."
    )
    _email(
        hook,
        "disabled",
        "Your webhook was turned off",
        f"We stopped sending to {hook.url}: {reason}\n\nRegister it again once it works.",
    )
