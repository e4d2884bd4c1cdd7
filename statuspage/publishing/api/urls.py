"""The Statuspage-compatible JSON API, and the service history beside it, at /api/v2/."""

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
    path("uptime.json", api.uptime_list, name="uptime"),
    # Services only (a group has no history of its own); an id of 19 digits or more is no
    # service's, and too large for the database's integers.
    re_path(
        r"^components/service-(?P<pk>[1-9][0-9]{0,17})/uptime\.json\Z",
        api.component_uptime,
        name="component_uptime",
    ),
    path("openapi.json", api.openapi, name="openapi"),
    # Last: anything else under /api/v2/ is a 404 in JSON, not the site's HTML page
    # (newlines too, which "." would not match).
    re_path(r"^(?P<path>[\s\S]*)$", api.not_found, name="not_found"),
]
