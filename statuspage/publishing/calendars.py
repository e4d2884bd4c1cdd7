"""Maintenance windows as iCalendar: subscribable feeds (every window, or the windows
affecting one service) and a file per window.

Calendar applications match a window across refreshes by its UID and replace
their copy when its SEQUENCE rises (the window moved or was cancelled).
Cancelled windows stay in the feed with STATUS:CANCELLED, so that subscribers'
calendars remove them instead of keeping a stale copy.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage.caching.pages import public_page
from statuspage.common.links import absolute
from statuspage.models import MaintenanceStatus, MaintenanceWindow, Service
from statuspage.publishing.feeds import faq_url

# Windows that ended longer ago than this drop out of the subscribed feed.
RECENT = timedelta(days=90)
# How often subscribers are asked to fetch the feed again.
REFRESH = timedelta(hours=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"
EVENT_STATUS = {
    MaintenanceStatus.CANCELLED: "CANCELLED",
    MaintenanceStatus.POSTPONED: "TENTATIVE",
}


def _calendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//Maintenance calendar//EN")
    calendar.add("version", "2.0")
    return calendar


def window_event(window: MaintenanceWindow) -> icalendar.Event:
    """The VEVENT of a published ``window``, loaded with its FAQ."""
    faq = faq_url(window)
    page_url = absolute(window.get_absolute_url())
    details = f"FAQ: {faq}" if faq else f"Details: {page_url}"
    event = icalendar.Event()
    event.add("uid", f"maintenance-{window.pk}@{urlsplit(settings.SITE_URL).hostname}")
    event.add("dtstamp", window.updated_at)
    event.add("created", window.created_at)
    event.add("last-modified", window.updated_at)
    event.add("sequence", window.sequence)
    event.add("dtstart", window.scheduled_start)
    event.add("dtend", window.scheduled_end)
    event.add("summary", window.title)
    event.add("description", f"{window.summary}\n\n{details}")
    event.add("url", faq or page_url)
    event.add("status", EVENT_STATUS.get(window.status, "CONFIRMED"))
    # Subscribers stay free in their own calendars while our systems are down.
    event.add("transp", "TRANSPARENT")
    return event


def _subscribed_calendar(windows, name: str, description: str) -> icalendar.Calendar:
    """A subscribable calendar of those of ``windows`` that have not ended, or ended in
    the last 90 days; one query."""
    windows = (
        windows.filter(scheduled_end__gte=timezone.now() - RECENT)
        .select_related("faq")
        .order_by("scheduled_start", "pk")
    )
    calendar = _calendar()
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for window in windows:
        calendar.add_component(window_event(window))
    return calendar


def maintenance_calendar() -> icalendar.Calendar:
    """Published windows that have not ended, or ended in the last 90 days; one query."""
    return _subscribed_calendar(
        MaintenanceWindow.objects.published(),
        f"{settings.SITE_NAME} maintenance",
        f"Planned maintenance announced on {settings.SITE_NAME}.",
    )


def service_calendar(service: Service) -> icalendar.Calendar:
    """``maintenance_calendar`` of the windows affecting ``service``; one query."""
    names = {"site": settings.SITE_NAME, "service": service.name}
    return _subscribed_calendar(
        MaintenanceWindow.objects.published().filter(services=service),
        _("%(site)s maintenance: %(service)s") % names,
        _("Planned maintenance affecting %(service)s, announced on %(site)s.") % names,
    )


@public_page
def maintenance_ics(request):
    return HttpResponse(maintenance_calendar().to_ical(), content_type=CONTENT_TYPE)


@public_page
def service_ics(request, slug: str):
    service = get_object_or_404(Service, slug=slug)
    return HttpResponse(service_calendar(service).to_ical(), content_type=CONTENT_TYPE)


@public_page
def maintenance_window_ics(request, slug: str):
    window = get_object_or_404(
        MaintenanceWindow.objects.published().select_related("faq"), slug=slug
    )
    calendar = _calendar()
    calendar.add_component(window_event(window))
    response = HttpResponse(calendar.to_ical(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{window.slug}.ics"'
    return response
