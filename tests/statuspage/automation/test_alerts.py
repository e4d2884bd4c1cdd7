"""The alert receivers at /api/v1/alerts/*, through HTTP with a real key, fed the payloads of
Alertmanager's and Grafana's webhook documentation (tests/.../payloads): a firing alert
opens a draft incident nobody outside sees, first on the staff console."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth.models import Group
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from statuspage.automation import services as keys
from statuspage.automation.models import Alert, AlertReceiver
from statuspage.models import ChangeSource, Incident, StatusChange, StatusUpdate
from statuspage.security.permissions import COMMENT_MODERATORS, STATUS_EDITORS
from tests.factories import (
    MaintenanceWindowFactory,
    ProfileFactory,
    ServiceFactory,
    UserFactory,
)

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
HERE = Path(__file__).parent
OPENAPI = json.loads(
    (Path(settings.BASE_DIR) / "statuspage/publishing/api/openapi.json").read_text("utf-8")
)
RECEIPT = json.loads((HERE / "schemas/alert_receipt.json").read_text("utf-8"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api(db):
    return ServiceFactory(name="dotMailer API", slug="api")


@pytest.fixture
def smtp(db):
    return ServiceFactory(name="SMTP relay", slug="smtp")


@pytest.fixture
def owner(db):
    """A Status editor, as the monitoring's key owner would be: may open incidents."""
    user = UserFactory(username="monitoring", is_staff=True)
    ProfileFactory(user=user, name="Monitoring", role="Automation")
    user.groups.add(Group.objects.get(name=STATUS_EDITORS))
    return user


@pytest.fixture
def key(owner) -> str:
    return keys.api_key_create(owner=owner, name="alertmanager")[1]


def payload(name: str) -> dict:
    return json.loads((HERE / "payloads" / f"{name}.json").read_text("utf-8"))


def send(client, key: str, kind: str, data, **extra):
    content = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        f"/api/v1/alerts/{kind}",
        content,
        content_type="application/json",
        headers={"authorization": f"OAuth {key}"},
        **extra,
    )


def accepted(response) -> dict:
    assert response.status_code == 202, response.content
    assert response["Cache-Control"] == "private, no-store"
    receipt = response.json()
    jsonschema.Draft202012Validator(RECEIPT).validate(receipt)
    documented(receipt, "AlertReceipt")
    return receipt


def documented(instance, schema_name: str) -> None:
    resource = Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
    jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema_name}"},
        registry=Registry().with_resource("urn:openapi", resource),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


def nothing_written() -> None:
    assert not Alert.objects.exists()
    assert not Incident.objects.exists()


# --- Alertmanager ----------------------------------------------------------------------------


def test_a_firing_alert_opens_one_draft_incident_for_its_service(client, key, api, owner):
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))

    draft = Incident.objects.get()
    assert draft.published_at is None
    assert list(draft.services.all()) == [api]
    assert draft.title == "dotMailer API: BlackBox Probe Failure: https://server.example.org"
    assert (draft.status, draft.impact) == ("investigating", "major")  # severity critical
    assert draft.started_at == datetime(2023, 2, 6, 13, 8, 45, 828000, tzinfo=UTC)
    update = StatusUpdate.objects.get()
    assert update.published_at is None  # the alert's words, for a person to check
    assert update.body.startswith("Instance https://server.example.org has been down")
    assert update.author == owner
    [alert] = receipt["alerts"]
    assert alert["outcome"] == "drafted"
    assert alert["component_id"] == f"service-{api.pk}"
    assert alert["incident_id"] == f"incident-{draft.pk}"
    assert receipt["unmatched"] == []
    assert api.status == "operational"  # no receiver says to set it


def test_the_same_alert_again_updates_its_draft(client, key, api):
    accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_repeated")))

    draft = Incident.objects.get()
    assert draft.title.endswith("(still failing)")
    alert = Alert.objects.get()
    assert (alert.received, alert.outcome, alert.incident) == (2, "drafted", draft)
    assert receipt["alerts"][0]["incident_id"] == f"incident-{draft.pk}"
    assert StatusUpdate.objects.count() == 1


def test_a_resolved_alert_is_marked_and_resolving_is_proposed_on_the_console(
    client, key, api, owner
):
    accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_resolved")))

    alert = Alert.objects.get()
    assert alert.state == "resolved"
    assert alert.ends_at == datetime(2023, 2, 6, 13, 38, 45, 828000, tzinfo=UTC)
    assert receipt["alerts"][0]["status"] == "resolved"
    draft = Incident.objects.get()
    assert (draft.published_at, draft.status) == (None, "investigating")  # a person decides
    client.force_login(owner)
    page = client.get("/admin/").text
    assert "Every alert behind it has resolved" in page


