"""What subscribers and webhooks are told, and who: one outbox message per recipient.

Announced, moved, reminded, each update: e-mail to every active subscriber of the
event's services (or of all services), the event as JSON to every active webhook.
Nothing about an event readers cannot see is sent.
"""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from statuspage.common.links import absolute
from statuspage.common.text import plain_text
from statuspage.common.times import describe_window
from statuspage.models import Incident, MaintenanceWindow, StatusUpdate
from statuspage.outbox import services as outbox
from statuspage.outbox.models import ChannelName, Message
from statuspage.publishing.api.serializers import webhook_payload
from statuspage.subscriptions.models import Subscriber, Webhook
from statuspage.subscriptions.tokens import link


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
    messages = [
        Message(
            subscriber=subscriber,
            channel=ChannelName.EMAIL,
            topic=topic,
            subject=f"[{settings.SITE_NAME}] {subject}",
            # Every message about one event names it as their parent: one thread per event.
            reply_to_id=f"{event.kind}-{event.pk}",
            body=f"{text}\n\n--\nChoose services or unsubscribe: "
            f"{link('subscription_manage', subscriber)}",
        )
        for subscriber in _interested(Subscriber, event)
    ]
    # The same event as the JSON API shows it, in Statuspage's webhook shape.
    payload = json.dumps(webhook_payload(event))
    messages += [
        Message(webhook=hook, channel=ChannelName.WEBHOOK, topic=topic, body=payload)
        for hook in _interested(Webhook, event)
    ]
    outbox.message_queue(messages)


def _describe(event) -> str:
    url = absolute(event.get_absolute_url())
    if isinstance(event, MaintenanceWindow):
        when = describe_window(
            event.scheduled_start, event.scheduled_end, event.zone, event.time_zone_label
        )
        return f"{event.title}\n{when}\n{event.summary}\n\nDetails: {url}"
    return f"{event.title} ({event.get_impact_display()} impact)\n\nDetails: {url}"


def notify_update(*, update: StatusUpdate) -> None:
    event = update.event
    text = f"{update.status_label}: {plain_text(update.body)}\n\n{_describe(event)}"
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
    windows = MaintenanceWindow.objects.upcoming().filter(
        scheduled_start__gt=now, scheduled_start__lte=soon
    )  # scheduled, or postponed to a new date
    for window in windows:
        _fan_out(
            window,
            topic=f"reminder:{window.pk}:{window.sequence}",
            subject=f"Reminder: {window.title}",
            text=f"This maintenance starts soon.\n\n{_describe(window)}",
        )
    return len(windows)
