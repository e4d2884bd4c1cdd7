"""The public, read-only JSON API at /api/v2/, in Atlassian Statuspage's shapes.

Tools that read a Statuspage page read this site unchanged. Only published
windows, incidents and updates appear. Ids are strings with a prefix
(``service-3``, ``group-1``, ``incident-7``, ``maintenance-2``, ``update-9``)
because Statuspage keeps components and groups in one id space, and incidents
and scheduled maintenances in another. ``openapi.json`` documents every field.
"""

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import cache, wraps
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from django.conf import settings
from django.db.models import Prefetch, Subquery
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from faq.models import ImpactEntry
from statuspage.caching.pages import content_version, public_page
from statuspage.models import (
    CrossPost,
    CrossPostState,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceChange,
    ServiceStatus,
    StatusUpdate,
)
from statuspage.selectors import overall_indicator

M = MaintenanceStatus
# Statuspage has no postponed, rolled back or cancelled; `status_detail` keeps ours.
MAINTENANCE_STATUS = {
    M.SCHEDULED: "scheduled",
    M.POSTPONED: "scheduled",  # still to happen, on a new date
    M.IN_PROGRESS: "in_progress",
    M.VERIFYING: "verifying",
    M.COMPLETED: "completed",
    M.ROLLED_BACK: "completed",  # over: the work was undone and the services are back
    M.CANCELLED: "completed",  # over: it will not happen
}
RECENT_EVENTS = 50  # as many as Statuspage's incidents.json and scheduled-maintenances.json
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
API_HEADERS = {
    # Short enough for a status page; stale copies may bridge a slow or failing origin.
    "Cache-Control": "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": ALLOWED_METHODS,
}
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
PRECONDITION_FAILED = (
    "Precondition failed: If-Match names no current copy, "
    "or the content changed after If-Unmodified-Since."
)


