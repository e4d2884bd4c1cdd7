"""The management API's components and component groups, through HTTP with real keys: their
shapes (Statuspage's, and the OpenAPI document's), writes through the services layer, the
service history and the public API that follow, and the refusals."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models.signals import pre_save

from statuspage.automation import services as keys
from statuspage.automation import throttle
from statuspage.models import ChangeSource, Service, ServiceGroup, StatusChange
from statuspage.security.permissions import STATUS_EDITORS
from tests.factories import (
    ImpactEntryFactory,
    ServiceFactory,
    ServiceGroupFactory,
    StaffFactory,
    UserFactory,
)
from tests.statuspage.automation.test_api_keys import _documented

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAGE = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"
SCHEMAS = Path(__file__).with_name("schemas")


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text("utf-8"))


def _valid(instance, name: str, openapi: str) -> None:
    """As Statuspage's documentation and as our OpenAPI document say."""
    jsonschema.Draft202012Validator(
        _schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(instance)
    _documented(instance, openapi)


@pytest.fixture(autouse=True)
def unlimited(monkeypatch):
    """A test here makes more requests than a burst: the limit has its own tests."""
    monkeypatch.setattr(throttle, "take", lambda *args, **kwargs: None)


@pytest.fixture
def admin(db):
    return StaffFactory(username="boss")


@pytest.fixture
def key(admin) -> str:
    return keys.api_key_create(owner=admin, name="terraform")[1]


@pytest.fixture
def editor_key(db) -> str:
    user = UserFactory(username="sam", is_staff=True)
    user.groups.add(Group.objects.get(name=STATUS_EDITORS))
    return keys.api_key_create(owner=user, name="on-call bot")[1]


@pytest.fixture
def plain_key(db) -> str:
    """A staff member's with no permissions at all."""
    return keys.api_key_create(owner=UserFactory(username="nobody", is_staff=True), name="x")[1]


@pytest.fixture
def api(client, key):
    def call(method: str, address: str, data=None, *, with_key: str | None = None, **extra):
        headers = {"authorization": f"OAuth {with_key or key}"}
        if data is not None and not isinstance(data, str | bytes):
            data = json.dumps(data)
        return getattr(client, method)(
            f"{PAGE}{address}",
            data=data,
            content_type="application/json",
            headers=headers,
            **extra,
        )

    return call


@pytest.fixture
def web(db):
    group = ServiceGroupFactory(name="Email", position=1)
    api_service = ServiceFactory(name="API", group=group, position=1)
    smtp = ServiceFactory(name="SMTP relay", group=group, position=2)
    site = ServiceFactory(name="Website", group=None, position=0, description="The site")
    return {"group": group, "api": api_service, "smtp": smtp, "site": site}


def _error(response, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Cache-Control"] == "private, no-store"
    error = response.json()["error"]
    _documented(response.json(), "Error")
    return error


def _stored(service: Service) -> tuple:
    service.refresh_from_db()
    return (service.name, service.description, service.status, service.group_id, service.position)


# --- components: read -------------------------------------------------------------------------


def test_components_are_listed_with_the_public_apis_ids_and_shape(client, api, web):
    response = api("get", "/components")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    listed = response.json()
    for component in listed:
        _valid(component, "component", "ManagementComponent")
    public = client.get("/api/v2/components.json").json()["components"]
    assert [c["id"] for c in listed] == [c["id"] for c in public]
    assert [{k: v for k, v in c.items() if k != "automation_email"} for c in listed] == public
    by_id = {c["id"]: c for c in listed}
    group, service = by_id[f"group-{web['group'].pk}"], by_id[f"service-{web['api'].pk}"]
    assert group["group"] is True
    assert group["components"] == [f"service-{web['api'].pk}", f"service-{web['smtp'].pk}"]
    assert service["group_id"] == group["id"]
    assert by_id[f"service-{web['site'].pk}"]["description"] == "The site"


def test_components_are_paged_as_statuspage_pages_them(api, web):
    everything = [c["id"] for c in api("get", "/components").json()]
    assert len(everything) == 4
    assert [c["id"] for c in api("get", "/components?per_page=3").json()] == everything[:3]
    assert [c["id"] for c in api("get", "/components?per_page=3&page=2").json()] == everything[3:]
    assert [c["id"] for c in api("get", "/components?limit=1&page=2").json()] == everything[1:2]
    for query in ("page=0", "limit=6¹", "per_page=x", "page="):
        assert _error(api("get", f"/components?{query}"), 400)
        assert _error(api("get", f"/component-groups?{query}"), 400)
    for address in ("/components", "/component-groups"):
        assert api("get", f"{address}?page=1{'0' * 30}&per_page={'9' * 30}").json() == []


def test_one_component_and_a_group_component_are_read_by_id(api, web):
    service = api("get", f"/components/service-{web['smtp'].pk}").json()
    _valid(service, "component", "ManagementComponent")
    assert (service["name"], service["status"]) == ("SMTP relay", "operational")
    group = api("get", f"/components/group-{web['group'].pk}").json()
    _valid(group, "component", "ManagementComponent")
    assert group["group"] is True


# --- components: write ------------------------------------------------------------------------


def test_a_component_is_created_and_its_status_starts_its_history(api, admin, web):
    with time_machine.travel(NOW, tick=False):
        response = api(
            "post",
            "/components",
            {
                "component": {
                    "name": "Webhooks",
                    "description": "Calls to your endpoints",
                    "status": "partial_outage",
                    "group_id": f"group-{web['group'].pk}",
                    # Terraform sends these with every write: accepted, not kept.
                    "showcase": False,
                    "only_show_if_degraded": False,
                    "start_date": None,
                }
            },
        )
    assert response.status_code == 201
    created = response.json()
    _valid(created, "component", "ManagementComponent")
    service = Service.objects.get(name="Webhooks")
    assert created["id"] == f"service-{service.pk}"
    assert (created["status"], created["group_id"]) == (
        "partial_outage",
        f"group-{web['group'].pk}",
    )
    assert (service.slug, service.description) == ("webhooks", "Calls to your endpoints")
    [change] = StatusChange.objects.filter(service=service)
    assert (change.old_status, change.new_status) == ("operational", "partial_outage")
    assert (change.source, change.actor, change.at) == (ChangeSource.API, admin, NOW)
    # The same name again is refused; a name that makes the same slug gets another.
    assert "name" in _error(api("post", "/components", {"component": {"name": "Webhooks"}}), 422)
    second = api("post", "/components", {"component": {"name": "Webhooks!"}})
    assert second.status_code == 201
    assert Service.objects.get(name="Webhooks!").slug == "webhooks-2"
    assert not StatusChange.objects.filter(service__name="Webhooks!").exists()


def test_patching_the_status_is_an_api_change_in_the_history_and_the_public_api_shows_it(
    client, api, admin, web
):
    address = f"/components/service-{web['api'].pk}"
    with time_machine.travel(NOW, tick=False):
        response = api("patch", address, {"component": {"status": "major_outage"}})
    assert response.status_code == 200
    _valid(response.json(), "component", "ManagementComponent")
    assert response.json()["status"] == "major_outage"
    [change] = StatusChange.objects.filter(service=web["api"])
    assert (change.new_status, change.source, change.actor) == ("major_outage", "api", admin)
    assert change.at == NOW
    summary = client.get("/api/v2/summary.json").json()
    shown = {c["id"]: c["status"] for c in summary["components"]}
    assert shown[f"service-{web['api'].pk}"] == "major_outage"
    assert shown[f"group-{web['group'].pk}"] == "major_outage"  # its worst service
    assert summary["status"]["indicator"] != "none"
    # The same status again changes nothing and writes no history.
    assert api("patch", address, {"component": {"status": "major_outage"}}).status_code == 200
    assert StatusChange.objects.filter(service=web["api"]).count() == 1


def test_patch_and_put_set_the_fields_given_and_keep_the_others(api, web):
    address = f"/components/service-{web['site'].pk}"
    response = api(
        "patch",
        address,
        {"component": {"name": "Web site", "group_id": f"group-{web['group'].pk}"}},
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == ("Web site", "The site")
    assert _stored(web["site"])[3] == web["group"].pk
    # PUT as Statuspage's: what a client read, sent back with its change.
    read = api("get", address).json()
    response = api("put", address, {"component": {**read, "description": "", "group_id": None}})
    assert response.status_code == 200
    _valid(response.json(), "component", "ManagementComponent")
    assert response.json()["description"] is None
    assert _stored(web["site"]) == ("Web site", "", "operational", None, 0)
    assert not StatusChange.objects.exists()


def test_a_component_is_deleted_unless_a_faq_names_it(api, web):
    response = api("delete", f"/components/service-{web['smtp'].pk}")
    assert response.status_code == 204
    assert response["Cache-Control"] == "private, no-store"
    assert not Service.objects.filter(pk=web["smtp"].pk).exists()
    _error(api("get", f"/components/service-{web['smtp'].pk}"), 404)
    ImpactEntryFactory(service=web["api"])
    assert "FAQ" in _error(api("delete", f"/components/service-{web['api'].pk}"), 422)
    assert Service.objects.filter(pk=web["api"].pk).exists()


# --- components: refused ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "down"}, "not a service status"),
        ({"status": "major_outage", "group_id": "group-999"}, "group-999"),
        ({"status": "major_outage", "name": ""}, "name"),
        ({"status": 3}, "status"),
        ({"status": "major_outage", "start_date": "2026-01-01"}, "start_date"),
        ({"status": "major_outage", "colour": "red"}, "colour"),
        ({"position": -1}, "position"),
    ],
    ids=["status", "group", "blank-name", "not-text", "start-date", "unknown-field", "position"],
)
def test_a_bad_change_is_a_422_with_the_reason_and_nothing_is_written(api, web, change, reason):
    before = _stored(web["api"])
    for method in ("patch", "put"):
        response = api(method, f"/components/service-{web['api'].pk}", {"component": change})
        assert reason in _error(response, 422)
    assert _stored(web["api"]) == before
    assert not StatusChange.objects.exists()
    response = api("post", "/components", {"component": {"name": "New", **change}})
    assert reason in _error(response, 422) or reason == "name"
    assert not Service.objects.filter(name="New").exists()


def test_a_body_that_is_not_json_or_too_large_or_not_wrapped_is_refused(api, web):
    address = f"/components/service-{web['api'].pk}"
    assert "JSON" in _error(api("patch", address, "{not json"), 400)
    assert "component" in _error(api("patch", address, {"status": "major_outage"}), 400)
    big = json.dumps({"component": {"description": "x" * (1024 * 1024)}})
    assert "1 MB" in _error(api("patch", address, big), 413)
    assert _error(api("post", "/components", "[]"), 400)
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    "address",
    [
        "/components/service-999",
        "/components/999",
        "/components/group-999",
        "/components/x",
        "/components/service-¹",  # a digit to isdigit(), not to int()
        "/components/service-" + "9" * 30,
    ],
)
def test_an_unknown_component_is_a_404(api, web, address):
    _error(api("get", address), 404)
    _error(api("patch", address, {"component": {"status": "major_outage"}}), 404)
    _error(api("delete", address), 404)


