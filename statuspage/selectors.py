"""Page-level reads for the status pages. Each runs a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from faq.models import CommentStatus, ImpactEntry, ImpactLevel, published_faq
from statuspage import history, strips
from statuspage.common.text import spoken_list
from statuspage.models import (
    Incident,
    IncidentImpact,
    MaintenanceWindow,
    Service,
    ServiceChange,
    ServiceStatus,
    StatusUpdate,
)
from statuspage.outbox.channels import CHANNELS, networks_on, x
from statuspage.outbox.models import POST_CHANNELS, CrossPost, MessageState


@dataclass(frozen=True)
class Indicator:
    """Statuspage's overall indicator: none, minor, major, critical or maintenance."""

    value: str
    description: str


INDICATORS = [  # mildest first
    Indicator("none", "All systems operational"),
    Indicator("maintenance", "Service under maintenance"),
    Indicator("minor", "Partially degraded service"),
    Indicator("major", "Partial system outage"),
    Indicator("critical", "Major system outage"),
]
_BY_VALUE = {indicator.value: indicator for indicator in INDICATORS}
_FROM_SERVICE = {
    ServiceStatus.OPERATIONAL: "none",
    ServiceStatus.UNDER_MAINTENANCE: "maintenance",
    ServiceStatus.DEGRADED_PERFORMANCE: "minor",
    ServiceStatus.PARTIAL_OUTAGE: "major",
    ServiceStatus.MAJOR_OUTAGE: "critical",
}
_FROM_IMPACT = {
    IncidentImpact.NONE: "none",
    IncidentImpact.MINOR: "minor",
    IncidentImpact.MAJOR: "major",
    IncidentImpact.CRITICAL: "critical",
}


def overall_indicator(
    statuses: Iterable[str], incidents: list[Incident], windows: list[MaintenanceWindow]
) -> Indicator:
    """The worst of: each service's status, each unresolved incident's impact, and
    “maintenance” while a window is under way."""
    values = [_FROM_SERVICE[status] for status in set(statuses)]
    values += [_FROM_IMPACT[i.impact] for i in incidents if i.is_active]
    values += ["maintenance" for w in windows if w.is_active]
    order = [indicator.value for indicator in INDICATORS]
    return _BY_VALUE[max(values, key=order.index, default="none")]


def _service_changes():
    return ServiceChange.objects.select_related("service").order_by(
        "service__group__position", "service__position", "service__name"
    )


def published_updates(limit: int) -> Prefetch:
    """Prefetch of each event's latest published updates, newest first.

    Service changes are left out: the lists that show them are on the event pages.
    """
    queryset = StatusUpdate.objects.filter(published_at__isnull=False)[:limit]
    return Prefetch("updates", queryset=queryset, to_attr="published_updates")


def _with_services(queryset):
    return queryset.prefetch_related(
        Prefetch("services", queryset=Service.objects.select_related("group"))
    )


@dataclass(frozen=True)
class Affected:
    """A service a window affects: the worst impact the window's FAQ gives it, and where
    its entries are (else the service's own page)."""

    service: Service
    level: str  # an ImpactLevel, or "" when the FAQ has no entry about it
    link: str

    @property
    def level_label(self) -> str:
        return ImpactLevel(self.level).label if self.level else ""


def mark_affected(windows: list[MaintenanceWindow]) -> list[MaintenanceWindow]:
    """Give each window ``affected``: its services (prefetched) with their worst impact
    and a link straight to its FAQ's entries about each. One query, none without windows."""
    worst: dict[tuple[int, int], str] = {}
    severity = ImpactLevel.values.index  # most severe first
    if windows:
        rows = (
            ImpactEntry.objects.published()
            .filter(faq__window__in=windows, service__isnull=False)
            .values_list("faq__window_id", "service_id", "level")
        )
        for window_id, service_id, level in rows:
            key = (window_id, service_id)
            if key not in worst or severity(level) < severity(worst[key]):
                worst[key] = level
    for window in windows:
        faq = published_faq(window)
        window.affected = []
        for service in window.services.all():
            level = worst.get((window.pk, service.pk), "")
            link = service.get_absolute_url()
            if faq and level:
                link = f"{faq.get_absolute_url()}?{urlencode({'service': service.slug})}#impact"
            window.affected.append(Affected(service, level, link))
    return windows


