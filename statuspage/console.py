"""The staff console: what needs doing now, first on the admin's front page.

On the day, one member of staff runs the communication while engineers work. The console
answers their questions in one look: what is under way or coming, how long since anyone
was told, which customers wait for an answer, what failed to go out, and who is listening.
A handful of queries, whatever the size of the site.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from faq.models import Comment, CommentStatus
from statuspage import update_templates
from statuspage.common.times import describe_window
from statuspage.models import Incident, MaintenanceWindow
from statuspage.outbox.channels import CHANNELS
from statuspage.outbox.models import POST_CHANNELS, CrossPost, Message, MessageState
from statuspage.subscriptions.models import Subscriber, Webhook
from statuspage.templatetags.status import event_time

QUESTIONS_SHOWN = 10
COMING_SHOWN = 3


@dataclass(frozen=True)
class PostState:
    """How the last update's post fares on one network: “Sent”, with its link; “Waiting to
    be sent”, with the last error; “Failed”, with the reason; or skipped, the network off."""

    network: str
    state: str
    url: str = ""
    error: str = ""
    needs_staff: bool = False  # failed, or to check on the network
    row_url: str = ""  # the post alone in the cross-post list, to retry or mark as sent


@dataclass
class EventRow:
    """An event staff may have to post about, as the console shows it."""

    event: MaintenanceWindow | Incident
    kind: str
    when: str  # planned times (a window) or when it began (an incident), zone and UTC
    elapsed: timedelta | None = None
    remaining: timedelta | None = None
    overrun: timedelta | None = None  # past the planned end
    last_update: datetime | None = None
    since_update: timedelta | None = None
    nudge: bool = False  # under way, and nobody told for longer than the setting
    post_url: str = ""
    change_url: str = ""
    templates: list[tuple[str, str]] = field(default_factory=list)  # (label, composer URL)
    posts: list[PostState] = field(default_factory=list)  # the last update's, per network


@dataclass
class Console:
    now: datetime
    active: list[EventRow] = field(default_factory=list)
    coming: list[EventRow] = field(default_factory=list)
    questions: list[Comment] = field(default_factory=list)
    questions_waiting: int = 0
    failed: int = 0
    unchecked: int = 0
    unchecked_on: list[tuple[str, int]] = field(default_factory=list)  # (network, posts)
    subscribers: int = 0
    unconfirmed: int = 0
    webhooks: int = 0

    @property
    def attention(self) -> bool:
        return bool(self.failed or self.unchecked)


def console(*, now: datetime | None = None) -> Console:
    now = now or timezone.now()
    state = Console(now=now)
    # Only the newest published update's time is wanted, not every update of the event.
    last = Max("updates__display_at", filter=Q(updates__published_at__isnull=False))
    windows = MaintenanceWindow.objects.current().order_by("scheduled_start")
    templates = update_templates.every()
    for window in windows.annotate(last_update=last):
        row = _window_row(window, now, templates)
        (state.active if window.is_active else state.coming).append(row)
    state.coming = state.coming[:COMING_SHOWN]
    incidents = Incident.objects.unresolved().order_by("started_at").annotate(last_update=last)
    state.active += [_incident_row(incident, now) for incident in incidents]
    _post_states(state.active)
    _questions(state)
    _deliveries(state)
    return state


def _window_row(window: MaintenanceWindow, now: datetime, templates: list) -> EventRow:
    row = EventRow(
        event=window,
        kind="window",
        when=describe_window(
            window.scheduled_start, window.scheduled_end, window.zone, window.time_zone_label
        ),
    )
    if window.is_active and window.started_at:
        row.elapsed = now - window.started_at
        left = window.planned_duration - row.elapsed
        row.remaining, row.overrun = (left, None) if left >= timedelta() else (None, -left)
    _last_update(row, now, under_way=window.is_active)
    row.templates = [
        (template.get_kind_display(), f"{row.post_url}?template={template.kind}")
        for template in update_templates.offered(window, templates)
    ]
    return row


def _incident_row(incident: Incident, now: datetime) -> EventRow:
    row = EventRow(event=incident, kind="incident", when=event_time(incident.started_at, incident))
    row.elapsed = now - incident.started_at
    _last_update(row, now, under_way=True)
    return row


def _last_update(row: EventRow, now: datetime, *, under_way: bool) -> None:
    event = row.event
    if event.last_update:
        row.last_update = event.last_update
        row.since_update = now - row.last_update
    quiet = timedelta(minutes=settings.CONSOLE_NUDGE_MINUTES)
    told = row.last_update or getattr(event, "started_at", None)
    row.nudge = under_way and told is not None and now - told > quiet
    model = event._meta.model_name
    row.post_url = reverse(f"admin:statuspage_{model}_post_update", args=[event.pk])
    row.change_url = reverse(f"admin:statuspage_{model}_change", args=[event.pk])


def _post_states(rows: list[EventRow]) -> None:
    """Each network's post of the last published update of each event under way (one query,
    whatever their number): what went out, what waits, what failed, and which networks are
    off."""
    if not rows:
        return
    windows = [row.event.pk for row in rows if row.kind == "window"]
    incidents = [row.event.pk for row in rows if row.kind == "incident"]
    posts = (
        CrossPost.objects.filter(
            Q(update__maintenance__in=windows) | Q(update__incident__in=incidents)
        )
        .filter(update__published_at__isnull=False)
        .select_related("update")
        .only(*POST_FIELDS)
        .order_by("update__display_at", "update_id", "pk")  # the last update's last
    )
    last: dict[tuple[str, int], list[Message]] = {}
    # The error of the oldest post still waiting on each network: a threaded network sends
    # the event's posts in order, so the ones after it wait for it.
    held_up: dict[tuple[str, int, str], str] = {}
    for post in posts:
        update = post.update
        if update.maintenance_id:
            key = ("window", update.maintenance_id)
        else:
            key = ("incident", update.incident_id)
        kept = last.get(key, [])
        last[key] = [*kept, post] if kept and kept[0].update_id == update.pk else [post]
        if post.state in WAITING and post.last_error:
            held_up.setdefault((*key, post.channel), post.last_error)
    cross_posts = reverse("admin:statuspage_crosspost_changelist")
    for row in rows:
        made = {post.channel: post for post in last.get((row.kind, row.event.pk), [])}
        if not made:  # not posted: no hashtag, or staff chose not to
            continue
        for name in POST_CHANNELS:
            channel = CHANNELS[name]
            if post := made.get(name):
                error = post.last_error
                if post.state in WAITING and not error:
                    error = held_up.get((row.kind, row.event.pk, name), "")
                row.posts.append(
                    PostState(
                        network=channel.label,
                        state=post.get_state_display(),
                        url=post.remote_url,
                        error=error,
                        needs_staff=post.state in (MessageState.FAILED, MessageState.UNCONFIRMED),
                        row_url=f"{cross_posts}?id__exact={post.pk}",
                    )
                )
            elif channel.missing_settings():
                row.posts.append(PostState(network=channel.label, state=_("Skipped, off")))


WAITING = (MessageState.PENDING, MessageState.SENDING)
POST_FIELDS = [
    "channel", "state", "remote_url", "last_error", "update__display_at",
    "update__maintenance_id", "update__incident_id",
]  # fmt: skip


def _questions(state: Console) -> None:
    """Customers' comments with no official reply yet, oldest first."""
    answered = Comment.objects.filter(parent=OuterRef("pk"), is_official=True)
    waiting = (
        Comment.objects.filter(parent=None, is_official=False, status=CommentStatus.VISIBLE)
        .filter(faq__comments_open=True, faq__published_at__isnull=False)
        .exclude(Exists(answered))
        .order_by("created_at", "pk")
    )
    state.questions_waiting = waiting.count()
    state.questions = list(waiting.select_related("faq")[:QUESTIONS_SHOWN])


