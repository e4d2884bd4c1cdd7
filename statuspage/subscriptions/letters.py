"""What a notice e-mail says, as HTML and as text: the event and its status now, the
affected services with their change (the reader's own first), the times, the update's
words with their links, what to do from the FAQ's entries, and where to read more.

A notice is written once per choice of services among its readers (most choose all) and
then given each reader's own manage link, so that ten thousand readers cost a handful of
renders, not ten thousand.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from faq.models import ImpactEntry, ImpactLevel, published_faq
from statuspage.common.links import absolute
from statuspage.common.mail import render_text
from statuspage.common.text import markdown_text, render_markdown
from statuspage.models import Incident, MaintenanceWindow, StatusUpdate
from statuspage.subscriptions.tokens import MANAGE
from statuspage.templatetags.status import event_time, hours, window_times

# A reader of every service is shown at most this many entries' advice, then the FAQ.
ADVICE_SHOWN = 8


@dataclass
class Notice:
    """One thing to tell the readers of ``event``."""

    event: MaintenanceWindow | Incident
    subject: str
    headline: str  # what happened, in a line
    intro: str = ""
    update: StatusUpdate | None = None
    times: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._services = list(self.event.services.all())
        self._changes = {}
        if self.update is not None and self.update.pk:  # unsaved: the composer's preview
            self._changes = {c.service_id: c for c in self.update.service_changes.all()}
        self._faq = published_faq(self.event) if isinstance(self.event, MaintenanceWindow) else None
        self._entries = []
        if self._faq is not None:
            self._entries = list(
                ImpactEntry.objects.published()
                .filter(faq=self._faq)
                .exclude(level=ImpactLevel.UNAFFECTED)
                .select_related("service", "section")
            )
        self.times = self.times or event_times(self.event)
        self._written: dict[frozenset[int], tuple[str, str]] = {}

    def written_for(self, chosen: frozenset[int]) -> tuple[str, str]:
        """The notice's text and HTML for a reader of the services ``chosen`` (empty: a
        reader of all services), with ``MANAGE`` where their manage link goes. Who is a
        reader at all is decided by notices, which never asks for one who chose services
        and has none left."""
        if chosen not in self._written:
            context = self._context(chosen)
            self._written[chosen] = (
                render_text("statuspage/email/notice.txt", context),
                render_to_string("statuspage/email/notice.html", context),
            )
        return self._written[chosen]

    def facts(self) -> dict:
        """What the notice says to a reader of all services, unrendered: the event, its
        ``kind`` and ``status``, ``event_url``, ``services`` (name and status each),
        ``update_text`` and ``update_time``; for chat messages, which shape their own."""
        return self._context(frozenset())

    def _context(self, chosen: frozenset[int]) -> dict:
        event, update = self.event, self.update
        services = sorted(self._services, key=lambda s: s.pk not in chosen)
        entries = [e for e in self._entries if not chosen or e.service_id in chosen]
        shown = entries if chosen else [e for e in entries if e.advice][:ADVICE_SHOWN]
        return {
            "site_name": settings.SITE_NAME,
            "notice": self,
            "event": event,
            "kind": _("Planned maintenance")
            if isinstance(event, MaintenanceWindow)
            else _("Incident"),
            "status": update.status_label if update else event.get_status_display(),
            "event_url": absolute(event.get_absolute_url()),
            "faq_url": absolute(self._faq.get_absolute_url()) if self._faq else "",
            "manage_url": MANAGE,
            "update_time": event_time(update.display_at, event) if update else "",
            "update_html": _sanitised(update.body) if update else "",
            "update_text": markdown_text(update.body) if update else "",
            "services": [self._service_row(s, chosen) for s in services],
            "entries": [
                {
                    "entry": entry,
                    "advice_html": _sanitised(entry.advice),
                    "advice_text": markdown_text(entry.advice),
                    "url": absolute(f"{self._faq.get_absolute_url()}#{entry.anchor}"),
                }
                for entry in shown
            ],
            "more_entries": len(entries) - len(shown),
            "chosen": bool(chosen),
        }

    def _service_row(self, service, chosen: frozenset[int]) -> dict:
        change = self._changes.get(service.pk)
        if change is not None:
            status = f"{change.get_old_status_display()} → {change.get_new_status_display()}"
        else:
            status = service.get_status_display()
        return {"name": service.name, "status": status, "yours": service.pk in chosen}


def _sanitised(markdown: str) -> str:
    return mark_safe(render_markdown(markdown))  # noqa: S308 - nh3 allowed only what is safe


def event_times(event) -> list[tuple[str, str]]:
    """The times a reader needs: planned, and as it went, each in the event's zone and UTC."""
    if isinstance(event, MaintenanceWindow):
        rows = [(_("Planned"), window_times(event))]
        start, end = event.started_at, event.completed_at
        labels = (_("Started"), _("Completed"))
    else:
        rows = []
        start, end = event.started_at, event.resolved_at
        labels = (_("Began"), _("Resolved"))
    if start:
        rows.append((labels[0], event_time(start, event)))
    if end:
        rows.append((labels[1], event_time(end, event)))
    if start and end:
        rows.append((_("Lasted"), hours(end - start) or _("under a minute")))
    return rows
