"""Feeds, calendars and embeds: /history.atom, /history.rss, /maintenance.ics, badges."""

urlpatterns: list = []