def _deliveries(state: Console) -> None:
    week = state.now - timedelta(days=7)
    counts = Message.objects.aggregate(
        failed=Count("pk", filter=Q(state=MessageState.FAILED, updated_at__gt=week)),
        unchecked=Count("pk", filter=Q(state=MessageState.UNCONFIRMED)),
    )
    state.failed, state.unchecked = counts["failed"], counts["unchecked"]
    if state.unchecked:
        unchecked = (
            Message.objects.filter(state=MessageState.UNCONFIRMED)
            .values_list("channel")
            .annotate(posts=Count("pk"))
            .order_by()
        )
        counted = dict(unchecked)
        state.unchecked_on = [
            (CHANNELS[name].label, counted[name]) for name in POST_CHANNELS if name in counted
        ]
    people = Subscriber.objects.aggregate(
        active=Count(
            "pk",
            filter=Q(
                confirmed_at__isnull=False, unsubscribed_at__isnull=True, bounced_at__isnull=True
            ),
        ),
        unconfirmed=Count("pk", filter=Q(confirmed_at__isnull=True)),
    )
    state.subscribers, state.unconfirmed = people["active"], people["unconfirmed"]
    active_hooks = Webhook.objects.filter(confirmed_at__isnull=False, disabled_at__isnull=True)
    state.webhooks = active_hooks.count()
