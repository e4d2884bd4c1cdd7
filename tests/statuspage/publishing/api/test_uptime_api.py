"""The history API beside the Statuspage-compatible one: /api/v2/uptime.json and
/api/v2/components/<id>/uptime.json, through HTTP, with figures worked out by hand here
(major outage counts whole, partial outage 0.3, degraded and maintenance not; UTC days;
today until now)."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.conf import settings
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from statuspage.models import ChangeSource, IncidentStatus, MaintenanceStatus
from statuspage.services import service_status_set
from tests.factories import (
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    ServiceGroupFactory,
)
from tests.wsgi import WSGIClient

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
FIRST_DAY = date(2030, 3, 4)  # the 90 days end today: 4 March to 1 June 2030
# services+groups; the latest change to any event; the status changes; the incidents with
# their services; the windows with their services
UPTIME_QUERIES = 5
OPENAPI = json.loads(
    (Path(settings.BASE_DIR) / "statuspage" / "publishing" / "api" / "openapi.json").read_text(
        encoding="utf-8"
    )
)


def at(day: int, hh: int = 0, mm: int = 0, month: int = 5) -> datetime:
    return datetime(2030, month, day, hh, mm, tzinfo=UTC)


def _validate_against_openapi(instance, schema_name: str) -> None:
    resource = Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
    validator = jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema_name}"},
        registry=Registry().with_resource("urn:openapi", resource),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(instance)


def history(service, *changes) -> None:
    for moment, status in changes:
        service_status_set(service=service, status=status, at=moment, source=ChangeSource.API)


def _component_url(service, **query) -> str:
    url = f"/api/v2/components/service-{service.pk}/uptime.json"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def site(db, clock):
    """An API with a hand-made history and the events of its days, and an app without one."""
    api = ServiceFactory(name="API", group=ServiceGroupFactory(name="Email"))
    app = ServiceFactory(name="App", group=None)
    history(
        api,
        (at(20, 10), "partial_outage"),  # 100 minutes at 0.3: 30 minutes down
        (at(20, 11, 40), "operational"),
        (at(31, 22), "major_outage"),  # across midnight: 120 minutes, then 30 today
        (at(1, 0, 30, month=6), "operational"),
        (at(1, 9, month=6), "degraded_performance"),  # up, and still so now
    )
    events = {
        "resolved": IncidentFactory(
            services=[api], started_at=at(31, 21, 50), resolved_at=at(1, 0, 40, month=6),
            status=IncidentStatus.RESOLVED,
        ),
        "open": IncidentFactory(services=[api, app], started_at=at(30, 8)),
        "draft": IncidentFactory(services=[api], started_at=at(20, 10), published_at=None),
        "till_midnight": IncidentFactory(
            services=[api], started_at=at(19, 23), resolved_at=at(20),
            status=IncidentStatus.RESOLVED,
        ),
        "long_ago": IncidentFactory(
            services=[api], started_at=at(1, month=1), resolved_at=at(2, month=1),
            status=IncidentStatus.RESOLVED,
        ),
        "into_the_range": IncidentFactory(
            services=[api], started_at=at(1, month=2), resolved_at=at(5, 1, month=3),
            status=IncidentStatus.RESOLVED,
        ),
        "done": MaintenanceWindowFactory(
            services=[api], scheduled_start=at(25, 22), started_at=at(25, 22),
            completed_at=at(26, 2), status=MaintenanceStatus.COMPLETED,
        ),
        "not_started": MaintenanceWindowFactory(services=[api], scheduled_start=at(28, 10)),
        "under_way": MaintenanceWindowFactory(
            services=[app], scheduled_start=at(1, 10, month=6), started_at=at(1, 10, month=6),
            status=MaintenanceStatus.IN_PROGRESS,
        ),
    }  # fmt: skip
    ids = {name: f"{event.kind}-{event.pk}" for name, event in events.items()}
    return {"api": api, "app": app, "ids": ids}


def _by_name(data: dict) -> tuple[dict, dict]:
    """The API's and the app's components."""
    by_name = {component["name"]: component for component in data["components"]}
    return by_name["API"], by_name["App"]


def _days(component: dict) -> dict[str, dict]:
    return {day["date"]: day for day in component["days"]}


# --- every component ---------------------------------------------------------------------------


def test_uptime_gives_every_service_its_90_days_worked_out_by_hand(site, client):
    response = client.get("/api/v2/uptime.json")
    assert response.status_code == 200
    data = response.json()
    _validate_against_openapi(data, "UptimeResponse")
    assert (data["from"], data["to"]) == ("2030-03-04", "2030-06-01")
    assert data["partial_outage_weight"] == 0.3
    assert data["page"]["time_zone"] == "Etc/UTC"
    # Services only, in page order (where a service without a group goes depends on the
    # database): no group component.
    assert [c["name"] for c in data["components"]] in (["API", "App"], ["App", "API"])
    api, app = _by_name(data)
    assert (api["id"], api["name"]) == (f"service-{site['api'].pk}", "API")
    assert api["group_id"] == f"group-{site['api'].group_id}"
    assert (app["id"], app["group_id"]) == (f"service-{site['app'].pk}", None)
    assert [day["date"] for day in api["days"]][::89] == ["2030-03-04", "2030-06-01"]
    assert len(api["days"]) == 90

    days = _days(api)
    assert days["2030-05-20"]["minutes_by_status"] == {"operational": 1340, "partial_outage": 100}
    assert days["2030-05-20"]["downtime_minutes"] == 30
    assert days["2030-05-20"]["uptime_percent"] == 97.9167  # 1 - 30/1440
    assert days["2030-05-31"]["minutes_by_status"] == {"operational": 1320, "major_outage": 120}
    assert days["2030-05-31"]["uptime_percent"] == 91.6667  # 1 - 120/1440
    # Today until noon: 510 minutes up, 30 down, 180 degraded (up).
    assert days["2030-06-01"]["minutes_by_status"] == {
        "operational": 510,
        "degraded_performance": 180,
        "major_outage": 30,
    }
    assert days["2030-06-01"]["uptime_percent"] == 95.8333  # 1 - 30/720
    assert days["2030-05-21"] == {
        "date": "2030-05-21",
        "downtime_minutes": 0,
        "minutes_by_status": {"operational": 1440},
        "uptime_percent": 100,
        "incident_ids": [],
        "scheduled_maintenance_ids": [],
    }
    # 180 minutes down in 89 whole days and 720 minutes of today
    assert api["downtime_minutes"] == 180
    assert api["uptime_percent"] == round(100 * (1 - 180 / (89 * 1440 + 720)), 4) == 99.8603
    assert (app["uptime_percent"], app["downtime_minutes"]) == (100, 0)
    assert _days(app)["2030-06-01"]["minutes_by_status"] == {"operational": 720}


def test_each_day_names_the_published_incidents_and_started_windows_that_touch_it(site, client):
    ids = site["ids"]
    api, app = _by_name(client.get("/api/v2/uptime.json").json())
    incidents = {d: day["incident_ids"] for d, day in _days(api).items() if day["incident_ids"]}
    assert incidents == {
        "2030-03-04": [ids["into_the_range"]],  # begun before the 90 days
        "2030-03-05": [ids["into_the_range"]],
        # Resolved at midnight sharp: it touches the 20th, as under the pages' bars.
        "2030-05-19": [ids["till_midnight"]],
        "2030-05-20": [ids["till_midnight"]],
        "2030-05-30": [ids["open"]],
        "2030-05-31": [ids["open"], ids["resolved"]],  # earliest first
        "2030-06-01": [ids["open"], ids["resolved"]],  # unresolved: until now
    }
    windows = {
        d: day["scheduled_maintenance_ids"]
        for d, day in _days(api).items()
        if day["scheduled_maintenance_ids"]
    }
    assert windows == {"2030-05-25": [ids["done"]], "2030-05-26": [ids["done"]]}
    assert _days(app)["2030-06-01"]["incident_ids"] == [ids["open"]]
    assert _days(app)["2030-06-01"]["scheduled_maintenance_ids"] == [ids["under_way"]]
    assert _days(app)["2030-05-31"]["scheduled_maintenance_ids"] == []
    # The same ids as the Statuspage-compatible lists give.
    listed = {i["id"] for i in client.get("/api/v2/incidents.json").json()["incidents"]}
    assert {ids["open"], ids["resolved"], ids["till_midnight"]} <= listed
    assert ids["draft"] not in listed


# --- one component, any range ------------------------------------------------------------------


def test_one_component_over_a_chosen_range(site, client):
    response = client.get(_component_url(site["api"], **{"from": "2030-05-31", "to": "2030-06-03"}))
    assert response.status_code == 200
    data = response.json()
    _validate_against_openapi(data, "ComponentUptimeResponse")
    assert (data["from"], data["to"]) == ("2030-05-31", "2030-06-03")
    component = data["component"]
    assert component["id"] == f"service-{site['api'].pk}"
    days = component["days"]
    assert [day["date"] for day in days] == ["2030-05-31", "2030-06-01", "2030-06-02", "2030-06-03"]
    assert [day["downtime_minutes"] for day in days] == [120, 30, 0, 0]
    # Days to come have nothing counted.
    assert [day["uptime_percent"] for day in days[2:]] == [None, None]
    assert [day["minutes_by_status"] for day in days[2:]] == [{}, {}]
    assert component["downtime_minutes"] == 150
    assert component["uptime_percent"] == round(100 * (1 - 150 / (1440 + 720)), 4)


@pytest.mark.parametrize(
    ("query", "first", "count"),
    [
        ({}, "2030-03-04", 90),  # the last 90 days
        ({"to": "2030-05-31"}, "2030-03-03", 90),  # the 90 days ending then
        ({"from": "2030-05-01"}, "2030-05-01", 32),  # until today
        ({"from": "2029-04-28", "to": "2030-06-01"}, "2029-04-28", 400),  # the most
        ({"from": "2030-06-01", "to": "2030-06-01"}, "2030-06-01", 1),
        ({"from": "2030-08-01", "to": "2030-08-02"}, "2030-08-01", 2),  # all to come
        ({"to": "0001-01-05"}, "0001-01-01", 5),  # the first days there are
        ({"to": "9999-12-31"}, "9999-10-03", 90),  # and the last
    ],
)
def test_from_and_to_default_to_the_90_days_that_end_with_to_or_today(
    site, client, query, first, count
):
    response = client.get(_component_url(site["app"], **query))
    assert response.status_code == 200
    data = response.json()
    days = data["component"]["days"]
    assert (len(days), days[0]["date"], data["from"]) == (count, first, first)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"from": "2030-02-30"}, "“from” is not a date written YYYY-MM-DD."),
        ({"to": "yesterday"}, "“to” is not a date written YYYY-MM-DD."),
        ({"from": ""}, "“from” is not a date written YYYY-MM-DD."),
        ({"from": "20300101"}, "“from” is not a date written YYYY-MM-DD."),
        ({"to": "2030-W22-6"}, "“to” is not a date written YYYY-MM-DD."),
        ({"to": "2030-06-01T00:00"}, "“to” is not a date written YYYY-MM-DD."),
        (
            {"from": "2030-06-01", "to": "2030-05-31"},
            "The range ends (“to”: 2030-05-31) before it starts (“from”: 2030-06-01).",
        ),
        ({"from": "2030-06-02"}, "The range ends (“to”: 2030-06-01) before it starts"),
        (
            {"from": "2029-04-27", "to": "2030-06-01"},
            "The range is 401 days long; at most 400 days may be asked for at once.",
        ),
    ],
)
def test_a_bad_range_is_a_json_400_with_the_reason(
    site, client, query, reason, django_assert_num_queries
):
    with django_assert_num_queries(0):  # refused before anything is read
        response = client.get(_component_url(site["api"], **query), headers={"if-none-match": "*"})
    assert response.status_code == 400  # whatever the conditions say
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    _validate_against_openapi(response.json(), "Error")
    assert response.json()["error"].startswith(reason)


@pytest.mark.parametrize(
    "component",
    ["service-999999", "service-0", "service-01", "service-" + "9" * 19, "group-1", "services-1"],
)
def test_an_unknown_component_is_the_api_json_404(site, client, component):
    path = f"/api/v2/components/{component}/uptime.json"
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": f"Not found: {path}"}
    assert response["Access-Control-Allow-Origin"] == "*"


# --- caching -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v2/uptime.json", "component"])
def test_a_matching_etag_answers_304_without_sql(site, client, path, django_assert_num_queries):
    path = _component_url(site["api"], **{"from": "2030-05-01"}) if path == "component" else path
    first = client.get(path)
    assert first["ETag"]
    assert first["Cache-Control"] == (
        "public, max-age=30, stale-while-revalidate=60, stale-if-error=86400"
    )
    with django_assert_num_queries(0):
        again = client.get(path, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304


def test_a_status_change_is_a_new_etag_and_new_figures(
    site, client, clock, django_capture_on_commit_callbacks
):
    first = client.get("/api/v2/uptime.json")
    clock.shift(timedelta(seconds=1))  # the same minute: only a new content version tells
    with django_capture_on_commit_callbacks(execute=True):
        history(site["api"], (NOW - timedelta(minutes=30), "major_outage"))
    again = client.get("/api/v2/uptime.json", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    today = _by_name(again.json())[0]["days"][-1]
    # 30 minutes after midnight, and 30 minutes and a second until now (12:00:01)
    assert today["minutes_by_status"]["major_outage"] == today["downtime_minutes"] == 60.02


@pytest.mark.django_db(transaction=True)
def test_the_range_is_part_of_the_kept_answer_s_address(clock, django_assert_num_queries):
    """Through the front layer that gives kept answers again: each range its own."""
    service = ServiceFactory()
    history(service, (at(31, 12), "major_outage"), (at(31, 13), "operational"))
    reader = WSGIClient()
    whole = reader.get(_component_url(service, **{"from": "2030-05-31", "to": "2030-05-31"}))
    other = reader.get(_component_url(service, **{"from": "2030-05-30", "to": "2030-05-30"}))
    assert whole.json()["component"]["downtime_minutes"] == 60
    assert other.json()["component"]["downtime_minutes"] == 0
    # Made-up parameters change nothing: the same answer, kept.
    with django_assert_num_queries(0):
        again = reader.get(
            _component_url(service, **{"from": "2030-05-31", "to": "2030-05-31", "x": 1})
        )
    assert again.content == whole.content
    bad = reader.get(_component_url(service, **{"from": "2030-05-31x", "to": "2030-05-31"}))
    assert bad.status_code == 400


# --- query counts ------------------------------------------------------------------------------


def _services_with_history(count: int) -> list:
    """``count`` services, each with an outage, an incident and a window."""
    made = ServiceFactory.create_batch(count)
    for service in made:
        history(service, (at(10, 1), "major_outage"), (at(10, 2), "operational"))
        IncidentFactory(services=[service], started_at=at(10, 1))
        MaintenanceWindowFactory(services=[service], started_at=at(11), completed_at=at(11, 2))
    return made


@pytest.mark.parametrize("count", [3, 30])
def test_query_counts_are_flat(clock, db, client, count, django_assert_num_queries):
    made = _services_with_history(count)
    with django_assert_num_queries(UPTIME_QUERIES):
        data = client.get("/api/v2/uptime.json").json()
    assert len(data["components"]) == count
    assert all(_days(c)["2030-05-10"]["downtime_minutes"] == 60 for c in data["components"])
    assert all(_days(c)["2030-05-11"]["scheduled_maintenance_ids"] for c in data["components"])
    with django_assert_num_queries(UPTIME_QUERIES):
        one = client.get(_component_url(made[-1], **{"from": "2029-05-01"})).json()
    assert len(one["component"]["days"]) == 397
