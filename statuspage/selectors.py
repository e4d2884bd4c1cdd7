"""Page-level reads for the status pages. Each runs a fixed number of queries."""

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from statuspage.models import MaintenanceWindow, Service, ServiceStatus


@dataclass(frozen=True)
class Indicator:
    """Statuspage's overall indicator: none, minor, major, critical or maintenance."""

    value: str
    description: str


_INDICATORS = {
    ServiceStatus.MAJOR_OUTAGE: Indicator("critical", "Major system outage"),
    ServiceStatus.PARTIAL_OUTAGE: Indicator("major", "Partial system outage"),
    ServiceStatus.DEGRADED_PERFORMANCE: Indicator("minor", "Partially degraded service"),
    ServiceStatus.UNDER_MAINTENANCE: Indicator("maintenance", "Service under maintenance"),
}
ALL_OPERATIONAL = Indicator("none", "All systems operational")
_SEVERITY = list(ServiceStatus.values)


def overall_indicator(services: list[Service]) -> Indicator:
    """The indicator of the worst service status."""
    worst = max((service.status for service in services), key=_SEVERITY.index, default=None)
    return _INDICATORS.get(worst, ALL_OPERATIONAL)


def _windows_with_services(queryset):
    return queryset.select_related("faq").prefetch_related(
        Prefetch("services", queryset=Service.objects.select_related("group"))
    )


def home_page() -> dict:
    services = list(Service.objects.select_related("group"))
    return {
        "indicator": overall_indicator(services),
        "service_groups": [
            (group, list(members)) for group, members in groupby(services, key=lambda s: s.group)
        ],
        "current_windows": list(
            _windows_with_services(MaintenanceWindow.objects.current()).order_by("scheduled_start")
        ),
        "recent_windows": list(
            MaintenanceWindow.objects.past().select_related("faq").order_by("-scheduled_start")[:5]
        ),
    }


def service_page(*, slug: str) -> dict:
    service = get_object_or_404(Service.objects.select_related("group"), slug=slug)
    windows = _windows_with_services(
        MaintenanceWindow.objects.published().filter(services=service)
    ).order_by("-scheduled_start")
    return {"service": service, "windows": list(windows)}


def maintenance_page(*, slug: str) -> dict:
    window = get_object_or_404(
        _windows_with_services(MaintenanceWindow.objects.published()), slug=slug
    )
    return {"window": window}
