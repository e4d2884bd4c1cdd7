"""The Statuspage-compatible JSON API, at /api/v2/."""

from django.urls import path, re_path

from statuspage.publishing.api import views as api

app_name = "api"

urlpatterns = [
    path("summary.json", api.summary, name="summary"),
    path("status.json", api.page_status, name="status"),
    path("components.json", api.component_list, name="components"),
    path("incidents.json", api.incident_list, name="incidents"),
    path("incidents/unresolved.json", api.unresolved_incidents, name="incidents_unresolved"),
    path("scheduled-maintenances.json", api.maintenance_list, name="maintenances"),
    path(
        "scheduled-maintenances/upcoming.json",
        api.upcoming_maintenances,
        name="maintenances_upcoming",
    ),
    path("scheduled-maintenances/active.json", api.active_maintenances, name="maintenances_active"),
    path("openapi.json", api.openapi, name="openapi"),
    # Last: anything else under /api/v2/ is a 404 in JSON, not the site's HTML page
    # (newlines too, which "." would not match).
    re_path(r"^(?P<path>[\s\S]*)$", api.not_found, name="not_found"),
]