def test_another_page_id_is_a_404(client, key, web):
    headers = {"authorization": f"OAuth {key}"}
    for address in (
        "/api/v1/pages/another/components",
        f"/api/v1/pages/another/components/service-{web['api'].pk}",
        "/api/v1/pages/another/component-groups",
        f"/api/v1/pages/another/component-groups/group-{web['group'].pk}",
        f"/api/v1/pages/another/components/service-{web['api'].pk}/uptime",
    ):
        _error(client.get(address, headers=headers), 404)
    _error(client.get(f"{PAGE}/components"), 401)


def test_a_status_editors_key_sets_a_status_and_nothing_else(api, editor_key, web):
    address = f"/components/service-{web['api'].pk}"
    assert api("get", "/components", with_key=editor_key).status_code == 200
    response = api(
        "patch", address, {"component": {"status": "degraded_performance"}}, with_key=editor_key
    )
    assert response.status_code == 200
    assert StatusChange.objects.get().actor.username == "sam"
    # What a client read, sent back with a new status: only the status changes.
    read = response.json()
    response = api(
        "put", address, {"component": {**read, "status": "operational"}}, with_key=editor_key
    )
    assert response.status_code == 200
    before = _stored(web["api"])
    for change in ({"name": "Renamed"}, {"status": "major_outage", "description": "Hi"}):
        _error(api("patch", address, {"component": change}, with_key=editor_key), 403)
    _error(api("post", "/components", {"component": {"name": "X"}}, with_key=editor_key), 403)
    _error(api("delete", address, with_key=editor_key), 403)
    _error(api("post", "/component-groups", _group_body("G", web["api"]), with_key=editor_key), 403)
    _error(api("delete", f"/component-groups/group-{web['group'].pk}", with_key=editor_key), 403)
    assert _stored(web["api"]) == before
    assert Service.objects.count() == 3