HOME_UPDATES = 3


def active_events() -> dict:
    """Unresolved incidents and open maintenance, each with its latest updates."""
    incidents = _with_services(Incident.objects.unresolved()).prefetch_related(
        published_updates(HOME_UPDATES)
    )
    windows = (
        _with_services(MaintenanceWindow.objects.current())
        .select_related("faq")
        .annotate(
            comment_count=Count(
                "faq__comments", filter=Q(faq__comments__status=CommentStatus.VISIBLE)
            )
        )
        .prefetch_related(published_updates(HOME_UPDATES))
        .order_by("scheduled_start")
    )
    return {"active_incidents": list(incidents), "current_windows": mark_affected(list(windows))}


# Up to this many services, `/` lists each one; beyond it, each group folds to one line
# (its worst status and count) listing only the services that are not operational, and
# `/services/` lists them all. A long list hides what matters and grows the page without end.
HOME_SERVICES_LISTED = 30
FOLDED_GROUP_LISTED = 10  # at most this many troubled services under a folded group


@dataclass
class GroupView:
    name: str
    status: str  # the worst of its services'
    count: int
    troubled: int  # how many are not operational
    services: list[Service]  # all of them; when folded, the first troubled ones
    group_id: int | None = None
    strip: history.Strip | None = None  # folded: its daily bars (statuspage/history.py)

    @property
    def status_label(self) -> str:
        return ServiceStatus(self.status).label

    @property
    def troubled_not_listed(self) -> int:
        """Of a folded group: troubled services beyond the list's limit."""
        return max(self.troubled - len(self.services), 0)


def service_groups(*, fold_over: int | None = HOME_SERVICES_LISTED) -> tuple[list[GroupView], bool]:
    """Groups in page order with their worst status, and whether they are folded.

    Two queries at any size: statuses counted per group, then the services to list.
    """
    counts = (
        Service.objects.values_list("group_id", "group__name", "status")
        .annotate(count=Count("pk"))
        .order_by(F("group__position").asc(nulls_last=True), "group__name")
    )
    groups: dict[int | None, tuple[str, dict[str, int]]] = {}
    for group_id, name, status, count in counts:
        groups.setdefault(group_id, (name or "Other services", {}))[1][status] = count
    total = sum(sum(statuses.values()) for _, statuses in groups.values())
    folded = fold_over is not None and total > fold_over
    if folded:  # only the troubled are listed
        listed = Service.objects.exclude(status=ServiceStatus.OPERATIONAL)
    else:
        listed = Service.objects.all()
    shown_of: dict[int | None, list[Service]] = {}
    for service in listed:
        shown_of.setdefault(service.group_id, []).append(service)
    order = ServiceStatus.values.index
    views = []
    for group_id, (name, statuses) in groups.items():
        shown = shown_of.get(group_id, [])
        views.append(
            GroupView(
                name=name,
                status=max(statuses, key=order),
                count=sum(statuses.values()),
                troubled=sum(n for st, n in statuses.items() if st != ServiceStatus.OPERATIONAL),
                services=shown[:FOLDED_GROUP_LISTED] if folded else shown,
                group_id=group_id,
            )
        )
    return views, folded


def with_strips(groups: list[GroupView], *, folded: bool) -> None:
    """Give each listed service, or each folded group, its daily bars of the last 90 days
    (``strip``), as kept drawn (``statuspage.strips``): one query, until the history
    changes. Folded, a group's bars are its worst service's each day."""
    if folded:
        keys = {f"group:{view.group_id}": view for view in groups}
        found = strips.kept(list(keys), _group_members)
        for key, view in keys.items():
            view.strip = found.get(key)
        return
    listed = {f"service:{service.pk}": service for view in groups for service in view.services}
    found = strips.kept(list(listed), lambda: {key: [s] for key, s in listed.items()})
    for key, service in listed.items():
        service.strip = found.get(key)


