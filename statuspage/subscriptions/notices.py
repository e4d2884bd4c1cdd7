"""What subscribers and webhooks are told, and who: one outbox message per recipient.

Announced, moved, reminded, each update: e-mail to every active subscriber of the
event's services (or of all services), the event as JSON to every active webhook (to a Slack,
Teams or Discord hook, as a message in its shape), likewise.
One whose chosen services were all removed is told nothing. Nothing about an event
readers cannot see is sent.
"""

import json
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage.common.times import describe_window
from statuspage.models import Incident, MaintenanceWindow, StatusUpdate
from statuspage.outbox import services as outbox
from statuspage.outbox.channels import chat
from statuspage.outbox.models import ChannelName, Message, MessageState
from statuspage.publishing.api.serializers import webhook_payload
from statuspage.subscriptions.letters import Notice, event_times
from statuspage.subscriptions.models import Subscriber, Webhook
from statuspage.subscriptions.tokens import link
from statuspage.templatetags.status import hours


def _interested(model, event):
    services = list(event.services.all())
    active = model.objects.filter(confirmed_at__isnull=False)
    if model is Subscriber:
        active = active.filter(unsubscribed_at__isnull=True, bounced_at__isnull=True)
    else:
        active = active.filter(disabled_at__isnull=True)
    return active.filter(Q(all_services=True) | Q(services__in=services)).distinct()


def _fan_out(notice: Notice, *, topic: str, wait: bool = False) -> None:
    """Queue ``notice`` for every interested subscriber and webhook. E-mail about the event
    still waiting its turn (never tried, another notice than this one: the same notice
    queued twice is one message) is told by this notice instead; with ``wait``,
    this one waits ``NOTICE_QUIET_SECONDS`` for a later one to do the same."""
    event = notice.event
    if not event.is_published:
        return  # nothing about an event readers cannot see leaves the site
    now = timezone.now()
    thread = f"{event.kind}-{event.pk}"
    Message.objects.filter(
        channel=ChannelName.EMAIL,
        state=MessageState.PENDING,
        reply_to_id=thread,
        attempts=0,
        next_attempt_at__gt=now,
    ).exclude(topic=topic).update(
        state=MessageState.SKIPPED, last_error=_("Told in a later notice of the event.")
    )
    due = now + timedelta(seconds=settings.NOTICE_QUIET_SECONDS) if wait else now
    subscribers = _interested(Subscriber, event)
    chosen = defaultdict(set)
    for subscriber, service in Subscriber.services.through.objects.filter(
        subscriber__in=subscribers.filter(all_services=False)
    ).values_list("subscriber_id", "service_id"):
        chosen[subscriber].add(service)
    subject = _subject(notice)
    messages = []
    for pk in subscribers.values_list("pk", flat=True):
        # One text per choice of services, shared by its readers' rows; each reader's own
        # manage link is put in as it is sent.
        text, html = notice.written_for(frozenset(chosen[pk]))
        messages.append(
            Message(
                subscriber_id=pk,
                update=notice.update,  # the admin counts an update's notices
                channel=ChannelName.EMAIL,
                topic=topic,
                subject=subject,
                body=text,
                html=html,
                # Every message about one event names it as their parent: one thread per event.
                reply_to_id=thread,
                next_attempt_at=due,
            )
        )
    # The same event as the JSON API shows it, in Statuspage's webhook shape; to a chat, as
    # a message in its own shape, with the hook's own stop link.
    payload = json.dumps(webhook_payload(event))
    for hook in _interested(Webhook, event):
        body = _chat_body(notice, hook) if hook.is_chat else payload
        channel = ChannelName.CHAT if hook.is_chat else ChannelName.WEBHOOK
        messages.append(
            Message(webhook=hook, update=notice.update, channel=channel, topic=topic, body=body)
        )
    outbox.message_queue(messages)


def _chat_body(notice: Notice, hook: Webhook) -> str:
    facts = notice.facts()
    update, event = notice.update, notice.event
    text = facts["update_text"] or notice.headline
    if update and notice.headline != facts["status"]:
        text = f"{notice.headline}\n{text}"
    message = chat.ChatNotice(
        title=event.title,
        status=facts["status"],
        status_key=update.status if update else event.status,
        text=text,
        url=facts["event_url"],
        button=_("Read more"),
        context=" · ".join(filter(None, [facts["kind"], facts["update_time"], settings.SITE_NAME])),
        services=[(row["name"], row["status"]) for row in facts["services"]],
        stop_url=link("subscription_unsubscribe", hook),
        stop_label=_("Stop these messages"),
        at=update.display_at if update and update.display_at else timezone.now(),
    )
    return json.dumps(chat.payload(hook.kind, message))


def notify_update(*, update: StatusUpdate) -> None:
    _fan_out(_update_notice(update), topic=f"update:{update.pk}")


def preview(update: StatusUpdate) -> tuple[str, str]:
    """The subject and text a reader of every service gets for ``update``, which may be
    unsaved: what the composer shows before anything is posted."""
    notice = _update_notice(update)
    text, _html = notice.written_for(frozenset())
    return _subject(notice), text


def _update_notice(update: StatusUpdate) -> Notice:
    return Notice(
        update.event,
        subject=f"{update.event.title}: {update.status_label}",
        headline=update.status_label,
        update=update,
    )


def _subject(notice: Notice) -> str:
    return f"[{settings.SITE_NAME}] {notice.subject}"


def notify_announced(*, event: MaintenanceWindow | Incident) -> None:
    if isinstance(event, MaintenanceWindow):
        kind, headline = _("Planned maintenance"), _("Planned maintenance announced")
    else:
        kind, headline = (
            _("Incident"),
            _("%(impact)s impact, reported") % {"impact": event.get_impact_display()},
        )
    notice = Notice(event, subject=f"{kind}: {event.title}", headline=headline)
    _fan_out(notice, topic=f"announced:{event.kind}:{event.pk}", wait=True)


def notify_moved(
    *, window: MaintenanceWindow, was: tuple[datetime, datetime] | None = None
) -> None:
    """``was``: the window's times before the move, when known."""
    times = event_times(window)
    new_day = True
    if was is not None:
        before = describe_window(*was, window.zone, window.time_zone_label)
        times.insert(1, (_("Before"), before))
        zone = window.zone
        new_day = was[0].astimezone(zone).date() != window.scheduled_start.astimezone(zone).date()
    moved = _("New date") if new_day else _("New time")
    notice = Notice(
        window,
        subject=f"{moved}: {window.title}",
        headline=_("The maintenance has moved."),
        times=times,
    )
    _fan_out(notice, topic=f"moved:{window.pk}:{window.sequence}", wait=True)


def maintenance_reminders(*, now: datetime | None = None) -> int:
    """Remind subscribers of windows starting within MAINTENANCE_REMINDER_HOURS."""
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.MAINTENANCE_REMINDER_HOURS)
    windows = MaintenanceWindow.objects.upcoming().filter(
        scheduled_start__gt=now, scheduled_start__lte=soon
    )  # scheduled, or postponed to a new date
    for window in windows:
        starts_in = window.scheduled_start - now
        notice = Notice(
            window,
            subject=f"Reminder: {window.title}",
            headline=_("Starts in %(time)s.") % {"time": hours(starts_in) or _("a minute")},
        )
        _fan_out(notice, topic=f"reminder:{window.pk}:{window.sequence}", wait=True)
    return len(windows)
