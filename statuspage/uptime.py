"""Uptime, from the minutes each service spent in each status (its ``StatusChange`` rows).

The rule is Statuspage's and Instatus's, the one customers know: a day's downtime is its
minutes in *major outage*, plus ``UPTIME_PARTIAL_WEIGHT`` (0.3) of its minutes in *partial
outage*; *degraded performance* and *under maintenance* count as up, because maintenance
announced in advance is not an outage. Uptime is the share of the minutes counted that were
not downtime. Days are UTC days; today counts up to now, and the future not at all.

A service's status before the first change in a range is the one that change moved it
from, or, with no change since, its status now: the history is only ever added to, in order
(``services.service_status_set``), so walking it forward from there is exact.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from statuspage.models import ServiceStatus, StatusChange

DAY = timedelta(days=1)


def weights() -> dict[str, float]:
    """How much of a minute in each status is downtime."""
    return {
        ServiceStatus.MAJOR_OUTAGE: 1.0,
        ServiceStatus.PARTIAL_OUTAGE: settings.UPTIME_PARTIAL_WEIGHT,
    }


@dataclass
class Period:
    """The minutes a service spent in each status over a day or a month."""

    start: date
    minutes: dict[str, float] = field(default_factory=dict)

    @property
    def counted(self) -> float:
        return sum(self.minutes.values())

    @property
    def downtime(self) -> float:
        weight = weights()
        return sum(minutes * weight.get(status, 0.0) for status, minutes in self.minutes.items())

    @property
    def uptime_percent(self) -> float | None:
        """None for a period with nothing counted (it has not begun)."""
        if not self.counted:
            return None
        return 100.0 * (1.0 - self.downtime / self.counted)

    def add(self, other: "Period") -> None:
        for status, minutes in other.minutes.items():
            self.minutes[status] = self.minutes.get(status, 0.0) + minutes


def days(services, first: date, last: date, *, now: datetime | None = None) -> dict:
    """``{service id: [Period for each UTC day from first to last]}`` for ``services``
    (their ``status`` now is read): one query for all of them."""
    now = now or timezone.now()
    start = midnight(first)
    end = min(midnight(last) + DAY, now)
    by_service = defaultdict(list)
    ids = {service.pk for service in services}
    changes = of_services(StatusChange.objects.filter(at__gte=start), ids)
    for service_id, at, old, new in changes.order_by("at", "pk").values_list(
        "service_id", "at", "old_status", "new_status"
    ):
        by_service[service_id].append((at, old, new))
    count = (last - first).days + 1
    result = {}
    for service in services:
        periods = [Period(start=first + timedelta(days=n)) for n in range(count)]
        history = by_service.get(service.pk, [])
        status = history[0][1] if history else service.status
        cursor = start
        for at, _old, new in history:
            if at >= end:
                break
            _spread(periods, first, status, cursor, at)
            cursor, status = at, new
        _spread(periods, first, status, cursor, end)
        result[service.pk] = periods
    return result


def months(periods: list[Period]) -> list[Period]:
    """Days summed by calendar month, oldest first."""
    by_month: dict[date, Period] = {}
    for day in periods:
        month = day.start.replace(day=1)
        by_month.setdefault(month, Period(start=month)).add(day)
    return list(by_month.values())


def total(periods: list[Period]) -> Period:
    """``periods`` (at least one) summed, as one."""
    whole = Period(start=periods[0].start)
    for period in periods:
        whole.add(period)
    return whole


# Up to this many services, a query names them; beyond, it is bounded otherwise (by the
# days) and the rows of other services are left here: SQLite takes ten times as long over
# a list of 800 ids as over the rows it would save.
FEW_SERVICES = 50


def of_services(queryset, ids: set[int]):
    """``queryset`` (of rows with a ``service``) narrowed to ``ids`` when they are few; the
    caller skips the rows of other services."""
    return queryset.filter(service__in=ids) if len(ids) <= FEW_SERVICES else queryset


def midnight(day: date) -> datetime:
    """The start of the UTC day ``day``."""
    return datetime.combine(day, time(), tzinfo=UTC)


def _spread(periods: list[Period], first: date, status: str, a: datetime, b: datetime) -> None:
    """Add the minutes from ``a`` to ``b`` in ``status`` to the days they fall on."""
    while a < b:
        day = a.astimezone(UTC).date()
        boundary = min(midnight(day) + DAY, b)
        index = (day - first).days
        if 0 <= index < len(periods):
            minutes = periods[index].minutes
            minutes[status] = minutes.get(status, 0.0) + (boundary - a).total_seconds() / 60
        a = boundary