def _group_members() -> dict[str, list[history.ServiceState]]:
    """Every service's state by its group, for the folded groups' bars: bare states, as
    800 services as model instances cost more than the bars."""
    members: dict[str, list[history.ServiceState]] = {}
    for pk, group_id, status in Service.objects.values_list("pk", "group_id", "status"):
        members.setdefault(f"group:{group_id}", []).append(history.ServiceState(pk, status))
    return members


def home_live() -> dict:
    """The part of `/` that open pages fetch again: indicator, events, services."""
    groups, folded = service_groups()
    with_strips(groups, folded=folded)
    events = active_events()
    return {
        **events,
        "indicator": overall_indicator(
            (view.status for view in groups), events["active_incidents"], events["current_windows"]
        ),
        "service_groups": groups,
        "services_folded": folded,
        "poll_seconds": settings.STATUS_POLL_SECONDS,
    }


def services_page(*, group: str | None = None) -> dict:
    """Every service, by group; or one group's (a folded group of `/` unfolded), each with
    its bars."""
    groups, _ = service_groups(fold_over=None)
    if group is None:
        return {"service_groups": groups}
    groups = [view for view in groups if str(view.group_id) == group]
    if not groups:
        raise Http404("No such group of services.")
    with_strips(groups, folded=False)
    return {"service_groups": groups, "group": groups[0]}


def home_page() -> dict:
    recent = MaintenanceWindow.objects.past().select_related("faq").order_by("-scheduled_start")
    return {**home_live(), "recent_windows": list(recent[:5])}


SERVICE_PAST_WINDOWS = 10
SERVICE_INCIDENTS = 20


def service_page(*, slug: str) -> dict:
    """All about one service: its status, what its coming or current windows mean for it
    (its entries in each window's FAQ), its incidents, and its past windows. Five queries
    at any size."""
    service = get_object_or_404(Service.objects.select_related("group"), slug=slug)
    windows = MaintenanceWindow.objects.filter(services=service).select_related("faq")
    current = list(windows.current().order_by("scheduled_start", "pk"))
    entries = defaultdict(list)
    if current:
        for entry in (
            ImpactEntry.objects.published()
            .filter(faq__window__in=current, service=service)
            .select_related("service", "section")
        ):
            entries[entry.faq_id].append(entry)
    for window in current:
        window.service_entries = entries[window.faq.pk] if published_faq(window) else []
    incidents = list(
        Incident.objects.published()
        .filter(services=service)
        .order_by(F("resolved_at").desc(nulls_first=True), "-started_at")[:SERVICE_INCIDENTS]
    )
    strip, months = history.service_record(service)
    return {
        "service": service,
        "strip": strip,
        "months": months,
        "partial_share": round(settings.UPTIME_PARTIAL_WEIGHT * 100),
        "current_windows": current,
        "past_windows": list(windows.past().order_by("-scheduled_start")[:SERVICE_PAST_WINDOWS]),
        "incidents": incidents,
    }


EVENT_PAGE_UPDATES = 50


def _event_page(queryset, *, slug: str, page: str | None) -> dict:
    event = get_object_or_404(_with_services(queryset), slug=slug)
    updates = Paginator(
        event.updates.filter(published_at__isnull=False).prefetch_related(
            Prefetch("service_changes", queryset=_service_changes())
        ),
        EVENT_PAGE_UPDATES,
    )
    return {
        "event": event,
        "updates": updates.get_page(page),
        "poll_seconds": settings.STATUS_POLL_SECONDS,
    }


def maintenance_page(*, slug: str, page: str | None = None) -> dict:
    context = _event_page(
        MaintenanceWindow.objects.published().select_related("faq"), slug=slug, page=page
    )
    return {**context, "window": context["event"]}


def incident_page(*, slug: str, page: str | None = None) -> dict:
    return _event_page(Incident.objects.published(), slug=slug, page=page)


HISTORY_PAGE_SIZE = 30