def _time(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and “Z”, as Statuspage writes times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _page_id() -> str:
    """A Statuspage-like opaque id, stable for as long as the site's address is."""
    digest = hashlib.sha256(settings.SITE_URL.encode()).digest()
    return base64.b32encode(digest).decode()[:12].lower()


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
            "showcase": False,
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


def _page(components: Components) -> dict:
    return {
        "id": _page_id(),
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
        "time_zone": "Etc/UTC",
        "updated_at": _time(components.latest_change()),
    }


def _status(components: Components, incidents, windows) -> dict:
    indicator = overall_indicator(components.statuses, incidents, windows)
    return {"indicator": indicator.value, "description": indicator.description}


# --- incidents and scheduled maintenances ----------------------------------------------------


def _with_details(queryset):
    updates = StatusUpdate.objects.published().prefetch_related(
        Prefetch("service_changes", queryset=ServiceChange.objects.select_related("service")),
        Prefetch(
            "cross_posts",
            queryset=CrossPost.objects.filter(state=CrossPostState.SENT, channel="x"),
            to_attr="sent_posts",
        ),
    )
    return queryset.prefetch_related(
        Prefetch("services", queryset=Service.objects.only("pk")),
        Prefetch("updates", queryset=updates, to_attr="published_updates"),
    )


def _windows(queryset):
    entries = (
        ImpactEntry.objects.published()
        .select_related("section", "service")
        .order_by("section__position", "number")
    )
    return _with_details(queryset.select_related("faq")).prefetch_related(
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
        "shortlink": _absolute(event.get_absolute_url()),
        "page_id": _page_id(),
        "incident_updates": [_update(u, event_id, maintenance=is_window) for u in updates],
        "components": components.of(event),
    }


def _incident(incident: Incident, components: Components) -> dict:
    return {
        **_event(incident, components),
        "monitoring_at": _time(_entered(incident.published_updates, {IncidentStatus.MONITORING})),
        "resolved_at": _time(incident.resolved_at),
        "impact": incident.impact,
        "started_at": _time(incident.started_at),
    }


def _maintenance(window: MaintenanceWindow, components: Components) -> dict:
    updates = window.published_updates
    is_over = MAINTENANCE_STATUS[window.status] == "completed"
    ended = (
        window.completed_at
        or _entered(updates, {M.COMPLETED, M.ROLLED_BACK, M.CANCELLED})
        or window.updated_at
    )
    faq = getattr(window, "faq", None)  # a window may have no FAQ
    faq = faq if faq and faq.published_at else None
    return {
        **_event(window, components),
        "monitoring_at": _time(_entered(updates, {M.VERIFYING})),
        "resolved_at": _time(ended if is_over else None),
        "impact": "maintenance",
        "started_at": _time(window.started_at or window.scheduled_start),
        "scheduled_for": _time(window.scheduled_start),
        "scheduled_until": _time(window.scheduled_end),
        "status_detail": window.status,
        "faq_url": _absolute(faq.get_absolute_url()) if faq else None,
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


# --- views -----------------------------------------------------------------------------------


def _json(data: dict, status: int = 200, headers: dict | None = None) -> JsonResponse:
    return JsonResponse(data, status=status, headers={**API_HEADERS, **(headers or {})})


def _refusal(request) -> JsonResponse | None:
    """The answer to a request the API does not serve, given before any work is done."""
    if request.method == "OPTIONS":
        return _json({}, status=200, headers={"Allow": ALLOWED_METHODS})
    if request.method not in {"GET", "HEAD"}:
        error = f"{request.method} is not allowed; this API is read-only."
        return _json({"error": error}, status=405, headers={"Allow": ALLOWED_METHODS})
    if len(request.META.get("QUERY_STRING", "")) > settings.MAX_QUERY_STRING:
        error = f"The query string is longer than {settings.MAX_QUERY_STRING} characters."
        return _json({"error": error}, status=414)
    return None


def api_view(build):
    """Serve what ``build()`` returns as JSON, with conditional GET, caching and CORS."""
    conditional = public_page(wraps(build)(lambda request: JsonResponse(build())))

    @csrf_exempt  # it changes nothing, and other sites' scripts may call it
    @wraps(build)
    def view(request):
        response = _refusal(request) or conditional(request)
        if response.status_code == 412:  # Django's is an empty HTML page; API clients read JSON
            response = _json({"error": PRECONDITION_FAILED}, status=412)
        for header, value in API_HEADERS.items():  # on 304s too
            response.headers[header] = value
        return response

    return view


@api_view
def summary() -> dict:
    components = Components()
    incidents = list(_with_details(Incident.objects.unresolved()))
    windows = list(_windows(MaintenanceWindow.objects.current().order_by("scheduled_start")))
    return {
        "page": _page(components),
        "components": components.items,
        "incidents": [_incident(incident, components) for incident in incidents],
        "scheduled_maintenances": [_maintenance(window, components) for window in windows],
        "status": _status(components, incidents, windows),
    }


@api_view
def page_status() -> dict:
    found = Components()
    incidents = list(Incident.objects.unresolved())
    windows = list(MaintenanceWindow.objects.current())
    return {"page": _page(found), "status": _status(found, incidents, windows)}


@api_view
def component_list() -> dict:
    found = Components()
    return {"page": _page(found), "components": found.items}


def _incidents(queryset) -> dict:
    found = Components()
    incidents = [_incident(incident, found) for incident in _with_details(queryset)]
    return {"page": _page(found), "incidents": incidents}


@api_view
def incident_list() -> dict:
    return _incidents(Incident.objects.published()[:RECENT_EVENTS])


@api_view
def unresolved_incidents() -> dict:
    return _incidents(Incident.objects.unresolved())


def _maintenances(queryset) -> dict:
    found = Components()
    windows = [_maintenance(window, found) for window in _windows(queryset)]
    return {"page": _page(found), "scheduled_maintenances": windows}


@api_view
def maintenance_list() -> dict:
    return _maintenances(MaintenanceWindow.objects.published()[:RECENT_EVENTS])


@api_view
def upcoming_maintenances() -> dict:
    return _maintenances(MaintenanceWindow.objects.upcoming().order_by("scheduled_start"))


@api_view
def active_maintenances() -> dict:
    return _maintenances(MaintenanceWindow.objects.active().order_by("scheduled_start"))


def webhook_payload(event: MaintenanceWindow | Incident) -> dict:
    """Statuspage's webhook body for ``event``: meta, page, and the incident as this API
    shows it (a maintenance is an incident with impact “maintenance”)."""
    components = Components()
    if isinstance(event, MaintenanceWindow):
        item = _maintenance(
            _windows(MaintenanceWindow.objects.filter(pk=event.pk)).get(), components
        )
    else:
        item = _incident(_with_details(Incident.objects.filter(pk=event.pk)).get(), components)
    incidents = list(Incident.objects.unresolved())
    windows = list(MaintenanceWindow.objects.current())
    status = _status(components, incidents, windows)
    return {
        "meta": {"documentation": _absolute("/api/v2/openapi.json")},
        "page": {
            "id": _page_id(),
            "status_indicator": status["indicator"],
            "status_description": status["description"],
        },
        "incident": item,
    }


@cache
def _openapi_document() -> dict:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


@api_view
def openapi() -> dict:
    return _openapi_document()


@csrf_exempt
def not_found(request, path: str = ""):
    """Every other address under /api/v2/: a 404 that API clients can read."""
    return _json({"error": f"Not found: {request.path}"}, status=404)
