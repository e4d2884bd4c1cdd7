"""The history feeds, /history.atom and /history.rss: events and their updates, newest first;
and a service's own, /services/<slug>.atom: only the events that affect it.

Each item is an announced incident or maintenance window, or one published
status update on it. Three queries build the feed however much history there
is: the newest updates, windows and incidents, each cut to the feed's length
(a service's feed first looks the service up: four).
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _

from faq.models import published_faq
from statuspage.caching.pages import public_page
from statuspage.common.links import absolute
from statuspage.common.text import render_markdown
from statuspage.models import Incident, MaintenanceWindow, Service, StatusUpdate
from statuspage.templatetags.status import event_time, window_times

FEED_ITEMS = 50


@dataclass(frozen=True)
class Entry:
    """One feed item, whatever it was made from."""

    title: str
    link: str
    description: str
    pubdate: datetime
    updated: datetime
    guid: str
    category: str


def _tag(kind: str, pk: int, created: datetime) -> str:
    """An RFC 4151 tag URI: stable even if the event's slug or the page layout changes."""
    host = urlsplit(settings.SITE_URL).hostname
    return f"tag:{host},{created:%Y-%m-%d}:{kind}/{pk}"


def faq_url(window: MaintenanceWindow) -> str | None:
    """The absolute URL of the window's FAQ, if readers may see it."""
    faq = published_faq(window)
    return absolute(faq.get_absolute_url()) if faq else None


def _update_entry(update: StatusUpdate) -> Entry:
    event = update.event
    return Entry(
        title=f"{event.title}: {update.status_label}",
        link=absolute(f"{event.get_absolute_url()}#update-{update.pk}"),
        description=render_markdown(update.body),
        pubdate=update.display_at,
        updated=update.updated_at,
        guid=_tag("update", update.pk, update.created_at),
        category=event.kind,
    )


def _window_entry(window: MaintenanceWindow) -> Entry:
    faq = faq_url(window)
    description = format_html("<p>{}</p><p>{}</p>", window.summary, window_times(window))
    if faq:
        description += format_html('<p><a href="{}">What happens to each service</a></p>', faq)
    return Entry(
        title=f"{window.title}: Planned maintenance announced",
        link=absolute(window.get_absolute_url()),
        description=description,
        pubdate=window.published_at,
        updated=window.updated_at,
        guid=_tag("maintenance", window.pk, window.created_at),
        category=window.kind,
    )


def _incident_entry(incident: Incident) -> Entry:
    return Entry(
        title=f"{incident.title}: Incident reported",
        link=absolute(incident.get_absolute_url()),
        description=format_html(
            "<p>{} impact, since {}.</p>",
            incident.get_impact_display(),
            event_time(incident.started_at, incident),
        ),
        pubdate=incident.published_at,
        updated=incident.updated_at,
        guid=_tag("incident", incident.pk, incident.created_at),
        category=incident.kind,
    )


def history_entries(limit: int = FEED_ITEMS, service: Service | None = None) -> list[Entry]:
    """The ``limit`` newest public events and updates, newest first; three queries.

    With ``service``, only the events that list it among their services, and the
    updates on them.
    """
    updates = StatusUpdate.objects.published().select_related("maintenance", "incident")
    windows = MaintenanceWindow.objects.published().select_related("faq")
    incidents = Incident.objects.published()
    if service is not None:
        windows = windows.filter(services=service)
        incidents = incidents.filter(services=service)
        updates = updates.filter(Q(maintenance__services=service) | Q(incident__services=service))
    entries = [
        *(_update_entry(u) for u in updates.order_by("-display_at", "-pk")[:limit]),
        *(_window_entry(w) for w in windows.order_by("-published_at", "-pk")[:limit]),
        *(_incident_entry(i) for i in incidents.order_by("-published_at", "-pk")[:limit]),
    ]
    return sorted(entries, key=lambda entry: entry.pubdate, reverse=True)[:limit]


class EntryFeed(Feed):
    """A feed of ``Entry`` items: what every feed here says of each item."""

    def author_name(self) -> str:
        return settings.SITE_NAME

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_link(self, item: Entry) -> str:
        return item.link

    def item_description(self, item: Entry) -> str:
        return item.description

    def item_pubdate(self, item: Entry) -> datetime:
        return item.pubdate

    def item_updateddate(self, item: Entry) -> datetime:
        return item.updated

    def item_guid(self, item: Entry) -> str:
        return item.guid

    item_guid_is_permalink = False

    def item_categories(self, item: Entry) -> tuple[str]:
        return (item.category,)


class HistoryRssFeed(EntryFeed):
    feed_type = Rss201rev2Feed
    url_name = "history_rss"

    def title(self) -> str:
        return f"{settings.SITE_NAME}: incidents and maintenance"

    def link(self) -> str:
        return absolute(reverse("statuspage:history"))

    def description(self) -> str:
        return (
            f"Incidents, planned maintenance and their progress updates from {settings.SITE_NAME}."
        )

    def feed_url(self) -> str:
        return absolute(reverse(self.url_name))

    def items(self) -> list[Entry]:
        return history_entries()


class HistoryAtomFeed(HistoryRssFeed):
    feed_type = Atom1Feed
    url_name = "history_atom"

    def subtitle(self) -> str:
        return self.description()


class ServiceAtomFeed(EntryFeed):
    """/services/<slug>.atom: the history feed of the events affecting one service."""

    feed_type = Atom1Feed

    def get_object(self, request, slug: str) -> Service:
        return get_object_or_404(Service, slug=slug)

    def title(self, service: Service) -> str:
        return _("%(site)s: %(service)s") % {"site": settings.SITE_NAME, "service": service.name}

    def link(self, service: Service) -> str:
        return absolute(service.get_absolute_url())

    def subtitle(self, service: Service) -> str:
        return _(
            "Incidents, planned maintenance and their progress updates affecting "
            "%(service)s, from %(site)s."
        ) % {"site": settings.SITE_NAME, "service": service.name}

    def feed_url(self, service: Service) -> str:
        return absolute(reverse("service_atom", args=[service.slug]))

    def items(self, service: Service) -> list[Entry]:
        return history_entries(service=service)


history_rss = public_page(HistoryRssFeed())
history_atom = public_page(HistoryAtomFeed())
service_atom = public_page(ServiceAtomFeed())