def test_a_group_of_alerts_for_two_services_opens_two_drafts(client, key, api, smtp):
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_grouped")))

    assert [a["outcome"] for a in receipt["alerts"]] == ["drafted", "drafted"]
    assert {i.services.get() for i in Incident.objects.all()} == {api, smtp}
    assert Incident.objects.filter(published_at=None).count() == 2
    # The group again: the same two drafts.
    accepted(send(client, key, "alertmanager", payload("alertmanager_grouped")))
    assert Incident.objects.count() == 2


def test_an_alert_naming_no_known_service_is_recorded_and_opens_nothing(client, key, api):
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_unknown_service")))

    assert not Incident.objects.exists()
    [unmatched] = receipt["unmatched"]
    assert unmatched["labels"]["alertname"] == "Test"
    alert = Alert.objects.get()
    assert (alert.outcome, alert.service, alert.summary) == ("unmatched", None, "some description")


def test_an_alert_for_a_service_under_maintenance_is_recorded_and_opens_nothing(client, key, api):
    MaintenanceWindowFactory(
        status="in_progress",
        scheduled_start=NOW - timedelta(hours=1),
        scheduled_end=NOW + timedelta(hours=1),
        services=[api],
    )
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))

    assert receipt["alerts"][0]["outcome"] == "maintenance"
    assert receipt["alerts"][0]["incident_id"] is None
    assert not Incident.objects.exists()
    assert Alert.objects.get().service == api


def test_a_receiver_that_sets_the_status_sets_it_through_the_history(client, key, api, owner):
    AlertReceiver.objects.create(
        name="Prometheus", kind="alertmanager", owner=owner, status_to_set="partial_outage"
    )
    receipt = accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))

    api.refresh_from_db()
    assert api.status == "partial_outage"
    assert receipt["alerts"][0]["component_status"] == "partial_outage"
    assert receipt["receiver"] == "Prometheus"
    change = StatusChange.objects.get()
    assert (change.source, change.actor, change.new_status) == (
        ChangeSource.API,
        owner,
        "partial_outage",
    )
    # Worse already: left as it is.
    api.status = "major_outage"
    api.save(update_fields=["status"])
    accepted(send(client, key, "alertmanager", payload("alertmanager_repeated")))
    api.refresh_from_db()
    assert api.status == "major_outage"
    assert StatusChange.objects.count() == 1


# --- Grafana and plain JSON ------------------------------------------------------------------


def test_grafana_alerts_reach_their_services_through_the_receivers_label_mapping(
    client, key, api, smtp, owner
):
    AlertReceiver.objects.create(
        name="Grafana",
        kind="grafana",
        owner=owner,
        label_map={"zone": {"us-1": "api", "eu-1": f"service-{smtp.pk}"}},
    )
    receipt = accepted(send(client, key, "grafana", payload("grafana_grouped")))

    assert [a["component_id"] for a in receipt["alerts"]] == [
        f"service-{api.pk}",
        f"service-{smtp.pk}",
    ]
    assert Incident.objects.count() == 2
    memory = Alert.objects.get(key="c6eadffa33fcdf37")
    assert memory.annotations["valueString"].startswith("[ metric=''")


def test_grafana_firing_repeated_and_resolved_keep_to_one_draft(client, key, api, owner):
    AlertReceiver.objects.create(
        name="Grafana", kind="grafana", owner=owner, label_map={"zone": {"us-1": "api"}}
    )
    accepted(send(client, key, "grafana", payload("grafana_firing")))
    accepted(send(client, key, "grafana", payload("grafana_repeated")))
    receipt = accepted(send(client, key, "grafana", payload("grafana_resolved")))

    assert Incident.objects.count() == 1
    alert = Alert.objects.get()
    assert (alert.received, alert.state) == (3, "resolved")
    assert receipt["alerts"][0]["incident_id"] == f"incident-{Incident.objects.get().pk}"


def test_a_plain_json_alert_names_its_service_by_id(client, key, api):
    data = {"id": "disk-1", "service": str(api.pk), "summary": "Disk almost full"}
    receipt = accepted(send(client, key, "json", data))

    assert receipt["alerts"][0]["outcome"] == "drafted"
    assert Incident.objects.get().title == "dotMailer API: Disk almost full"
    # A second alert for the same service joins the open draft.
    accepted(send(client, key, "json", {"alerts": [{"id": "disk-2", "component": "api"}]}))
    assert Incident.objects.count() == 1
    assert Alert.objects.get(key="disk-2").outcome == "attached"


