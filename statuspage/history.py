"""The services' record as the pages show it: daily bars, uptime over 90 days and by month.

Walking the history (``statuspage.uptime``) for every service and day would cost a page
with 800 services 72,000 figures. So each day, once over, is kept: one ``ServiceDay`` row
per service that was not wholly operational that day, and a ``ClosedDay`` row saying the
day is written. Most services are operational most days, so the rows are few; a closed day
without a row for a service was a whole operational day. Days are closed by beat's hourly
task and, for any a page needs that are still open, by the page itself; a change dated
before today (the demo's past incidents) opens its days again. Today is walked live.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from statuspage import uptime
from statuspage.models import (
    ClosedDay,
    Incident,
    MaintenanceWindow,
    Service,
    ServiceDay,
    ServiceStatus,
    StatusChange,
)

DAYS_SHOWN = 90
MONTHS_SHOWN = 12
FULL_DAY = 1440.0
OPERATIONAL = ServiceStatus.OPERATIONAL

# A day's bar, by its downtime in minutes: (level, more than this much downtime). Its words
# are written by statuspage/templatetags/status.py (uptime_bars), its colour and icon by
# static/css/site.css, its key by templates/statuspage/includes/uptime_key.html.
LEVELS = [("much", 120.0), ("some", 15.0), ("little", 0.0)]


@dataclass(frozen=True, slots=True)
class ServiceState:
    """What the figures read of a service: a ``Service`` will do, or this, lighter."""

    pk: int
    status: str


@dataclass
class Event:
    """An incident or a maintenance window, as a day's bar links to it and the history API
    names it (``model``: ``Incident.kind`` or ``MaintenanceWindow.kind``)."""

    kind: str  # in words: “Incident”, “Maintenance”
    title: str
    url: str
    model: str = ""
    pk: int = 0


@dataclass
class Bar:
    day: date
    downtime: float = 0.0  # minutes
    counted: float = 0.0  # minutes that have been (0: the day is to come)
    events: list[Event] = field(default_factory=list)

    @property
    def downtime_minutes(self) -> int:
        """Whole minutes, and at least one for any downtime at all."""
        return max(round(self.downtime), 1) if self.downtime > 0 else 0

    @property
    def level(self) -> str:
        if not self.counted:
            return "none"
        if self.downtime <= 0:
            return "up"
        return next(level for level, least in LEVELS if self.downtime > least)


@dataclass
class Strip:
    """A row of daily bars: one service's, or a folded group's (each day its worst
    service's, and the worst service's uptime). ``kept``: the HTML of bars drawn before
    ``bars`` (``statuspage.strips``)."""

    bars: list[Bar]
    uptime_percent: float | None
    kept: str = ""
    # Each service of the row with downtime or not operational: its downtime in the days
    # before the last, in the last, and its status (``statuspage.strips`` keeps them).
    spent: dict[int, tuple[float, float, str]] = field(default_factory=dict)


def today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(UTC).date()


def close_days(first: date, last: date, *, now: datetime | None = None) -> None:
    """Keep the figures of every day from ``first`` to ``last`` that is over and open."""
    now = now or timezone.now()
    last = min(last, today(now) - timedelta(days=1))
    if last < first:
        return
    span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    closed = set(ClosedDay.objects.filter(day__range=(first, last)).values_list("day", flat=True))
    missing = [day for day in span if day not in closed]
    if not missing:
        return
    since = uptime.midnight(missing[0])
    # Only a service that changed since, or is not operational now, spent any of those days
    # otherwise than operational.
    services = list(
        Service.objects.filter(
            Q(pk__in=StatusChange.objects.filter(at__gte=since).values("service_id"))
            | ~Q(status=OPERATIONAL)
        ).only("pk", "status")
    )
    figures = uptime.days(services, missing[0], missing[-1], now=now)
    wanted = set(missing)
    rows = [
        ServiceDay(service_id=pk, day=period.start, minutes=period.minutes)
        for pk, periods in figures.items()
        for period in periods
        if period.start in wanted and _eventful(period.minutes)
    ]
    with transaction.atomic():
        ServiceDay.objects.bulk_create(rows, ignore_conflicts=True)
        ClosedDay.objects.bulk_create(
            [ClosedDay(day=day) for day in missing], ignore_conflicts=True
        )


def reopen(day: date) -> None:
    """Forget what was kept from ``day`` on: a change was written dated then."""
    ServiceDay.objects.filter(day__gte=day).delete()
    ClosedDay.objects.filter(day__gte=day).delete()


def minutes(services, first: date, last: date, *, now: datetime | None = None) -> dict:
    """``{service id: {day: {status: minutes}}}`` of the days from ``first`` to ``last``
    each of ``services`` was not wholly operational (their ``status`` now is read)."""
    now = now or timezone.now()
    close_days(first, last, now=now)
    ids = {service.pk for service in services}
    found: dict[int, dict[date, dict]] = defaultdict(dict)
    kept = uptime.of_services(ServiceDay.objects.filter(day__range=(first, last)), ids)
    for service_id, day, spent in kept.values_list("service_id", "day", "minutes"):
        if service_id in ids:
            found[service_id][day] = spent
    now_day = today(now)
    if first <= now_day <= last:
        since = uptime.midnight(now_day)
        changed = set(
            uptime.of_services(StatusChange.objects.filter(at__gte=since), ids).values_list(
                "service_id", flat=True
            )
        )
        live = [s for s in services if s.pk in changed or s.status != OPERATIONAL]
        for service_id, (period,) in uptime.days(live, now_day, now_day, now=now).items():
            if _eventful(period.minutes):
                found[service_id][now_day] = period.minutes
    return found


def strips(rows: dict, first: date, last: date, *, now: datetime | None = None, spent=None) -> dict:
    """``{key: Strip}`` for ``rows``, ``{key: [services]}``: a service's own row is a
    list of one; a folded group's, its services. ``spent``: their ``minutes``, if read."""
    now = now or timezone.now()
    services = [service for members in rows.values() for service in members]
    if spent is None:
        spent = minutes(services, first, last, now=now)
    events = day_events(services, first, last, now=now)
    counted = _counted(first, last, now)
    weight = uptime.weights()
    index = {day: n for n, (day, _minutes) in enumerate(counted)}
    events_of = defaultdict(list)  # service id: [(day, [Event])]
    for (service_id, day), day_events_ in events.items():
        events_of[service_id].append((day, day_events_))
    result = {}
    for key, members in rows.items():
        bars = [Bar(day=day, counted=minutes) for day, minutes in counted]
        worst = 0.0  # the most downtime of any one service over the whole strip
        figures = {}
        for service in members:  # only the days with something to say: most have nothing
            total = on_last = 0.0
            for day, spent_that_day in spent.get(service.pk, {}).items():
                if day not in index:
                    continue  # read for the months, before the strip's first day
                bar = bars[index[day]]
                down = _downtime(spent_that_day, weight)
                total += down
                on_last = down if day == last else on_last
                bar.downtime = max(bar.downtime, down)
            for day, day_events_ in events_of.get(service.pk, ()):
                bar = bars[index[day]]
                bar.events += [event for event in day_events_ if event not in bar.events]
            worst = max(worst, total)
            if total or service.status != OPERATIONAL:
                figures[service.pk] = (total - on_last, on_last, service.status)
        all_counted = sum(minutes for _day, minutes in counted)
        uptime_percent = 100.0 * (1 - worst / all_counted) if all_counted else None
        result[key] = Strip(bars=bars, uptime_percent=uptime_percent, spent=figures)
    return result


