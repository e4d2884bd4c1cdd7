"""The management API's incidents, scheduled maintenances, incident updates, postmortems and
incident templates, through HTTP with a real key: shapes against Statuspage's (JSON Schemas
in ``schemas/``) and the OpenAPI document, writes through the same services as the admin."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from statuspage.automation import services as keys
from statuspage.automation import throttle
from statuspage.models import (
    Incident,
    MaintenanceStatus,
    MaintenanceWindow,
    ServiceStatus,
    StatusChange,
    StatusUpdate,
    UpdateTemplate,
)
from statuspage.outbox.models import ChannelName, Message
from statuspage.security.permissions import STATUS_EDITORS
from statuspage.subscriptions.models import Subscriber
from tests.factories import (
    IncidentFactory,
    MaintenanceWindowFactory,
    ServiceFactory,
    StaffFactory,
    UserFactory,
)

NOW = datetime(2030, 5, 2, 9, 0, tzinfo=UTC)
PAGE = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"
INCIDENTS = f"{PAGE}/incidents"
SCHEMAS = Path(__file__).parent / "schemas"
OPENAPI = json.loads(
    (Path(settings.BASE_DIR) / "statuspage/publishing/api/openapi.json").read_text("utf-8")
)


def _schema_registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text("utf-8"))
        if contents.get("$id", "").startswith("https://developer.statuspage.io/schemas/"):
            resources.append((contents["$id"], Resource.from_contents(contents)))
    openapi = Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
    return Registry().with_resources([*resources, ("urn:openapi", openapi)])


REGISTRY = _schema_registry()


def _valid(instance, name: str, documented: str) -> None:
    """``instance`` is Statuspage's shape (``schemas/<name>.json``) and as the OpenAPI
    document says (its ``components.schemas.<documented>``)."""
    for ref in (
        f"https://developer.statuspage.io/schemas/{name}.json",
        f"urn:openapi#/components/schemas/{documented}",
    ):
        jsonschema.Draft202012Validator(
            {"$ref": ref},
            registry=REGISTRY,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        ).validate(instance)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch):
    # The clock stands still here, so a key would never earn its next request.
    monkeypatch.setattr(throttle, "take", lambda *args, **kwargs: None)


@pytest.fixture
def owner(db):
    return StaffFactory(username="ops")


@pytest.fixture
def key(owner) -> str:
    return keys.api_key_create(owner=owner, name="deploy pipeline")[1]


@pytest.fixture
def editor_key(db) -> str:
    editor = UserFactory(username="editor", is_staff=True)
    editor.groups.add(Group.objects.get(name=STATUS_EDITORS))
    return keys.api_key_create(owner=editor, name="chat bot")[1]


@pytest.fixture
def api(client, key):
    return Api(client, key)


@pytest.fixture
def api_service(db):
    return ServiceFactory(name="Sending API", slug="sending-api")


@pytest.fixture
def subscriber(db):
    return Subscriber.objects.create(email="reader@example.com", confirmed_at=NOW)


class Api:
    def __init__(self, client, key: str) -> None:
        self.client, self.headers = client, {"authorization": f"OAuth {key}"}

    def get(self, path: str, data=None):
        return self.client.get(path, data, headers=self.headers)

    def send(self, method: str, path: str, data=None, *, raw: bytes | None = None):
        content = raw if raw is not None else json.dumps(data or {})
        call = getattr(self.client, method)
        return call(path, content, content_type="application/json", headers=self.headers)


def _error(response, status: int) -> str:
    assert response.status_code == status, response.content
    _valid_error(response.json())
    return response.json()["error"]


def _valid_error(data) -> None:
    jsonschema.validate(data, {"$ref": "urn:openapi#/components/schemas/Error"}, registry=REGISTRY)


def _counts() -> tuple:
    return (
        Incident.objects.count(),
        MaintenanceWindow.objects.count(),
        StatusUpdate.objects.count(),
        StatusChange.objects.count(),
        Message.objects.count(),
    )


def _incident_body(**fields) -> dict:
    return {"incident": {"name": "Slow sends", "body": "We are looking into it.", **fields}}


# --- opening incidents and maintenances --------------------------------------------------------


def test_an_incident_opened_with_notifications_is_posted_to_x_and_subscribers(
    api, api_service, subscriber
):
    response = api.send(
        "post",
        INCIDENTS,
        _incident_body(
            status="identified",
            components={f"service-{api_service.pk}": "partial_outage"},
            metadata={"x": {"hashtag": "#dMstatus"}},
        ),
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "private, no-store"
    incident = response.json()
    _valid(incident, "incident", "ManagementIncident")
    assert (incident["name"], incident["status"], incident["impact"]) == (
        "Slow sends",
        "identified",
        "major",  # from the worst component status given
    )
    assert [c["id"] for c in incident["components"]] == [f"service-{api_service.pk}"]
    [update] = incident["incident_updates"]
    assert update["body"] == "We are looking into it."
    assert update["affected_components"][0]["new_status"] == "partial_outage"
    assert update["deliver_notifications"] is True
    api_service.refresh_from_db()
    assert api_service.status == ServiceStatus.PARTIAL_OUTAGE
    # The same objects and ids as the public API's.
    public = api.client.get("/api/v2/incidents/unresolved.json").json()["incidents"]
    assert [i["id"] for i in public] == [incident["id"]]
    posted = StatusUpdate.objects.get()
    channels = set(Message.objects.filter(update=posted).values_list("channel", flat=True))
    assert {ChannelName.EMAIL, ChannelName.X} <= channels
    assert Message.objects.get(channel=ChannelName.EMAIL).subscriber == subscriber


def test_an_incident_opened_without_notifications_tells_nobody(
    api, api_service, subscriber, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.send(
            "post",
            INCIDENTS,
            _incident_body(
                deliver_notifications=False,
                component_ids=[f"service-{api_service.pk}"],
                metadata={"x": {"hashtag": "#dMstatus"}},
            ),
        )
    assert response.status_code == 201
    _valid(response.json(), "incident", "ManagementIncident")
    assert response.json()["incident_updates"][0]["deliver_notifications"] is False
    assert response.json()["impact"] == "none"
    assert StatusUpdate.objects.get().cross_post is False
    assert not Message.objects.exists()  # no post for X, no e-mail, no webhook delivery


def test_a_scheduled_maintenance_is_a_window_with_its_automatic_start_and_end(
    api, api_service, subscriber, django_capture_on_commit_callbacks
):
    start = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.send(
            "post",
            INCIDENTS,
            {
                "incident": {
                    "name": "Database upgrade",
                    "status": "scheduled",
                    "scheduled_for": "2030-06-01T10:00:00Z",
                    "scheduled_until": "2030-06-01T14:00:00.000Z",
                    "scheduled_auto_in_progress": True,
                    "scheduled_auto_completed": True,
                    "component_ids": [f"service-{api_service.pk}"],
                    "body": "We upgrade the database; sending pauses.",
                }
            },
        )
    assert response.status_code == 201
    data = response.json()
    _valid(data, "incident", "ManagementIncident")
    assert data["id"].startswith("maintenance-")
    assert (data["impact"], data["status"]) == ("maintenance", "scheduled")
    assert (data["scheduled_for"], data["scheduled_until"]) == (
        "2030-06-01T10:00:00.000Z",
        "2030-06-01T14:00:00.000Z",
    )
    assert data["scheduled_auto_in_progress"] is data["scheduled_auto_completed"] is True
    window = MaintenanceWindow.objects.get()
    assert (window.scheduled_start, window.auto_advance, window.status) == (
        start,
        True,
        "scheduled",
    )
    assert window.summary == "We upgrade the database; sending pauses."
    assert list(window.services.all()) == [api_service]
    assert callbacks  # subscribers are told of the announcement once it commits
    assert Message.objects.filter(channel=ChannelName.EMAIL).count() == 1  # the first update


def test_a_maintenance_whose_end_is_before_its_start_is_refused_and_nothing_written(api):
    before = _counts()
    response = api.send(
        "post",
        INCIDENTS,
        _incident_body(scheduled_for="2030-06-01T10:00:00Z", scheduled_until="2030-06-01T09:00Z"),
    )
    assert "end must be after" in _error(response, 422)
    assert _counts() == before


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"status": "exploded"}, "not an incident status"),
        ({"components": {"service-999": "major_outage"}}, "No component has the id service-999"),
        ({"component_ids": ["group-1"]}, "No component has the id group-1"),
        ({"components": {"SERVICE": "broken"}}, "not a component status"),
        ({"impact_override": "catastrophic"}, "not an impact"),
        ({"name": ""}, "Name the incident"),
        (
            {
                "scheduled_for": "2030-06-01T10:00Z",
                "scheduled_until": "2030-06-01T12:00Z",
                "scheduled_auto_in_progress": True,
            },
            "starts and completes automatically, or neither",
        ),
        ({"scheduled_for": "tomorrow", "scheduled_until": "later"}, "ISO 8601"),
    ],
)
def test_bad_values_are_422s_with_the_reason_and_nothing_written(api, api_service, fields, reason):
    before = _counts()
    status = api_service.status
    response = api.send("post", INCIDENTS, _incident_body(**fields))
    assert reason in _error(response, 422)
    assert _counts() == before
    api_service.refresh_from_db()
    assert api_service.status == status


def test_malformed_json_is_a_400_and_a_body_over_1_mb_a_413(api):
    assert "not valid JSON" in _error(api.send("post", INCIDENTS, raw=b'{"incident": '), 400)
    assert _error(api.send("post", INCIDENTS, {"name": "unwrapped"}), 400)
    huge = json.dumps(_incident_body(body="x" * (1024 * 1024))).encode()
    assert "1 MB" in _error(api.send("post", INCIDENTS, raw=huge), 413)
    assert _counts() == (0, 0, 0, 0, 0)


# --- reading --------------------------------------------------------------------------------


@pytest.fixture
def events(db):
    """An open incident, a resolved one, a window under way, one to come, one postponed,
    and a draft (never listed)."""
    return {
        "open": IncidentFactory(title="Slow sends", published_at=NOW - timedelta(hours=1)),
        "resolved": IncidentFactory(
            title="Login errors", status="resolved", published_at=NOW - timedelta(days=3)
        ),
        "active": MaintenanceWindowFactory(
            title="Network work",
            status="in_progress",
            scheduled_start=NOW - timedelta(hours=1),
            published_at=NOW - timedelta(days=9),
        ),
        "coming": MaintenanceWindowFactory(
            title="Database upgrade", published_at=NOW - timedelta(days=2)
        ),
        "postponed": MaintenanceWindowFactory(
            title="Old move",
            status="postponed",
            scheduled_start=NOW - timedelta(hours=5),
            published_at=NOW - timedelta(days=20),
        ),
        "draft": IncidentFactory(title="Slow draft", published_at=None),
    }


def _ids(response) -> list[str]:
    assert response.status_code == 200
    for item in response.json():
        _valid(item, "incident", "ManagementIncident")
    return [item["id"] for item in response.json()]


def _id(event) -> str:
    return f"{event.kind}-{event.pk}"


def test_the_list_holds_incidents_and_maintenances_newest_first_searched_and_paged(api, events):
    everything = [_id(events[k]) for k in ("open", "coming", "resolved", "active", "postponed")]
    assert _ids(api.get(INCIDENTS)) == everything
    assert _ids(api.get(INCIDENTS, {"per_page": 2, "page": 2})) == everything[2:4]
    assert _ids(api.get(INCIDENTS, {"limit": 1})) == everything[:1]
    assert _ids(api.get(INCIDENTS, {"q": "slow"})) == [_id(events["open"])]
    StatusUpdate.objects.create(
        incident=events["resolved"], status="resolved", body="The fix is in.", published_at=NOW
    )
    assert _ids(api.get(INCIDENTS, {"q": "FIX IS"})) == [_id(events["resolved"])]
    assert _error(api.get(INCIDENTS, {"page": "0"}), 400)
    assert _error(api.get(INCIDENTS, {"per_page": 2, "limit": "true"}), 400)


def test_the_list_s_queries_stay_flat_as_events_pile_up(api, events, api_service):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(INCIDENTS).status_code == 200
        return len(captured)

    def add(event, n: int) -> None:
        event.services.add(api_service)
        StatusUpdate.objects.create(
            **{event.kind: event}, status=event.status, body=f"Note {n}.", published_at=NOW
        )

    for event in events.values():
        add(event, 0)
    queries()  # the key's first use is written once
    few = queries()
    for n in range(4):
        add(IncidentFactory(), n)
        add(MaintenanceWindowFactory(), n)
    assert queries() == few


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ("unresolved", ["open"]),
        ("scheduled", ["coming", "postponed"]),
        ("active_maintenance", ["active"]),
        ("upcoming", ["coming"]),
    ],
)
def test_the_selections(api, events, selection, expected):
    assert _ids(api.get(f"{INCIDENTS}/{selection}")) == [_id(events[k]) for k in expected]


def test_one_incident_and_unknown_ids(api, events):
    response = api.get(f"{INCIDENTS}/{_id(events['coming'])}")
    assert response.status_code == 200
    _valid(response.json(), "incident", "ManagementIncident")
    for unknown in ("maintenance-999", "incident-0", "abc", _id(events["draft"])):
        assert "No incident" in _error(api.get(f"{INCIDENTS}/{unknown}"), 404)
    other_page = "/api/v1/pages/another/incidents"
    assert _error(api.get(other_page), 404)


# --- changing ---------------------------------------------------------------------------------


def test_status_body_and_components_post_an_update_as_the_console_does(api, api_service, owner):
    incident = IncidentFactory(services=[api_service], hashtag="#dMstatus")
    response = api.send(
        "patch",
        f"{INCIDENTS}/{_id(incident)}",
        {
            "incident": {
                "status": "monitoring",
                "body": "A fix is rolling out.",
                "components": {f"service-{api_service.pk}": "degraded_performance"},
            }
        },
    )
    assert response.status_code == 200
    data = response.json()
    _valid(data, "incident", "ManagementIncident")
    assert data["status"] == "monitoring"
    assert data["monitoring_at"] == "2030-05-02T09:00:00.000Z"
    update = StatusUpdate.objects.get()
    assert (update.author, update.body, update.status) == (
        owner,
        "A fix is rolling out.",
        "monitoring",
    )
    assert StatusChange.objects.get().actor == owner
    assert Message.objects.filter(update=update, channel=ChannelName.X).exists()


def test_a_move_the_lifecycle_refuses_is_a_422_and_nothing_written(api):
    incident = IncidentFactory(status="resolved")
    before = _counts()
    response = api.send(
        "patch", f"{INCIDENTS}/{_id(incident)}", {"incident": {"status": "identified"}}
    )
    assert "reopen it first" in _error(response, 422)
    window = MaintenanceWindowFactory(status="scheduled")
    response = api.send("put", f"{INCIDENTS}/{_id(window)}", {"incident": {"status": "completed"}})
    assert "only in progress or verifying" in _error(response, 422)
    assert _counts() == (before[0], before[1] + 1, *before[2:])
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_a_postponement_under_14_days_is_refused_and_one_with_notice_posted(api):
    window = MaintenanceWindowFactory(scheduled_start=NOW + timedelta(days=3))
    before = _counts()
    soon = {"scheduled_for": "2030-05-10T10:00:00Z", "scheduled_until": "2030-05-10T14:00:00Z"}
    response = api.send("patch", f"{INCIDENTS}/{_id(window)}", {"incident": soon})
    assert "14 days' notice" in _error(response, 422)
    assert _counts() == before
    later = {"scheduled_for": "2030-06-10T10:00:00Z", "scheduled_until": "2030-06-10T14:00:00Z"}
    response = api.send("patch", f"{INCIDENTS}/{_id(window)}", {"incident": later})
    assert response.status_code == 200
    data = response.json()
    _valid(data, "incident", "ManagementIncident")
    assert (data["status"], data["status_detail"]) == ("scheduled", "postponed")
    assert data["scheduled_for"] == "2030-06-10T10:00:00.000Z"
    window.refresh_from_db()
    assert window.status == MaintenanceStatus.POSTPONED


def test_name_components_and_automatic_start_are_changed_through_the_services(api, api_service):
    window = MaintenanceWindowFactory()
    response = api.send(
        "patch",
        f"{INCIDENTS}/{_id(window)}",
        {
            "incident": {
                "name": "Bigger upgrade",
                "component_ids": [f"service-{api_service.pk}"],
                "scheduled_auto_in_progress": True,
                "scheduled_auto_completed": True,
            }
        },
    )
    assert response.status_code == 200
    window.refresh_from_db()
    assert (window.title, window.auto_advance) == ("Bigger upgrade", True)
    assert list(window.services.all()) == [api_service]
    assert not StatusUpdate.objects.exists()  # nothing an update says


def test_the_audit_trail_names_the_key(api, owner):
    incident = IncidentFactory()
    api.send("patch", f"{INCIDENTS}/{_id(incident)}", {"incident": {"name": "Renamed"}})
    entry = LogEntry.objects.get_for_object(incident).order_by("pk").last()
    assert entry.changes_dict["title"][1] == "Renamed"
    assert entry.actor == owner
    assert "deploy pipeline" in entry.cid


def test_delete(api):
    incident = IncidentFactory()
    response = api.send("delete", f"{INCIDENTS}/{_id(incident)}")
    assert response.status_code == 200
    _valid(response.json(), "incident", "ManagementIncident")
    assert not Incident.objects.exists()
    assert _error(api.get(f"{INCIDENTS}/{_id(incident)}"), 404)


# --- permissions -----------------------------------------------------------------------------


def test_a_status_editor_posts_updates_but_may_not_open_maintenance_or_delete(
    client, editor_key, api_service
):
    editor = Api(client, editor_key)
    incident = IncidentFactory()
    response = editor.send(
        "patch", f"{INCIDENTS}/{_id(incident)}", {"incident": {"status": "identified"}}
    )
    assert response.status_code == 200
    assert editor.send("post", INCIDENTS, _incident_body()).status_code == 201
    before = _counts()
    maintenance = _incident_body(
        scheduled_for="2030-06-01T10:00Z", scheduled_until="2030-06-01T12Z"
    )
    assert _error(editor.send("post", INCIDENTS, maintenance), 403)
    assert _error(editor.send("delete", f"{INCIDENTS}/{_id(incident)}"), 403)
    window = MaintenanceWindowFactory()
    assert _error(
        editor.send("patch", f"{INCIDENTS}/{_id(window)}", {"incident": {"name": "x"}}), 403
    )
    assert _counts() == (before[0], before[1] + 1, *before[2:])


def test_a_key_without_view_permission_is_refused(client, db):
    nobody = UserFactory(username="intern", is_staff=True)
    intern = Api(client, keys.api_key_create(owner=nobody, name="script")[1])
    assert _error(intern.get(INCIDENTS), 403)
    assert _error(intern.get(f"{PAGE}/incident_templates"), 403)


# --- incident updates ------------------------------------------------------------------------


def test_an_update_s_words_and_display_time_are_corrected(api):
    incident = IncidentFactory()
    update = StatusUpdate.objects.create(
        incident=incident, status="investigating", body="Typo.", published_at=NOW
    )
    path = f"{INCIDENTS}/{_id(incident)}/incident_updates/update-{update.pk}"
    response = api.send(
        "patch",
        path,
        {"incident_update": {"body": "No typo.", "display_at": "2030-05-02T08:30:00Z"}},
    )
    assert response.status_code == 200
    _valid(response.json(), "incident_update", "ManagementIncidentUpdate")
    assert (response.json()["body"], response.json()["display_at"]) == (
        "No typo.",
        "2030-05-02T08:30:00.000Z",
    )
    assert "cannot be empty" in _error(
        api.send("patch", path, {"incident_update": {"body": " "}}), 422
    )
    ahead = {"incident_update": {"display_at": "2030-05-04T08:30:00Z"}}
    assert "one day ahead" in _error(api.send("patch", path, ahead), 422)
    update.refresh_from_db()
    assert update.body == "No typo."
    response = api.send("put", path, {"incident_update": {"body": "Put right."}})
    assert response.json()["body"] == "Put right."
    other = IncidentFactory()
    wrong = f"{INCIDENTS}/{_id(other)}/incident_updates/update-{update.pk}"
    assert _error(api.send("patch", wrong, {"incident_update": {"body": "x"}}), 404)


# --- postmortems -----------------------------------------------------------------------------


def test_a_postmortem_is_drafted_published_and_taken_back(api, client):
    incident = IncidentFactory(status="resolved")
    base = f"{INCIDENTS}/{_id(incident)}/postmortem"
    assert "before publishing" in _error(api.send("put", f"{base}/publish"), 422)
    response = api.send("put", base, {"postmortem": {"body_draft": "The **root cause**."}})
    assert response.status_code == 200
    _valid(response.json(), "postmortem", "Postmortem")
    assert (response.json()["body_draft"], response.json()["body"]) == ("The **root cause**.", None)
    page = incident.get_absolute_url()
    assert "root cause" not in client.get(page).content.decode()
    response = api.send("put", f"{base}/publish")
    assert response.status_code == 200
    _valid(response.json(), "postmortem", "Postmortem")
    assert response.json()["published_at"] == "2030-05-02T09:00:00.000Z"
    assert "root cause" in client.get(page).content.decode()
    read = api.get(base)
    assert read.status_code == 200
    _valid(read.json(), "postmortem", "Postmortem")
    assert read.json()["body"] == "The **root cause**."
    detail = api.get(f"{INCIDENTS}/{_id(incident)}").json()
    assert detail["postmortem_body"] == "The **root cause**."
    response = api.send("put", f"{base}/revert")
    assert response.status_code == 200
    assert response.json()["body"] is None
    assert response.json()["body_draft"] == "The **root cause**."
    assert "root cause" not in client.get(page).content.decode()
    assert "no published postmortem" in _error(api.send("put", f"{base}/revert"), 422)
    window = MaintenanceWindowFactory()
    assert _error(api.send("put", f"{INCIDENTS}/{_id(window)}/postmortem"), 404)


# --- incident templates ----------------------------------------------------------------------


def test_incident_templates_are_the_update_templates_and_only_their_words_change(
    api, client, editor_key
):
    response = api.get(f"{PAGE}/incident_templates")
    assert response.status_code == 200
    for item in response.json():
        _valid(item, "incident_template", "IncidentTemplate")
    assert [t["id"] for t in response.json()][:2] == ["started", "on_schedule"]
    editor = Api(client, editor_key)
    template = {"template": {"name": "Running late", "title": "Late", "body": "Late: {new_end}."}}
    response = editor.send("post", f"{PAGE}/incident_templates", template)
    assert response.status_code == 201
    _valid(response.json(), "incident_template", "IncidentTemplate")
    assert UpdateTemplate.objects.get(kind="running_late").body == "Late: {new_end}."
    before = UpdateTemplate.objects.get(kind="started").body
    unknown = {"template": {"name": "Outage", "title": "Outage", "body": "Down."}}
    assert "one per kind" in _error(api.send("post", f"{PAGE}/incident_templates", unknown), 422)
    bad = {"template": {"name": "started", "title": "x", "body": "Ends {whenever}."}}
    assert _error(api.send("post", f"{PAGE}/incident_templates", bad), 422)
    assert UpdateTemplate.objects.get(kind="started").body == before


# --- the whole day ---------------------------------------------------------------------------


def test_the_staff_day_through_the_api_alone(api, api_service, subscriber, client, clock):
    """A maintenance for next month, opened, started, two updates, components, completed:
    then the page, the summary, the feeds and the posts for X all tell the same story."""
    response = api.send(
        "post",
        INCIDENTS,
        {
            "incident": {
                "name": "Database upgrade",
                "scheduled_for": "2030-06-01T10:00:00Z",
                "scheduled_until": "2030-06-01T14:00:00Z",
                "component_ids": [f"service-{api_service.pk}"],
                "body": "We upgrade the database; sending pauses for up to four hours.",
                "metadata": {"x": {"hashtag": "#dMmaint"}},
            }
        },
    )
    assert response.status_code == 201
    path = f"{INCIDENTS}/{response.json()['id']}"
    clock.move_to(datetime(2030, 6, 1, 10, 0, tzinfo=UTC))
    steps = [
        {"status": "in_progress", "body": "The upgrade has started."},
        {"body": "Half of the data is moved."},
        {
            "body": "Sending is slow while the last tables move.",
            "components": {f"service-{api_service.pk}": "degraded_performance"},
        },
        {
            "status": "completed",
            "body": "The upgrade is complete; sending is back.",
            "components": {f"service-{api_service.pk}": "operational"},
        },
    ]
    for step in steps:
        clock.shift(timedelta(minutes=30))
        response = api.send("patch", path, {"incident": step})
        assert response.status_code == 200, response.content
        _valid(response.json(), "incident", "ManagementIncident")
    done = response.json()
    assert done["status"] == "completed"
    assert len(done["incident_updates"]) == 5
    api_service.refresh_from_db()
    assert api_service.status == ServiceStatus.OPERATIONAL
    history = list(StatusChange.objects.values_list("new_status", flat=True))
    assert history == ["under_maintenance", "degraded_performance", "operational"]

    home = client.get("/")
    assert home.status_code == 200
    assert "Database upgrade" in home.content.decode()
    summary = client.get("/api/v2/summary.json").json()
    assert summary["scheduled_maintenances"] == []  # over
    [component] = [c for c in summary["components"] if c["id"] == f"service-{api_service.pk}"]
    assert component["status"] == "operational"
    maintenances = client.get("/api/v2/scheduled-maintenances.json").json()
    [window] = maintenances["scheduled_maintenances"]
    assert window["id"] == done["id"]
    assert window["status"] == "completed"
    for feed in ("/history.atom", "/history.rss", f"/services/{api_service.slug}.atom"):
        text = client.get(feed).content.decode()
        assert "Database upgrade" in text, feed
        assert "The upgrade is complete" in text, feed
    posts = Message.objects.filter(channel=ChannelName.X).order_by("pk")
    assert [p.update.body for p in posts] == [
        "We upgrade the database; sending pauses for up to four hours.",
        *(step["body"] for step in steps),
    ]
    assert all("#dMmaint" in p.body for p in posts)
    assert Message.objects.filter(channel=ChannelName.EMAIL, subscriber=subscriber).count() == 5
