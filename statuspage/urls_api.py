"""The Statuspage-compatible JSON API, at /api/v2/."""

urlpatterns: list = []
