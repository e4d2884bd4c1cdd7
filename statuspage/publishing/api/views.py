"""The public, read-only JSON API at /api/v2/, in Atlassian Statuspage's shapes.

Tools that read a Statuspage page read this site unchanged (``serializers`` makes the
shapes); beside them, the service history (``history``). Every answer is cached for
anonymous readers, conditional, open to other sites' scripts (CORS) and JSON, errors
included.
"""

import json
import re
from datetime import date
from functools import cache, partial, wraps
from pathlib import Path

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from statuspage.caching.pages import public_page
from statuspage.models import Incident, MaintenanceWindow
from statuspage.publishing.api import history
from statuspage.publishing.api.serializers import (
    Components,
    events_with_details,
    incident_data,
    maintenance_data,
    page_data,
    status_data,
    windows_with_details,
)

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


def api_view(build=None, *, query=None, arguments=None):
    """Serve what ``build(**kwargs)`` returns as JSON, with conditional GET, caching and CORS.

    ``build`` is given the address's keyword arguments and raises ``Http404`` for an unknown
    id. An endpoint that reads its query string names the parameters in ``query`` (as
    ``public_page`` takes them) and gives ``arguments``, which turns ``request.GET`` into
    more keyword arguments for ``build`` or raises ``BadRequest`` with the reason, answered
    ``400``: before the conditional headers are read, which a bad request never satisfies.
    """
    if build is None:
        return partial(api_view, query=query, arguments=arguments)

    def answer(request, **kwargs):
        try:
            return JsonResponse(build(**kwargs))
        except Http404:
            return not_found(request)

    conditional = public_page(wraps(build)(answer), query=query)

    @csrf_exempt  # it changes nothing, and other sites' scripts may call it
    @wraps(build)
    def view(request, **kwargs):
        response = _refusal(request)
        if response is None and arguments is not None:
            try:
                kwargs |= arguments(request.GET)
            except BadRequest as error:
                response = _json({"error": str(error)}, status=400)
        response = response or conditional(request, **kwargs)
        if response.status_code == 412:  # Django's is an empty HTML page; API clients read JSON
            response = _json({"error": PRECONDITION_FAILED}, status=412)
        for header, value in API_HEADERS.items():  # on 304s too
            response.headers[header] = value
        return response

    return view


@api_view
def summary() -> dict:
    components = Components()
    incidents = list(events_with_details(Incident.objects.unresolved()))
    windows = list(
        windows_with_details(MaintenanceWindow.objects.current().order_by("scheduled_start"))
    )
    return {
        "page": page_data(components),
        "components": components.items,
        "incidents": [incident_data(incident, components) for incident in incidents],
        "scheduled_maintenances": [maintenance_data(window, components) for window in windows],
        "status": status_data(components, incidents, windows),
    }


@api_view
def page_status() -> dict:
    found = Components()
    incidents = list(Incident.objects.unresolved())
    windows = list(MaintenanceWindow.objects.current())
    return {"page": page_data(found), "status": status_data(found, incidents, windows)}


@api_view
def component_list() -> dict:
    found = Components()
    return {"page": page_data(found), "components": found.items}


def _incidents(queryset) -> dict:
    found = Components()
    incidents = [incident_data(incident, found) for incident in events_with_details(queryset)]
    return {"page": page_data(found), "incidents": incidents}


@api_view
def incident_list() -> dict:
    return _incidents(Incident.objects.published()[:RECENT_EVENTS])


@api_view
def unresolved_incidents() -> dict:
    return _incidents(Incident.objects.unresolved())


def _maintenances(queryset) -> dict:
    found = Components()
    windows = [maintenance_data(window, found) for window in windows_with_details(queryset)]
    return {"page": page_data(found), "scheduled_maintenances": windows}


@api_view
def maintenance_list() -> dict:
    return _maintenances(MaintenanceWindow.objects.published()[:RECENT_EVENTS])


@api_view
def upcoming_maintenances() -> dict:
    return _maintenances(MaintenanceWindow.objects.upcoming().order_by("scheduled_start"))


@api_view
def active_maintenances() -> dict:
    return _maintenances(MaintenanceWindow.objects.active().order_by("scheduled_start"))


@api_view
def uptime_list() -> dict:
    """Every service's last ``RECENT_DAYS`` UTC days. Today's figures grow with the minutes:
    like every answer of the API they are kept until the content version or the minute
    changes (the ETag's), and clients may keep them ``max-age`` seconds more."""
    now = timezone.now()
    first, last = history.recent_days(now.date())
    return history.uptime_data(Components(), first, last, now=now)


# What the query string may hold, as given: the view refuses what is not a date, so a
# made-up value is never the address of a kept answer.
DATE_QUERY = {"from": str, "to": str}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(query, name: str) -> date | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        if ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadRequest(_("“%(name)s” is not a date written YYYY-MM-DD.") % {"name": name})


def date_range(query) -> dict:
    """``from`` and ``to`` as ``first`` and ``last``; without them, the ``RECENT_DAYS`` days
    ending with ``to`` or today. Raises ``BadRequest`` for a date that is not one, an end
    before the start, or more than ``MAX_DAYS`` days."""
    first, last = _date(query, "from"), _date(query, "to")
    last = last or timezone.now().date()
    first = first or history.recent_days(last)[0]
    if last < first:
        raise BadRequest(
            _("The range ends (“to”: %(last)s) before it starts (“from”: %(first)s).")
            % {"first": first, "last": last}
        )
    if (days := (last - first).days + 1) > history.MAX_DAYS:
        raise BadRequest(
            _("The range is %(days)s days long; at most %(max)s days may be asked for at once.")
            % {"days": days, "max": history.MAX_DAYS}
        )
    return {"first": first, "last": last}


@api_view(query=DATE_QUERY, arguments=date_range)
def component_uptime(*, pk: str, first: date, last: date) -> dict:
    """One service's UTC days from ``first`` to ``last``; see ``uptime_list``."""
    data = history.component_uptime_data(Components(), int(pk), first, last, now=timezone.now())
    if data is None:
        raise Http404
    return data


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
