"""Feeds, calendars and embeds: /history.atom, /history.rss, /maintenance.ics, a service's
/services/<slug>.atom and .ics, badges."""

from django.urls import path

from statuspage.publishing import calendars, embeds, feeds

# Included at the site root, beside the status pages' `maintenance/<slug>/`,
# `maintenance/<slug>/timeline/` and `services/<slug>/`: the `.ics` and `.atom`
# suffixes and the `holding-page.html` segment keep these apart from them.
urlpatterns = [
    path("history.atom", feeds.history_atom, name="history_atom"),
    path("history.rss", feeds.history_rss, name="history_rss"),
    path("maintenance.ics", calendars.maintenance_ics, name="maintenance_ics"),
    path(
        "maintenance/<slug:slug>.ics",
        calendars.maintenance_window_ics,
        name="maintenance_window_ics",
    ),
    path("services/<slug:slug>.atom", feeds.service_atom, name="service_atom"),
    path("services/<slug:slug>.ics", calendars.service_ics, name="service_ics"),
    path("maintenance/<slug:slug>/holding-page.html", embeds.holding_page, name="holding_page"),
    path("badge.svg", embeds.badge, name="badge"),
    path("embed/banner.js", embeds.banner_js, name="banner_js"),
    path("embed/banner.json", embeds.banner_json, name="banner_json"),
]
