"""The management API, compatible with Atlassian Statuspage's, at /api/v1/."""

from django.urls import path, re_path

from statuspage.automation import alerts, components, incidents, subscribers, views

app_name = "api_v1"

urlpatterns = [
    path("pages/<str:page_id>", views.page, name="page"),
    # Each resource's own addresses, from its module (all under pages/<page_id>/, as
    # Statuspage's, but the alert receivers).
    *components.urlpatterns,
    *incidents.urlpatterns,
    *subscribers.urlpatterns,
    *alerts.urlpatterns,
    # Last: anything else under /api/v1/ is a 404 in JSON (newlines too).
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found, name="not_found"),
]