# --- who sees the draft ----------------------------------------------------------------------


def test_the_draft_is_hidden_from_readers_and_first_on_the_console(client, key, api, owner):
    accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))
    draft = Incident.objects.get()

    assert "BlackBox Probe Failure" not in client.get("/").text
    assert client.get("/api/v2/incidents.json").json()["incidents"] == []
    assert client.get(f"/incidents/{draft.slug}/").status_code == 404

    client.force_login(owner)
    page = client.get("/admin/").text
    assert page.index("From your alerts") < page.index("Under way")
    assert "BlackBox Probe Failure: https://server.example.org" in page
    assert f'href="/admin/statuspage/incident/{draft.pk}/change/"' in page
    assert "Review and publish" in page


def test_the_audit_trail_names_the_key_that_opened_the_draft(client, key, api, owner):
    accepted(send(client, key, "alertmanager", payload("alertmanager_firing")))

    entries = LogEntry.objects.get_for_object(Incident.objects.get())
    assert entries.count() == 2  # made, then given its service
    for entry in entries:
        assert entry.actor == owner
        assert entry.cid == f"API key alertmanager ({key[:8]}…)"
        assert key not in entry.cid


# --- bad input -------------------------------------------------------------------------------


def test_malformed_json_is_a_400_and_writes_nothing(client, key, api):
    response = send(client, key, "alertmanager", '{"alerts": [')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    nothing_written()


def test_a_body_over_1_mb_is_a_413(client, key, api):
    big = payload("alertmanager_firing")
    big["padding"] = "x" * (1024 * 1024)
    assert send(client, key, "alertmanager", big).status_code == 413
    nothing_written()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"version": "4"}, "“alerts”, a list"),
        ({"alerts": ["firing"]}, "“alerts”, a list"),
        ({"alerts": [{"status": "exploded", "labels": {"service": "api"}}]}, "“exploded”"),
    ],
)
def test_a_payload_without_readable_alerts_is_a_422_and_writes_nothing(
    client, key, api, data, reason
):
    response = send(client, key, "alertmanager", data)
    assert response.status_code == 422
    assert reason in response.json()["error"]
    nothing_written()


def test_an_unknown_alert_status_after_a_good_one_writes_nothing_either(client, key, api):
    data = payload("alertmanager_firing")
    data["alerts"].append({"status": "exploded", "labels": {"service": "api"}})
    assert send(client, key, "alertmanager", data).status_code == 422
    nothing_written()


def test_no_key_is_a_401_and_a_key_that_may_not_open_incidents_a_403(client, key, api):
    assert send(client, "", "alertmanager", payload("alertmanager_firing")).status_code == 401
    moderator = UserFactory(username="moderator", is_staff=True)
    moderator.groups.add(Group.objects.get(name=COMMENT_MODERATORS))
    theirs = keys.api_key_create(owner=moderator, name="chat bot")[1]
    response = send(client, theirs, "alertmanager", payload("alertmanager_firing"))
    assert response.status_code == 403
    nothing_written()


def test_only_post_is_served(client, key):
    response = client.get("/api/v1/alerts/grafana", headers={"authorization": f"OAuth {key}"})
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_an_empty_body_is_a_400(client, key, api):
    assert send(client, key, "json", "").status_code == 400
    nothing_written()


def test_a_very_long_group_key_is_kept_as_its_digest(client, key, api):
    data = payload("alertmanager_firing")
    data["groupKey"] = "{}:{" + "x" * 600 + "}"
    accepted(send(client, key, "alertmanager", data))
    accepted(send(client, key, "alertmanager", data))
    assert len(Alert.objects.get().key) == 64
    assert Incident.objects.count() == 1


def test_receivers_are_set_and_alerts_read_in_the_admin(client, key, api, owner):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    ProfileFactory(user=boss, name="Boss", role="Head of support")
    client.force_login(boss)
    add = "/admin/statuspage/alertreceiver/add/"
    assert client.get(add).status_code == 200
    form = {"name": "Grafana", "kind": "grafana", "owner": owner.pk, "status_to_set": ""}
    refused = client.post(add, {**form, "label_map": '{"zone": "api"}'})
    assert "Map each label to an object" in refused.text
    assert client.post(add, {**form, "label_map": '{"zone": {"us-1": "api"}}'}).status_code == 302
    assert AlertReceiver.objects.get().label_map == {"zone": {"us-1": "api"}}

    accepted(send(client, key, "grafana", payload("grafana_firing")))
    listed = client.get("/admin/statuspage/alert/")
    assert listed.status_code == 200
    assert "This alert was triggered for zone us-1" in listed.text