def first_kept(now: datetime | None = None) -> date:
    """The first day of the oldest month shown: the kept days go back to it."""
    last = today(now)
    months_back = last.year * 12 + last.month - 1 - (MONTHS_SHOWN - 1)
    return date(months_back // 12, months_back % 12 + 1, 1)


def service_record(service, *, now: datetime | None = None) -> tuple[Strip, list[dict]]:
    """One service's bars of the last 90 days and its months, from one reading."""
    now = now or timezone.now()
    last = today(now)
    spent = minutes([service], first_kept(now), last, now=now)
    first = last - timedelta(days=DAYS_SHOWN - 1)
    strip = strips({service.pk: [service]}, first, last, now=now, spent=spent)[service.pk]
    return strip, by_month([service], now=now, spent=spent)[service.pk]


def by_month(services, *, now: datetime | None = None, spent=None) -> dict:
    """``{service id: [month]}``: each of ``services``' last ``MONTHS_SHOWN`` months, newest
    first, with its uptime, downtime minutes and incidents. A handful of queries for all;
    ``spent``: their ``minutes`` since ``first_kept``, if read."""
    now = now or timezone.now()
    last, first = today(now), first_kept(now)
    if spent is None:
        spent = minutes(services, first, last, now=now)
    counted = defaultdict(float)
    for day, minutes_of_day in _counted(first, last, now):
        counted[day.replace(day=1)] += minutes_of_day
    incidents = defaultdict(set)
    ids = {service.pk for service in services}
    since = Incident.objects.published().filter(started_at__gte=uptime.midnight(first))
    through = uptime.of_services(Incident.services.through.objects.filter(incident__in=since), ids)
    for service_id, incident_id, started in through.values_list(
        "service_id", "incident_id", "incident__started_at"
    ):
        if service_id in ids:
            month = started.astimezone(UTC).date().replace(day=1)
            incidents[(service_id, month)].add(incident_id)
    weight = uptime.weights()
    result = {}
    for service in services:
        downtime = defaultdict(float)
        for day, spent_that_day in spent.get(service.pk, {}).items():
            downtime[day.replace(day=1)] += _downtime(spent_that_day, weight)
        result[service.pk] = [
            {
                "start": month,
                "uptime_percent": 100.0 * (1 - downtime[month] / counted[month])
                if counted[month]
                else None,
                "downtime": downtime[month],
                "downtime_minutes": round(downtime[month]),
                "incidents": len(incidents[(service.pk, month)]),
            }
            for month in sorted(counted, reverse=True)
        ]
    return result


def day_events(services, first: date, last: date, *, now: datetime | None = None) -> dict:
    """``{(service id, day): [Event]}``: the published incidents and the maintenance that
    ran, on each day from ``first`` to ``last``, of each of ``services``."""
    now = now or timezone.now()
    start, end = uptime.midnight(first), uptime.midnight(last) + timedelta(days=1)
    ids = {service.pk for service in services}
    found: dict[tuple[int, date], list[Event]] = defaultdict(list)
    kinds = [
        (
            Incident,
            Incident.objects.published().filter(
                Q(resolved_at__isnull=True) | Q(resolved_at__gte=start), started_at__lt=end
            ),
            "resolved_at",
            _("Incident"),
        ),
        (
            MaintenanceWindow,
            MaintenanceWindow.objects.published().filter(
                Q(completed_at__isnull=True) | Q(completed_at__gte=start),
                started_at__isnull=False,
                started_at__lt=end,
            ),
            "completed_at",
            _("Maintenance"),
        ),
    ]
    for model, events, ended_field, label in kinds:
        name = model._meta.model_name  # the M2M table's link to the event
        # One query a kind, of plain values: each event of the days with each of its
        # services (``uptime.of_services``: named, when few).
        links = uptime.of_services(
            model.services.through.objects.filter(**{f"{name}__in": events}), ids
        )
        links = links.order_by(f"{name}__started_at", f"{name}_id").values_list(
            f"{name}_id",
            "service_id",
            f"{name}__title",
            f"{name}__slug",
            f"{name}__started_at",
            f"{name}__{ended_field}",
        )
        items: dict[int, Event] = {}
        kind = str(label)
        # Each event's address from one reversing: SLUG stands for its slug.
        address = model(slug="SLUG").get_absolute_url()
        for event_id, service_id, title, slug, started, ended in links:
            if service_id not in ids:
                continue
            item = items.get(event_id)
            if item is None:
                url = address.replace("SLUG", slug)
                item = items[event_id] = Event(
                    kind=kind, title=title, url=url, model=model.kind, pk=event_id
                )
            day = max(started.astimezone(UTC).date(), first)
            while day <= min((ended or now).astimezone(UTC).date(), last):
                found[(service_id, day)].append(item)
                day += timedelta(days=1)
    return found


def _counted(first: date, last: date, now: datetime) -> list[tuple[date, float]]:
    """Each day from ``first`` to ``last`` with the minutes of it that have been."""
    now_day = today(now)
    since_midnight = (now - uptime.midnight(now_day)).total_seconds() / 60
    result = []
    day = first
    while day <= last:
        if day < now_day:
            result.append((day, FULL_DAY))
        elif day == now_day:
            result.append((day, since_midnight))
        else:
            result.append((day, 0.0))
        day += timedelta(days=1)
    return result


def _downtime(spent: dict | None, weight: dict) -> float:
    if not spent:
        return 0.0
    return sum(minutes * weight.get(status, 0.0) for status, minutes in spent.items())


def _eventful(spent: dict) -> bool:
    return any(status != OPERATIONAL and minutes > 0 for status, minutes in spent.items())
