"""What other sites embed or serve: a status badge, a maintenance banner, a holding page."""

import base64
import hashlib
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.clickjacking import xframe_options_exempt

from statuspage.caching.pages import public_page
from statuspage.common.links import absolute
from statuspage.models import (
    ACTIVE_MAINTENANCE_STATUSES,
    Incident,
    MaintenanceWindow,
    Service,
)
from statuspage.publishing.feeds import faq_url
from statuspage.selectors import overall_indicator

# By Statuspage indicator: shields.io's hues, darkened so white text keeps a 4.5:1 contrast.
BADGE_COLOURS = {
    "none": "#3c8527",
    "maintenance": "#0b6bb3",
    "minor": "#9a6700",
    "major": "#c4420f",
    "critical": "#c62828",
}
BADGE_LABEL = "status"
# Verdana at 11px, the badge's font, averages about this many pixels a character.
CHAR_WIDTH = 6.8
BADGE_PADDING = 6
# How far ahead the banner announces planned maintenance.
BANNER_AHEAD = timedelta(days=7)
# Other sites' pages hold on to what they fetched for this long (seconds): the
# badge and banner data a minute, like the ETags; the script, which rarely changes, an hour.
EMBED_MAX_AGE = 60
BANNER_SCRIPT_MAX_AGE = 3600


def _text_width(text: str) -> int:
    return round(len(text) * CHAR_WIDTH)


# A picture with nothing to click: dashboards may frame it as well as show it with <img>.
@xframe_options_exempt
@cache_control(public=True, max_age=EMBED_MAX_AGE)
@public_page
def badge(request):
    """A shields.io-style SVG: “status | all systems operational”, coloured by indicator."""
    indicator = overall_indicator(
        Service.objects.order_by().values_list("status", flat=True).distinct(),
        list(Incident.objects.unresolved().only("status", "impact")),
        list(MaintenanceWindow.objects.current().only("status")),
    )
    message = indicator.description.lower()
    label_width = _text_width(BADGE_LABEL) + 2 * BADGE_PADDING
    message_width = _text_width(message) + 2 * BADGE_PADDING
    context = {
        "label": BADGE_LABEL,
        "message": message,
        "colour": BADGE_COLOURS[indicator.value],
        "label_width": label_width,
        "message_width": message_width,
        "width": label_width + message_width,
        "label_text": {"x": label_width / 2, "length": _text_width(BADGE_LABEL)},
        "message_text": {"x": label_width + message_width / 2, "length": _text_width(message)},
    }
    response = render(request, "statuspage/embeds/badge.svg", context, content_type="image/svg+xml")
    # Opened on its own, the SVG is a document of our site; it needs nothing at all.
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@cache_control(public=True, max_age=BANNER_SCRIPT_MAX_AGE)
@public_page
def banner_js(request):
    """static/js/banner.js at /embed/banner.js, next to the JSON it fetches."""
    with open(finders.find("js/banner.js"), "rb") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    # Other sites load it, also those that isolate themselves (COEP require-corp).
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _allow_any_origin(view):
    """Let scripts on any site read the response (also the 304s of ``public_page``)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def banner_events() -> list[dict]:
    """Unresolved incidents, maintenance under way and maintenance in the next 7 days.

    Two queries.
    """
    now = timezone.now()
    windows = (
        MaintenanceWindow.objects.current()
        .filter(
            Q(status__in=ACTIVE_MAINTENANCE_STATUSES)
            | Q(scheduled_start__lte=now + BANNER_AHEAD, scheduled_end__gte=now)
        )
        .order_by("scheduled_start", "pk")
    )
    incidents = Incident.objects.unresolved().order_by("-started_at", "pk")
    return [
        *(_banner_event(i, start=i.started_at, end=None) for i in incidents),
        *(_banner_event(w, start=w.scheduled_start, end=w.scheduled_end) for w in windows),
    ]


def _banner_event(event, *, start, end) -> dict:
    return {
        "kind": event.kind,
        "title": event.title,
        "status": event.status,
        "status_label": event.get_status_display(),
        "active": event.is_active,
        "start": start.isoformat(),
        "end": end.isoformat() if end else None,
        "url": absolute(event.get_absolute_url()),
    }


@_allow_any_origin
@cache_control(public=True, max_age=EMBED_MAX_AGE)
@public_page
def banner_json(request):
    return JsonResponse(
        {"status_page": absolute(reverse("statuspage:home")), "events": banner_events()}
    )


def _holding_page_style() -> tuple[str, str]:
    """The holding page's inline style and the policy that allows it, and nothing else."""
    style = render_to_string("statuspage/embeds/holding_page.css")
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    return style, policy


@public_page
def holding_page(request, slug: str):
    """A self-contained page that operators serve from systems the window takes down.

    Its only style is inline, so nothing is fetched and the page works with the network
    down; the policy that allows exactly that style (by its hash) travels inside the page,
    in a <meta>, for the servers that serve it, and comes in the header from here.
    """
    window = get_object_or_404(
        MaintenanceWindow.objects.published().select_related("faq"), slug=slug
    )
    style, policy = _holding_page_style()
    context = {
        "window": window,
        "faq_url": faq_url(window),
        "status_url": absolute(window.get_absolute_url()),
        "site_name": settings.SITE_NAME,
        "style": style,
        "policy": policy,
    }
    response = render(request, "statuspage/embeds/holding_page.html", context)
    response["Content-Disposition"] = f'inline; filename="{window.slug}-holding-page.html"'
    # frame-ancestors works only in the header, not in a <meta>.
    response["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
    return response