def test_a_key_without_the_permissions_reads_nothing(api, plain_key, web):
    for address in (
        "/components",
        f"/components/service-{web['api'].pk}",
        f"/components/service-{web['api'].pk}/uptime",
        "/component-groups",
        f"/component-groups/group-{web['group'].pk}",
    ):
        _error(api("get", address, with_key=plain_key), 403)
    change = {"component": {"status": "major_outage"}}
    _error(api("patch", f"/components/service-{web['api'].pk}", change, with_key=plain_key), 403)
    assert not StatusChange.objects.exists()


def test_writes_are_in_the_audit_trail_by_the_keys_owner(api, admin, web):
    api("patch", f"/components/service-{web['api'].pk}", {"component": {"name": "Public API"}})
    entry = LogEntry.objects.get_for_object(web["api"]).latest("timestamp")
    assert entry.actor == admin
    assert "terraform" in (entry.cid or "")


def test_writes_leave_no_audit_receiver_behind(api, admin, web):
    """Each request's audit context and the key's, nested, are both undone when it ends
    (jazzband/django-auditlog#846: one receiver was left per write, for the life of the
    process, and every save went through all of them)."""
    address = f"/components/service-{web['api'].pk}"
    api("patch", address, {"component": {"name": "Public API"}})
    before = len(pre_save.receivers)
    for n in range(5):
        api("patch", address, {"component": {"name": f"Public API {n}"}})
    assert len(pre_save.receivers) == before
    entry = LogEntry.objects.get_for_object(web["api"]).latest("timestamp")
    assert (entry.actor, entry.changes_dict["name"][1]) == (admin, "Public API 4")


