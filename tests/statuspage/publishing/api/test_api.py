"""The Statuspage-compatible JSON API at /api/v2/, through HTTP."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from statuspage import services
from statuspage.models import (
    IncidentImpact,
    IncidentStatus,
    MaintenanceStatus,
    Service,
    ServiceStatus,
)
from tests.factories import (
    FAQFactory,
    ImpactEntryFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    SectionFactory,
    ServiceFactory,
    StatusUpdateFactory,
)

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
# endpoint -> its response schema in openapi.json
ENDPOINTS = {
    "summary.json": "SummaryResponse",
    "status.json": "StatusResponse",
    "components.json": "ComponentsResponse",
    "incidents.json": "IncidentsResponse",
    "incidents/unresolved.json": "IncidentsResponse",
    "scheduled-maintenances.json": "ScheduledMaintenancesResponse",
    "scheduled-maintenances/upcoming.json": "ScheduledMaintenancesResponse",
    "scheduled-maintenances/active.json": "ScheduledMaintenancesResponse",
}
OPENAPI = json.loads(
    (Path(settings.BASE_DIR) / "statuspage" / "publishing" / "api" / "openapi.json").read_text(
        encoding="utf-8"
    )
)
# services+groups; the latest change to any event; incidents; their services; their updates;
# the updates' service changes; their posts on X; the same five for windows (with FAQs); the
# windows' impact entries
SUMMARY_QUERIES = 13

# --- Statuspage's documented shapes, written independently of openapi.json -----------------


def _object(required: dict, **extra) -> dict:
    return {"type": "object", "required": list(required), "properties": required, **extra}


STRING = {"type": "string"}
MAYBE_STRING = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
MAYBE_TIME = {"type": ["string", "null"], "format": "date-time"}
COMPONENT_STATUS = {
    "enum": [
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "under_maintenance",
    ]
}
PAGE = _object(
    {"id": STRING, "name": STRING, "url": STRING, "time_zone": STRING, "updated_at": TIME}
)
STATUS = _object(
    {
        "indicator": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
        "description": STRING,
    }
)
COMPONENT = _object(
    {
        "id": STRING,
        "name": STRING,
        "status": COMPONENT_STATUS,
        "created_at": TIME,
        "updated_at": TIME,
        "position": {"type": "integer"},
        "description": MAYBE_STRING,
        "showcase": {"type": "boolean"},
        "start_date": MAYBE_STRING,
        "group_id": MAYBE_STRING,
        "page_id": STRING,
        "group": {"type": "boolean"},
        "only_show_if_degraded": {"type": "boolean"},
    },
    **{"if": {"properties": {"group": {"const": True}}}, "then": {"required": ["components"]}},
)


def _event(statuses: list[str], impacts: list[str], **extra) -> dict:
    update = _object(
        {
            "id": STRING,
            "status": {"enum": statuses},
            "body": STRING,
            "incident_id": STRING,
            "created_at": TIME,
            "updated_at": TIME,
            "display_at": TIME,
            "affected_components": {
                "type": ["array", "null"],
                "items": _object(
                    {
                        "code": STRING,
                        "name": STRING,
                        "old_status": COMPONENT_STATUS,
                        "new_status": COMPONENT_STATUS,
                    }
                ),
            },
            "deliver_notifications": {"type": "boolean"},
            "custom_tweet": MAYBE_STRING,
            "tweet_id": MAYBE_STRING,
        }
    )
    return _object(
        {
            "id": STRING,
            "name": STRING,
            "status": {"enum": statuses},
            "created_at": TIME,
            "updated_at": TIME,
            "monitoring_at": MAYBE_TIME,
            "resolved_at": MAYBE_TIME,
            "impact": {"enum": impacts},
            "shortlink": STRING,
            "started_at": TIME,
            "page_id": STRING,
            "incident_updates": {"type": "array", "items": update},
            "components": {"type": "array", "items": COMPONENT},
            **extra,
        }
    )


INCIDENT = _event(
    ["investigating", "identified", "monitoring", "resolved", "postmortem"],
    ["none", "minor", "major", "critical"],
)
MAINTENANCE = _event(
    ["scheduled", "in_progress", "verifying", "completed"],
    ["maintenance"],
    scheduled_for=TIME,
    scheduled_until=TIME,
)
LISTS = {
    "components": COMPONENT,
    "incidents": INCIDENT,
    "scheduled_maintenances": MAINTENANCE,
}
STATUSPAGE_SHAPES = {
    "summary.json": ["page", "status", "components", "incidents", "scheduled_maintenances"],
    "status.json": ["page", "status"],
    "components.json": ["page", "components"],
    "incidents.json": ["page", "incidents"],
    "incidents/unresolved.json": ["page", "incidents"],
    "scheduled-maintenances.json": ["page", "scheduled_maintenances"],
    "scheduled-maintenances/upcoming.json": ["page", "scheduled_maintenances"],
    "scheduled-maintenances/active.json": ["page", "scheduled_maintenances"],
}


def _statuspage_schema(endpoint: str) -> dict:
    parts = {"page": PAGE, "status": STATUS}
    parts |= {key: {"type": "array", "items": item} for key, item in LISTS.items()}
    return _object({key: parts[key] for key in STATUSPAGE_SHAPES[endpoint]})


def _validate(instance, schema: dict, registry: Registry | None = None) -> None:
    validator = jsonschema.Draft202012Validator(
        schema,
        registry=registry or Registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(instance)


def _validate_against_openapi(instance, schema_name: str) -> None:
    resource = Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    _validate(instance, {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}, registry)


def _get(client, endpoint: str, **headers):
    return client.get(f"/api/v2/{endpoint}", headers=headers)


# --- data ------------------------------------------------------------------------------------


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def site(now, demo):
    """The demo, plus an unresolved and a resolved incident and a window under way."""
    api, app = Service.objects.get(slug="dotmailer-api"), Service.objects.get(slug="dotsurvey")
    incident = IncidentFactory(
        title="Slow API",
        impact=IncidentImpact.MAJOR,
        services=[api],
        published_at=now,
        started_at=now - timedelta(hours=1),
    )
    services.update_post(
        event=incident,
        author=None,
        body="We have found the cause.",
        status=IncidentStatus.IDENTIFIED,
        service_statuses={api: ServiceStatus.PARTIAL_OUTAGE},
    )
    resolved = IncidentFactory(
        title="Bounces late", services=[app], published_at=now, started_at=now - timedelta(hours=2)
    )
    services.update_post(event=resolved, author=None, body="Fixed.", status="resolved")
    window = MaintenanceWindowFactory(
        title="Disk swap", services=[app], scheduled_start=now, published_at=now
    )
    services.maintenance_transition(window=window, to=MaintenanceStatus.IN_PROGRESS, author=None)
    return {"incident": incident, "resolved": resolved, "window": window, "api": api}


# --- shapes ----------------------------------------------------------------------------------


def test_openapi_document_is_valid_and_served(db, client):
    validate_openapi(OPENAPI)
    response = _get(client, "openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == OPENAPI
    statuspage = {f"/{endpoint}" for endpoint in ENDPOINTS} | {"/openapi.json"}
    history = {"/uptime.json", "/components/{component_id}/uptime.json"}  # test_uptime_api.py
    # At /api/v1, each path with its own server: tests/statuspage/automation/.
    management = {path for path, item in OPENAPI["paths"].items() if item.get("servers")}
    assert "/pages/{page_id}" in management
    assert set(OPENAPI["paths"]) == statuspage | history | management


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_has_statuspage_shapes_and_its_documented_schema(site, client, endpoint):
    response = _get(client, endpoint)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    _validate(data, _statuspage_schema(endpoint))
    _validate_against_openapi(data, ENDPOINTS[endpoint])
    assert data["page"] == {
        "id": data["page"]["id"],
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL,
        "time_zone": "Etc/UTC",
        "updated_at": "2030-06-01T12:00:00.000Z",
    }
    for key in ["components", "incidents", "scheduled_maintenances"]:
        assert data.get(key, [None]), f"{endpoint} has no {key} to check"


def test_groups_are_group_components_and_services_name_their_group(demo, client):
    components = _get(client, "components.json").json()["components"]
    by_id = {component["id"]: component for component in components}
    group = next(c for c in components if c["name"] == "Email marketing")
    assert group["group"] is True
    assert [by_id[child]["name"] for child in group["components"]] == [
        "dotMailer application",
        "dotMailer API",
        "Facebook application",
    ]
    assert all(by_id[child]["group_id"] == group["id"] for child in group["components"])
    assert [c["position"] for c in components] == list(range(1, len(components) + 1))
    assert len({c["id"] for c in components}) == len(components) == 4 + 8


def test_a_group_shows_its_worst_service_status(demo, client):
    Service.objects.filter(slug="dotmailer-api").update(status=ServiceStatus.MAJOR_OUTAGE)
    Service.objects.filter(slug="dotmailer-application").update(
        status=ServiceStatus.UNDER_MAINTENANCE
    )
    components = _get(client, "components.json").json()["components"]
    group = next(c for c in components if c["name"] == "Email marketing")
    assert group["status"] == "major_outage"


def test_updates_list_the_services_they_changed(site, client):
    incident = _get(client, "incidents/unresolved.json").json()["incidents"][0]
    assert incident["id"] == f"incident-{site['incident'].pk}"
    assert incident["impact"] == "major"
    assert incident["status"] == "identified"
    assert incident["shortlink"] == f"{settings.SITE_URL}/incidents/{site['incident'].slug}/"
    [update] = incident["incident_updates"]
    assert update["incident_id"] == incident["id"]
    assert update["body"] == "We have found the cause."
    assert update["affected_components"] == [
        {
            "code": f"service-{site['api'].pk}",
            "name": "dotMailer API",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    assert [c["id"] for c in incident["components"]] == [f"service-{site['api'].pk}"]


def test_updates_that_change_no_service_have_an_empty_list(site, client):
    resolved = _get(client, "incidents.json").json()["incidents"]
    resolved = next(i for i in resolved if i["name"] == "Bounces late")
    assert resolved["resolved_at"] == "2030-06-01T12:00:00.000Z"
    assert resolved["incident_updates"][0]["affected_components"] == []


# --- what is public --------------------------------------------------------------------------


@pytest.mark.django_db
def test_drafts_never_appear(now, client):
    MaintenanceWindowFactory(title="Secret migration", published_at=None)
    IncidentFactory(title="Secret outage", published_at=None)
    incident = IncidentFactory(title="Known outage")
    services.update_post(event=incident, author=None, body="Draft words.", publish=False)
    StatusUpdateFactory(
        maintenance=MaintenanceWindowFactory(title="Open window"),
        body="Unpublished note.",
        published_at=None,
    )
    hidden_faq = FAQFactory(window__title="Window with a draft FAQ", published_at=None)
    ImpactEntryFactory(section__faq=hidden_faq, subject="Hidden entry")
    faq = FAQFactory(window__title="Window with a FAQ")
    ImpactEntryFactory(section__faq=faq, subject="Shown entry")
    ImpactEntryFactory(
        section=SectionFactory(faq=faq, is_draft=True), subject="Entry in a draft section"
    )
    pages = "".join(_get(client, endpoint).content.decode() for endpoint in ENDPOINTS)
    for secret in [
        "Secret migration",
        "Secret outage",
        "Draft words.",
        "Unpublished note.",
        "Hidden entry",
        "Entry in a draft section",
    ]:
        assert secret not in pages
    assert "Known outage" in pages
    assert "Shown entry" in pages
    windows = _get(client, "scheduled-maintenances.json").json()["scheduled_maintenances"]
    draft_faq = next(w for w in windows if w["name"] == "Window with a draft FAQ")
    assert draft_faq["faq_url"] is None
    assert draft_faq["impact_entries"] == []
    with_faq = next(w for w in windows if w["name"] == "Window with a FAQ")
    assert with_faq["faq_url"] == f"{settings.SITE_URL}/faq/{faq.slug}/"


@pytest.mark.parametrize(
    ("setup", "indicator"),
    [
        ({}, "none"),
        ({"service": ServiceStatus.DEGRADED_PERFORMANCE}, "minor"),
        ({"service": ServiceStatus.PARTIAL_OUTAGE}, "major"),
        ({"service": ServiceStatus.MAJOR_OUTAGE}, "critical"),
        ({"window": MaintenanceStatus.IN_PROGRESS}, "maintenance"),
        ({"window": MaintenanceStatus.SCHEDULED}, "none"),
        ({"incident": IncidentImpact.CRITICAL}, "critical"),
        ({"incident": IncidentImpact.MINOR, "window": MaintenanceStatus.VERIFYING}, "minor"),
    ],
)
@pytest.mark.django_db
def test_status_indicator(client, setup, indicator):
    ServiceFactory(status=setup.get("service", ServiceStatus.OPERATIONAL))
    if "window" in setup:
        MaintenanceWindowFactory(status=setup["window"])
    if "incident" in setup:
        IncidentFactory(impact=setup["incident"])
        IncidentFactory(impact=IncidentImpact.CRITICAL, status=IncidentStatus.RESOLVED)
    status = _get(client, "status.json").json()["status"]
    assert status["indicator"] == indicator
    assert _get(client, "summary.json").json()["status"] == status


def _names(client, endpoint: str, key: str) -> list[str]:
    return [event["name"] for event in _get(client, endpoint).json()[key]]


def test_unresolved_incidents_leave_out_resolved_ones(site, client):
    every = _names(client, "incidents.json", "incidents")
    assert every[:2] == ["Slow API", "Bounces late"]
    assert len(every) == 2 + 6  # then the demo's past incidents, weeks old
    assert _names(client, "incidents/unresolved.json", "incidents") == ["Slow API"]
    assert _names(client, "summary.json", "incidents") == ["Slow API"]


def test_upcoming_and_active_maintenance(site, client):
    key = "scheduled_maintenances"
    upcoming, active = "Database upgrade: dotMailer downtime", "Disk swap"
    assert _names(client, "scheduled-maintenances/upcoming.json", key) == [upcoming]
    assert _names(client, "scheduled-maintenances/active.json", key) == [active]
    assert _names(client, "summary.json", key) == [active, upcoming]  # soonest first
    # latest first: the coming copy of the demo, the active one, the 2013 original
    assert _names(client, "scheduled-maintenances.json", key) == [upcoming, active, upcoming]
    [window] = _get(client, "scheduled-maintenances/active.json").json()["scheduled_maintenances"]
    assert window["status"] == "in_progress"
    assert window["started_at"] == "2030-06-01T12:00:00.000Z"
    assert window["incident_updates"][0]["affected_components"][0]["new_status"] == (
        "under_maintenance"
    )


# our status -> the transitions that reach it, Statuspage's status, the list that shows it
MAINTENANCE_PATHS = {
    MaintenanceStatus.SCHEDULED: ([], "scheduled", "upcoming"),
    MaintenanceStatus.POSTPONED: ([MaintenanceStatus.POSTPONED], "scheduled", "upcoming"),
    MaintenanceStatus.IN_PROGRESS: ([MaintenanceStatus.IN_PROGRESS], "in_progress", "active"),
    MaintenanceStatus.VERIFYING: (
        [MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING],
        "verifying",
        "active",
    ),
    MaintenanceStatus.COMPLETED: (
        [MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED],
        "completed",
        None,
    ),
    MaintenanceStatus.ROLLED_BACK: (
        [MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.ROLLED_BACK],
        "completed",
        None,
    ),
    MaintenanceStatus.CANCELLED: ([MaintenanceStatus.CANCELLED], "completed", None),
}


@pytest.mark.parametrize("ours", MAINTENANCE_PATHS)
@pytest.mark.django_db
def test_maintenance_statuses_map_to_statuspage_and_keep_ours(now, client, ours):
    transitions, statuspage, listed_in = MAINTENANCE_PATHS[ours]
    window = MaintenanceWindowFactory(scheduled_start=now + timedelta(days=1))
    later = {"new_start": now + timedelta(days=20), "new_end": now + timedelta(days=20, hours=4)}
    for to in transitions:
        dates = later if to == MaintenanceStatus.POSTPONED else {}
        services.maintenance_transition(window=window, to=to, author=None, **dates)
    [found] = _get(client, "scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert found["status"] == statuspage
    assert found["status_detail"] == ours
    assert [u["status_detail"] for u in found["incident_updates"]] == transitions[::-1]
    if transitions:
        assert found["incident_updates"][0]["status"] == statuspage
    assert found["resolved_at"] == ("2030-06-01T12:00:00.000Z" if listed_in is None else None)
    assert found["monitoring_at"] == (
        "2030-06-01T12:00:00.000Z" if ours == MaintenanceStatus.VERIFYING else None
    )
    for listing in ["upcoming", "active"]:
        listed = _get(client, f"scheduled-maintenances/{listing}.json").json()
        assert len(listed["scheduled_maintenances"]) == (listing == listed_in)


def test_demo_faq_impact_entries_appear_under_both_windows(demo, client):
    windows = _get(client, "scheduled-maintenances.json").json()["scheduled_maintenances"]
    assert len(windows) == 2
    app = Service.objects.get(name="dotMailer application")
    for window in windows:
        slug = window["shortlink"].rstrip("/").rsplit("/", 1)[-1]
        assert window["faq_url"] == f"{settings.SITE_URL}/faq/{slug}/"
        entries = {entry["number"]: entry for entry in window["impact_entries"]}
        assert entries["2.2"] == {
            "number": "2.2",
            "subject": "Links in emails",
            "service": f"service-{app.pk}",
            "level": "unavailable",
            "summary": entries["2.2"]["summary"],
            "advice": entries["2.2"]["advice"],
            "afterwards": entries["2.2"]["afterwards"],
        }
        assert list(entries)[:3] == ["1.1", "1.2", "1.3"]
        assert "3.4" in entries
    [upcoming] = _get(client, "scheduled-maintenances/upcoming.json").json()[
        "scheduled_maintenances"
    ]
    assert any(e["number"] == "2.2" for e in upcoming["impact_entries"])
    past = next(w for w in windows if w["scheduled_for"] == "2013-10-26T10:00:00.000Z")
    assert past["status"] == "completed"
    assert past["resolved_at"] == "2013-10-26T14:00:00.000Z"
    assert past["created_at"] == "2013-10-08T09:00:00.000Z"


# --- HTTP ------------------------------------------------------------------------------------

API_HEADERS = {
    "Cache-Control": "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400",
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
}


def _assert_api_headers(response) -> None:
    for header, value in API_HEADERS.items():
        assert response[header] == value, header


@pytest.mark.parametrize("endpoint", [*ENDPOINTS, "openapi.json"])
def test_a_matching_etag_answers_304_without_sql(demo, client, endpoint, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        first = _get(client, endpoint)
        assert first["ETag"]
        assert first["Last-Modified"]
        with django_assert_num_queries(0):
            again = _get(client, endpoint, if_none_match=first["ETag"])
    assert again.status_code == 304
    _assert_api_headers(again)


def test_head_and_options(demo, client):
    head = client.head("/api/v2/summary.json")
    assert head.status_code == 200
    assert head.content == b""
    _assert_api_headers(head)
    options = client.options("/api/v2/summary.json")
    assert options.status_code == 200
    assert options["Allow"] == "GET, HEAD, OPTIONS"
    _assert_api_headers(options)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.django_db
def test_other_methods_are_refused_in_json_even_with_csrf_checks(method, django_assert_num_queries):
    client = Client(enforce_csrf_checks=True)
    with django_assert_num_queries(0):
        response = getattr(client, method)("/api/v2/summary.json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert "read-only" in response.json()["error"]
    _assert_api_headers(response)


@pytest.mark.parametrize("path", ["nope.json", "incidents/42.json", "", "summary.json/x"])
@pytest.mark.django_db
def test_unknown_paths_are_404_in_json(client, path):
    response = client.get(f"/api/v2/{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": f"Not found: /api/v2/{path}"}
    _assert_api_headers(response)


@pytest.mark.django_db
def test_a_long_query_string_is_refused_with_a_reason(client, django_assert_num_queries):
    assert _get(client, f"status.json?q={'x' * 1990}").status_code == 200
    with django_assert_num_queries(0):
        response = _get(client, f"status.json?q={'x' * 2000}")
    assert response.status_code == 414
    assert response["Content-Type"] == "application/json"
    assert "2000 characters" in response.json()["error"]
    _assert_api_headers(response)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_response_is_cacheable_by_anyone_and_open_to_other_sites(demo, client, endpoint):
    _assert_api_headers(_get(client, endpoint))


# --- query counts ----------------------------------------------------------------------------


def _grow(count: int) -> None:
    """``count`` more incidents and open windows, each with an update that changes a service."""
    service = Service.objects.get(slug="dotmailer-api")
    statuses = [ServiceStatus.DEGRADED_PERFORMANCE, ServiceStatus.PARTIAL_OUTAGE]
    for i in range(count):
        incident = IncidentFactory(services=[service])
        services.update_post(
            event=incident,
            author=None,
            body=f"Looking into it ({i}).",
            service_statuses={service: statuses[i % 2]},
        )
        window = MaintenanceWindowFactory(services=[service])
        services.update_post(
            event=window,
            author=None,
            body=f"A reminder ({i}).",
            service_statuses={service: statuses[(i + 1) % 2]},
        )


@pytest.mark.parametrize("count", [1, 100])
def test_summary_query_count_is_flat(demo, client, count, django_assert_num_queries):
    _grow(count)
    with django_assert_num_queries(SUMMARY_QUERIES):
        data = _get(client, "summary.json").json()
    assert len(data["incidents"]) == count
    assert len(data["scheduled_maintenances"]) == count + 1
    assert all(event["incident_updates"] for event in data["incidents"])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_endpoint_runs_more_queries_than_the_summary(
    site, client, endpoint, django_assert_max_num_queries
):
    with django_assert_max_num_queries(SUMMARY_QUERIES):
        _get(client, endpoint)


def test_windows_without_a_faq_or_updates_are_fine(db, client):
    MaintenanceWindowFactory(title="Bare window")
    [window] = _get(client, "summary.json").json()["scheduled_maintenances"]
    assert window["faq_url"] is None
    assert window["impact_entries"] == []
    assert window["incident_updates"] == []


def test_page_updated_at_follows_the_latest_published_change(site, client):
    draft = services.update_post(
        event=site["incident"], author=None, body="Still on it.", publish=False
    )
    later = NOW + timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        services.update_publish(update=draft)
        for endpoint in ENDPOINTS:
            assert _get(client, endpoint).json()["page"]["updated_at"] == "2030-06-01T15:00:00.000Z"
