"""The site's data in Atlassian Statuspage's JSON shapes: for the API and webhooks.

Only published windows, incidents and updates appear. Ids are strings with a prefix
(``service-3``, ``group-1``, ``incident-7``, ``maintenance-2``, ``update-9``) because
Statuspage keeps components and groups in one id space, and incidents and scheduled
maintenances in another. ``openapi.json`` documents every field. Plain data in, dicts
out: nothing here answers a request.
"""

from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter

from django.conf import settings
from django.db.models import Prefetch, Subquery

from faq.models import ImpactEntry, published_faq
from statuspage.caching.version import content_version
from statuspage.common.links import absolute
from statuspage.models import (
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceChange,
    ServiceStatus,
    StatusUpdate,
)
from statuspage.outbox.models import ChannelName, CrossPost, MessageState
from statuspage.selectors import overall_indicator

# Statuspage has no postponed, rolled back or cancelled; `status_detail` keeps ours.
MAINTENANCE_STATUS = {
    MaintenanceStatus.SCHEDULED: "scheduled",
    MaintenanceStatus.POSTPONED: "scheduled",  # still to happen, on a new date
    MaintenanceStatus.IN_PROGRESS: "in_progress",
    MaintenanceStatus.VERIFYING: "verifying",
    MaintenanceStatus.COMPLETED: "completed",
    # Over: the work was undone and the services are back.
    MaintenanceStatus.ROLLED_BACK: "completed",
    MaintenanceStatus.CANCELLED: "completed",  # over: it will not happen
}