# --- component groups -------------------------------------------------------------------------


def _group_body(name: str, *services: Service, **extra) -> dict:
    ids = [f"service-{s.pk}" for s in services]
    return {"description": "Ignored", "component_group": {"name": name, "components": ids, **extra}}


def test_groups_are_listed_and_read(api, web):
    empty = ServiceGroupFactory(name="Later", position=5)
    listed = api("get", "/component-groups").json()
    for group in listed:
        _valid(group, "component_group", "ComponentGroup")
    assert [g["id"] for g in listed] == [f"group-{web['group'].pk}", f"group-{empty.pk}"]
    assert listed[0]["components"] == [f"service-{web['api'].pk}", f"service-{web['smtp'].pk}"]
    assert listed[1]["components"] == []
    assert [g["name"] for g in api("get", "/component-groups?per_page=1&page=2").json()] == [
        "Later"
    ]
    one = api("get", f"/component-groups/group-{web['group'].pk}").json()
    _valid(one, "component_group", "ComponentGroup")
    assert one == listed[0]


def test_a_group_is_created_of_the_services_named(api, web):
    response = api("post", "/component-groups", _group_body("Web", web["site"], web["smtp"]))
    assert response.status_code == 201
    created = response.json()
    _valid(created, "component_group", "ComponentGroup")
    group = ServiceGroup.objects.get(name="Web")
    assert created["id"] == f"group-{group.pk}"
    assert set(created["components"]) == {f"service-{web['site'].pk}", f"service-{web['smtp'].pk}"}
    assert _stored(web["smtp"])[3] == group.pk  # moved out of its old group
    assert _stored(web["api"])[3] == web["group"].pk
    component = api("get", f"/components/service-{web['site'].pk}").json()
    assert component["group_id"] == created["id"]


def test_patch_and_put_rename_a_group_and_set_its_services(api, web):
    address = f"/component-groups/group-{web['group'].pk}"
    response = api("patch", address, {"component_group": {"name": "Mail"}})
    assert response.status_code == 200
    assert response.json()["name"] == "Mail"
    assert len(response.json()["components"]) == 2
    response = api("put", address, _group_body("Mail", web["api"], web["site"]))
    assert response.status_code == 200
    _valid(response.json(), "component_group", "ComponentGroup")
    members = {f"service-{web['api'].pk}", f"service-{web['site'].pk}"}
    assert set(response.json()["components"]) == members
    assert _stored(web["smtp"])[3] is None  # left the group


