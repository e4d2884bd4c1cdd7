"""Service history in the API's shapes: each service's UTC days (minutes in each status,
downtime, uptime, by ``statuspage.uptime``'s rule) and the published incidents and
maintenance windows of each day. Plain data in, dicts out, in a fixed number of queries
(the history, the incidents, the windows) however many services, days and events; a day's
events are those its bar links to on the pages.
"""

from collections import defaultdict
from datetime import UTC, date, datetime

from django.conf import settings

from statuspage import uptime
from statuspage.history import ServiceState, day_events
from statuspage.models import Incident, MaintenanceWindow, ServiceStatus
from statuspage.publishing.api.serializers import Components, page_data

RECENT_DAYS = 90  # as Statuspage's bars under each component
MAX_DAYS = 400  # a year and a month, for a yearly SLA report with a margin
# One minute of downtime in 90 days is 0.0008 %: four decimals show it.
PERCENT_DIGITS = 4
MINUTE_DIGITS = 2
STATUSES = ServiceStatus.values  # in the order minutes_by_status lists them
DAY = uptime.DAY
# Most days have no events: one empty list for them all (a JSON array), not one each, for
# the garbage collector walks every container made (it was half the time at 800 services).
NO_EVENTS = ()


def recent_days(today: date) -> tuple[date, date]:
    """The first and last of the ``RECENT_DAYS`` UTC days that end with ``today`` (fewer
    in the first days of year 1)."""
    return today - min(RECENT_DAYS - 1, (today - date.min).days) * DAY, today


def uptime_data(components: Components, first: date, last: date, *, now: datetime) -> dict:
    """Every service from ``first`` to ``last`` (UTC days), as ``/api/v2/uptime.json``."""
    return {
        **_range(components, first, last),
        "components": _services(components, components.services, first, last, now=now),
    }


def component_uptime_data(
    components: Components, service_id: int, first: date, last: date, *, now: datetime
) -> dict | None:
    """One service (or None for an unknown one), as ``components/<id>/uptime.json``."""
    rows = [row for row in components.services if row["pk"] == service_id]
    if not rows:
        return None
    [component] = _services(components, rows, first, last, now=now)
    return {**_range(components, first, last), "component": component}


def _range(components: Components, first: date, last: date) -> dict:
    return {
        "page": page_data(components),
        "from": first.isoformat(),
        "to": last.isoformat(),
        "partial_outage_weight": settings.UPTIME_PARTIAL_WEIGHT,
    }


def _services(
    components: Components, rows: list[dict], first: date, last: date, *, now: datetime
) -> list[dict]:
    """The services of ``rows`` (``Components.services``), each with its days. Days after
    today have nothing counted: they are made here, never computed."""
    counted_last = min(last, now.astimezone(UTC).date())
    services = [ServiceState(pk=row["pk"], status=row["status"]) for row in rows]
    periods, events = {}, {}
    if first <= counted_last:
        periods = uptime.days(services, first, counted_last, now=now)
        events = _events_by_day(services, first, counted_last, now=now)
    future = [
        uptime.Period(start=first + n * DAY)
        for n in range((last - first).days + 1)
        if first + n * DAY > counted_last
    ]
    # The same minutes make the same figures, and most days are wholly operational: each
    # is worked out once (at 800 services, 72,000 days, this was most of the time).
    figures: dict[tuple, tuple] = {}
    found = []
    for row in rows:
        days = [*periods.get(row["pk"], []), *future]
        whole = uptime.total(days)
        component = components.by_service[row["pk"]]
        found.append(
            {
                "id": component["id"],
                "name": component["name"],
                "group_id": component["group_id"],
                "uptime_percent": _percent(whole),
                "downtime_minutes": round(whole.downtime, MINUTE_DIGITS),
                "days": [
                    _day(day, events.get((row["pk"], day.start), {}), figures) for day in days
                ],
            }
        )
    return found


def _percent(period: uptime.Period) -> float | None:
    percent = period.uptime_percent
    return None if percent is None else round(percent, PERCENT_DIGITS)


def _day(day: uptime.Period, events: dict[str, list[str]], figures: dict[tuple, tuple]) -> dict:
    key = tuple(day.minutes.items())
    if key not in figures:
        minutes = {s: round(day.minutes.get(s, 0), MINUTE_DIGITS) for s in STATUSES}
        figures[key] = (
            round(day.downtime, MINUTE_DIGITS),
            {s: value for s, value in minutes.items() if value > 0},
            _percent(day),
        )
    downtime, by_status, percent = figures[key]
    return {
        "date": day.start.isoformat(),
        "downtime_minutes": downtime,
        "minutes_by_status": by_status,
        "uptime_percent": percent,
        "incident_ids": events.get(Incident.kind, NO_EVENTS),
        "scheduled_maintenance_ids": events.get(MaintenanceWindow.kind, NO_EVENTS),
    }


# --- the events of each day -------------------------------------------------------------------


def _events_by_day(services, first: date, last: date, *, now: datetime) -> dict:
    """``{(service id, day): {"incident": [ids], "maintenance": [ids]}}``: the events each
    day's bar links to on the pages (``statuspage.history.day_events``), as the API names
    them."""
    by_day = defaultdict(lambda: defaultdict(list))
    for key, events in day_events(services, first, last, now=now).items():
        for event in events:
            by_day[key][event.model].append(f"{event.model}-{event.pk}")
    return by_day