def _time(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and “Z”, as Statuspage writes times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _page_id() -> str:
    """The page's id, as the management API (/api/v1) names it: ``STATUSPAGE_PAGE_ID``."""
    return settings.STATUSPAGE_PAGE_ID


# --- components ------------------------------------------------------------------------------


def _latest(queryset) -> Subquery:
    return Subquery(queryset.order_by("-updated_at").values("updated_at")[:1])


class Components:
    """Every service, and every group as a group component, in page order.

    Read as plain rows (``values()``), not model instances: the summary lists every
    service, and at hundreds of them building models was most of its render time.
    """

    def __init__(self) -> None:
        self.services = list(
            Service.objects.values(
                "pk", "name", "status", "updated_at", "description", "group_id", "group__name"
            )
        )
        # The latest change to any published event: one query, on one row (carried by each
        # service's row instead, it cost more than the services themselves at 800 of them).
        self.latest_events = (
            Service.objects.order_by()
            .annotate(
                latest_incident=_latest(Incident.objects.published()),
                latest_window=_latest(MaintenanceWindow.objects.published()),
                latest_update=_latest(StatusUpdate.objects.published()),
            )
            .values_list("latest_incident", "latest_window", "latest_update")[:1]
        )
        self.page_id = _page_id()
        self.items: list[dict] = []
        self.by_service: dict[int, dict] = {}
        for group_id, members in groupby(self.services, key=itemgetter("group_id")):
            members = list(members)
            if group_id:
                self._add(
                    id=f"group-{group_id}",
                    name=members[0]["group__name"],
                    status=max((s["status"] for s in members), key=ServiceStatus.values.index),
                    changed=max(s["updated_at"] for s in members),
                    children=[f"service-{s['pk']}" for s in members],
                )
            for service in members:
                self.by_service[service["pk"]] = self._add(
                    id=f"service-{service['pk']}",
                    name=service["name"],
                    status=service["status"],
                    changed=service["updated_at"],
                    description=service["description"] or None,
                    group_id=f"group-{group_id}" if group_id else None,
                )

    def _add(self, *, id, name, status, changed, description=None, group_id=None, children=None):
        component = {
            "id": id,
            "name": name,
            "status": status,
            # Creation is not recorded; the last change is the nearest time we know.
            "created_at": _time(changed),
            "updated_at": _time(changed),
            "position": len(self.items) + 1,
            "description": description,
            "showcase": children is None,  # a service's 90 days of bars are shown
            "start_date": None,
            "group_id": group_id,
            "page_id": self.page_id,
            "group": children is not None,
            "only_show_if_degraded": False,
        }
        if children is not None:
            component["components"] = children
        self.items.append(component)
        return component

    @property
    def statuses(self) -> set[str]:
        return {service["status"] for service in self.services}

    def of(self, event) -> list[dict]:
        found = [self.by_service[s.pk] for s in event.services.all() if s.pk in self.by_service]
        return sorted(found, key=itemgetter("position"))

    def latest_change(self) -> datetime:
        """When anything readers can see last changed."""
        times = [s["updated_at"] for s in self.services]
        for latest in self.latest_events:
            times += latest
        fallback = datetime.fromtimestamp(content_version() / 1e9, tz=UTC)
        return max((t for t in times if t), default=fallback)


def page_data(components: Components) -> dict:
    return {
        "id": _page_id(),
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
        "time_zone": "Etc/UTC",
        "updated_at": _time(components.latest_change()),
    }


def status_data(components: Components, incidents, windows) -> dict:
    indicator = overall_indicator(components.statuses, incidents, windows)
    return {"indicator": indicator.value, "description": indicator.description}


# --- incidents and scheduled maintenances ----------------------------------------------------


def events_with_details(queryset):
    updates = StatusUpdate.objects.published().prefetch_related(
        Prefetch("service_changes", queryset=ServiceChange.objects.select_related("service")),
        Prefetch(
            "messages",
            queryset=CrossPost.objects.filter(state=MessageState.SENT, channel=ChannelName.X),
            to_attr="sent_posts",
        ),
    )
    return queryset.prefetch_related(
        Prefetch("services", queryset=Service.objects.only("pk")),
        Prefetch("updates", queryset=updates, to_attr="published_updates"),
    )


def windows_with_details(queryset):
    entries = (
        ImpactEntry.objects.published()
        .select_related("section", "service")
        .order_by("section__position", "number")
    )
    return events_with_details(queryset.select_related("faq")).prefetch_related(
        Prefetch("faq__impact_entries", queryset=entries, to_attr="public_entries")
    )


def _statuspage_status(status: str, *, maintenance: bool) -> str:
    return MAINTENANCE_STATUS.get(status, status) if maintenance else status


def _update(update: StatusUpdate, event_id: str, *, maintenance: bool) -> dict:
    sent = update.sent_posts[0] if update.sent_posts else None
    data = {
        "id": f"update-{update.pk}",
        "status": _statuspage_status(update.status, maintenance=maintenance),
        "body": update.body,
        "incident_id": event_id,
        "created_at": _time(update.published_at),
        "updated_at": _time(update.updated_at),
        "display_at": _time(update.display_at),
        "affected_components": [
            {
                "code": f"service-{change.service_id}",
                "name": change.service.name,
                "old_status": change.old_status,
                "new_status": change.new_status,
            }
            for change in update.service_changes.all()
        ],
        "deliver_notifications": sent is not None,
        "custom_tweet": update.x_text or None,
        "tweet_id": sent.remote_id if sent else None,
    }
    if maintenance:
        data["status_detail"] = update.status
    return data


def _entered(updates: list[StatusUpdate], statuses: set[str]) -> datetime | None:
    """When the event last entered one of ``statuses``, read from its updates (newest first)."""
    moment = None
    for update in updates:
        if update.status in statuses:
            moment = update.display_at
        elif moment:
            break
    return moment


def _event(event, components: Components) -> dict:
    """The fields incidents and scheduled maintenances share."""
    event_id = f"{event.kind}-{event.pk}"
    updates = event.published_updates
    is_window = isinstance(event, MaintenanceWindow)
    return {
        "id": event_id,
        "name": event.title,
        "status": _statuspage_status(event.status, maintenance=is_window),
        # Drafts are not public: an event begins, for readers, when it is published.
        "created_at": _time(event.published_at),
        "updated_at": _time(max([event.updated_at, *(u.updated_at for u in updates)])),
        "shortlink": absolute(event.get_absolute_url()),
        "page_id": _page_id(),
        "incident_updates": [_update(u, event_id, maintenance=is_window) for u in updates],
        "components": components.of(event),
    }


def incident_data(incident: Incident, components: Components) -> dict:
    return {
        **_event(incident, components),
        "monitoring_at": _time(_entered(incident.published_updates, {IncidentStatus.MONITORING})),
        "resolved_at": _time(incident.resolved_at),
        "impact": incident.impact,
        "started_at": _time(incident.started_at),
    }


def maintenance_data(window: MaintenanceWindow, components: Components) -> dict:
    updates = window.published_updates
    is_over = MAINTENANCE_STATUS[window.status] == "completed"
    ended = (
        window.completed_at
        or _entered(
            updates,
            {
                MaintenanceStatus.COMPLETED,
                MaintenanceStatus.ROLLED_BACK,
                MaintenanceStatus.CANCELLED,
            },
        )
        or window.updated_at
    )
    faq = published_faq(window)
    return {
        **_event(window, components),
        "monitoring_at": _time(_entered(updates, {MaintenanceStatus.VERIFYING})),
        "resolved_at": _time(ended if is_over else None),
        "impact": "maintenance",
        "started_at": _time(window.started_at or window.scheduled_start),
        "scheduled_for": _time(window.scheduled_start),
        "scheduled_until": _time(window.scheduled_end),
        "status_detail": window.status,
        "faq_url": absolute(faq.get_absolute_url()) if faq else None,
        "impact_entries": [_impact_entry(entry) for entry in faq.public_entries] if faq else [],
    }


def _impact_entry(entry: ImpactEntry) -> dict:
    return {
        "number": entry.label,
        "subject": entry.title,
        "service": f"service-{entry.service_id}" if entry.service_id else None,
        "level": entry.level,
        "summary": entry.summary,
        "advice": entry.advice,
        "afterwards": entry.afterwards,
    }


# --- the webhook's body -----------------------------------------------------------------------


def webhook_payload(event: MaintenanceWindow | Incident) -> dict:
    """Statuspage's webhook body for ``event``: meta, page, and the incident as this API
    shows it (a maintenance is an incident with impact “maintenance”)."""
    components = Components()
    if isinstance(event, MaintenanceWindow):
        item = maintenance_data(
            windows_with_details(MaintenanceWindow.objects.filter(pk=event.pk)).get(), components
        )
    else:
        item = incident_data(
            events_with_details(Incident.objects.filter(pk=event.pk)).get(), components
        )
    incidents = list(Incident.objects.unresolved())
    windows = list(MaintenanceWindow.objects.current())
    status = status_data(components, incidents, windows)
    return {
        "meta": {"documentation": absolute("/api/v2/openapi.json")},
        "page": {
            "id": _page_id(),
            "status_indicator": status["indicator"],
            "status_description": status["description"],
        },
        "incident": item,
    }