def test_deleting_a_group_keeps_its_services(api, web):
    address = f"/component-groups/group-{web['group'].pk}"
    response = api("delete", address)
    assert response.status_code == 200
    _valid(response.json(), "component_group", "ComponentGroup")
    assert response.json()["name"] == "Email"
    assert not ServiceGroup.objects.exists()
    assert Service.objects.filter(group=None).count() == 3
    _error(api("get", address), 404)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"component_group": {"name": "G", "components": ["service-999"]}}, "service-999"),
        ({"component_group": {"name": "G", "components": ["group-1"]}}, "group-1"),
        ({"component_group": {"name": "G", "components": []}}, "components"),
        ({"component_group": {"name": "", "components": ["service-1"]}}, "name"),
        ({"component_group": {"name": "Email", "colour": "red"}}, "colour"),
    ],
    ids=["unknown-component", "a-group", "no-components", "no-name", "unknown-field"],
)
def test_a_bad_group_is_a_422_and_nothing_is_written(api, web, body, reason):
    before = [_stored(s) for s in Service.objects.all()]
    assert reason in _error(api("post", "/component-groups", body), 422)
    response = api("patch", f"/component-groups/group-{web['group'].pk}", body)
    assert reason in _error(response, 422) or reason == "name"
    assert ServiceGroup.objects.get().name == "Email"
    assert [_stored(s) for s in Service.objects.all()] == before


def test_an_unknown_group_is_a_404(api, web):
    for address in ("/component-groups/group-999", "/component-groups/999"):
        _error(api("get", address), 404)
        _error(api("patch", address, {"component_group": {"name": "X"}}), 404)
        _error(api("delete", address), 404)


# --- uptime -----------------------------------------------------------------------------------


def test_uptime_is_the_history_apis_figures_in_statuspages_shape(client, api, web):
    address = f"/components/service-{web['api'].pk}"
    start = NOW - timedelta(days=2)
    with time_machine.travel(start, tick=False) as clock:
        api("patch", address, {"component": {"status": "major_outage"}})
        clock.shift(timedelta(hours=1))
        api("patch", address, {"component": {"status": "partial_outage"}})
        clock.shift(timedelta(hours=2))
        api("patch", address, {"component": {"status": "operational"}})
        clock.move_to(NOW)
        response = api("get", f"{address}/uptime?start=2026-02-27&end=2026-03-02")
        public = client.get(
            f"/api/v2/components/service-{web['api'].pk}/uptime.json?from=2026-02-27&to=2026-03-02"
        ).json()["component"]
        default = api("get", f"{address}/uptime").json()
        ahead = api("get", f"{address}/uptime?start=2026-03-01&end=2026-03-05").json()
    assert response.status_code == 200
    uptime = response.json()
    _valid(uptime, "component_uptime", "ManagementComponentUptime")
    assert (uptime["id"], uptime["name"]) == (f"service-{web['api'].pk}", "API")
    assert (uptime["range_start"], uptime["range_end"]) == ("2026-02-27", "2026-03-02")
    assert (uptime["major_outage"], uptime["partial_outage"]) == (3600, 7200)
    assert uptime["uptime_percentage"] == public["uptime_percent"] < 100
    assert uptime["warnings"] == []
    assert (default["range_start"], default["range_end"]) == ("2025-12-03", "2026-03-02")
    assert default["major_outage"] == 3600
    assert ahead["warnings"]
    _valid(ahead, "component_uptime", "ManagementComponentUptime")


@pytest.mark.parametrize(
    "query",
    ["start=yesterday", "end=2026-13-01", "start=2026-03-02&end=2026-03-01", "start=2020-01-01"],
)
def test_uptime_refuses_a_bad_range(api, web, query):
    with time_machine.travel(NOW, tick=False):
        _error(api("get", f"/components/service-{web['api'].pk}/uptime?{query}"), 400)


def test_uptime_of_an_unknown_component_or_a_group_is_a_404(api, web):
    _error(api("get", "/components/service-999/uptime"), 404)
    _error(api("get", f"/components/group-{web['group'].pk}/uptime"), 404)