def history_page(*, page: str | None = None) -> dict:
    """Past maintenance and resolved incidents, newest first, grouped by month."""
    events = sorted(
        [*MaintenanceWindow.objects.past().select_related("faq"), *Incident.objects.past()],
        key=lambda event: _event_date(event),
        reverse=True,
    )
    events_page = Paginator(events, HISTORY_PAGE_SIZE).get_page(page)
    months = [
        (month, list(items))
        for month, items in groupby(events_page, key=lambda e: _event_date(e).strftime("%B %Y"))
    ]
    return {"months": months, "page": events_page}


def _event_date(event):
    return event.scheduled_start if isinstance(event, MaintenanceWindow) else event.started_at


SOCIAL_POSTS = 100


@dataclass
class PostedUpdate:
    """One update as /social/ shows it: its words as posted, and its post on each network."""

    update: StatusUpdate
    sent_at: datetime
    text: str
    links: list[tuple[str, str]]  # (network, the post's address), X first


@dataclass
class SocialThread:
    """An event's progress: its updates newest first, and where each network's thread
    begins (its first post there)."""

    event: MaintenanceWindow | Incident
    updates: list[PostedUpdate]
    starts: list[tuple[str, str]]  # (network, the thread's first post), X first


def social_page() -> dict:
    """Posts sent to X, Mastodon and Bluesky for current and recent events, newest first:
    each event once, each update once with its post on every network; where each network's
    thread starts; a "Follow" link for each network that is on."""
    posts = (
        CrossPost.objects.filter(state=MessageState.SENT)
        .select_related("update__maintenance", "update__incident")
        .order_by("-sent_at", "pk")[:SOCIAL_POSTS]
    )
    by_event: dict = {}
    for post in posts:
        by_event.setdefault(post.update.event, {}).setdefault(post.update, []).append(post)
    threads = [_thread(event, updates) for event, updates in by_event.items()]
    current = [
        *MaintenanceWindow.objects.current().exclude(hashtag=""),
        *Incident.objects.unresolved().exclude(hashtag=""),
    ]
    hashtags = list(dict.fromkeys(e.hashtag for e in [*current, *by_event] if e.hashtag))
    x_missing = x.CHANNEL.missing_settings()
    networks = networks_on()
    follow = [] if x_missing else [(x.CHANNEL.label, tag, x.hashtag_url(tag)) for tag in hashtags]
    follow += [
        (network.label, "", network.profile_url())
        for network in networks
        if network.profile_url and network.profile_url()
    ]
    return {
        "threads": threads,
        # Following a hashtag nothing is posted under would show readers nothing new.
        "follow": follow,
        "networks": spoken_list([network.label for network in networks]),
        "x_missing": x_missing,  # shown to staff alone, in a note on turning X on
    }


def _thread(event, updates: dict) -> SocialThread:
    order = {name: at for at, name in enumerate(POST_CHANNELS)}
    rows, first = [], {}
    for update, posts in updates.items():
        posts.sort(key=lambda post: order[post.channel])
        for post in posts:
            if post.channel not in first or post.sent_at < first[post.channel].sent_at:
                first[post.channel] = post
        rows.append(
            PostedUpdate(
                update=update,
                sent_at=min(post.sent_at for post in posts),
                # The networks cut long words at different lengths: the most complete.
                text=max((post.body for post in posts), key=len),
                links=[(CHANNELS[post.channel].label, post.remote_url) for post in posts],
            )
        )
    rows.sort(key=lambda row: (row.sent_at, row.update.pk), reverse=True)
    starts = [
        (CHANNELS[name].label, first[name].remote_url) for name in POST_CHANNELS if name in first
    ]
    return SocialThread(event=event, updates=rows, starts=starts)


def uptime_page() -> dict:
    """Every service by month, the last 12: the report an SLA asks for."""
    services = list(Service.objects.select_related("group"))
    months = history.by_month(services)
    return {
        "months": months[services[0].pk] if services else [],
        "rows": [(service, months[service.pk]) for service in services],
        "partial_share": round(settings.UPTIME_PARTIAL_WEIGHT * 100),
    }
