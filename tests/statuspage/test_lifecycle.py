"""Maintenance and incident lifecycles, driven through the admin as staff drive them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from statuspage.models import (
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceStatus,
    StatusUpdate,
)
from statuspage.tasks import maintenance_advance_due
from tests.factories import IncidentFactory, MaintenanceWindowFactory, ServiceFactory

NOW = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
ACTIONS = {
    MaintenanceStatus.IN_PROGRESS: "mark_in_progress",
    MaintenanceStatus.VERIFYING: "mark_verifying",
    MaintenanceStatus.COMPLETED: "mark_completed",
    MaintenanceStatus.ROLLED_BACK: "mark_rolled_back",
    MaintenanceStatus.CANCELLED: "mark_cancelled",
}
CHANGELIST = "/admin/statuspage/maintenancewindow/"
# The lifecycle the seed FAQ describes, written out independently of the code.
ALLOWED = {
    (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS),
    (MaintenanceStatus.POSTPONED, MaintenanceStatus.IN_PROGRESS),
    (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING),
    (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.COMPLETED),
    (MaintenanceStatus.VERIFYING, MaintenanceStatus.COMPLETED),
    (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.ROLLED_BACK),
    (MaintenanceStatus.VERIFYING, MaintenanceStatus.ROLLED_BACK),
    (MaintenanceStatus.SCHEDULED, MaintenanceStatus.CANCELLED),
    (MaintenanceStatus.POSTPONED, MaintenanceStatus.CANCELLED),
}


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _run_action(client, action: str, *windows):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [w.pk for w in windows]},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("to", list(ACTIONS))
@pytest.mark.parametrize("start", list(MaintenanceStatus))
def test_every_transition_is_allowed_or_refused_clearly(staff_client, start, to):
    window = MaintenanceWindowFactory(status=start)
    response = _run_action(staff_client, ACTIONS[to], window)
    window.refresh_from_db()
    if (start, to) in ALLOWED:
        assert window.status == to
        assert _messages(response) == [f"“{window}” is now {MaintenanceStatus(to).label.lower()}."]
        update = window.updates.get()
        assert (update.status, update.author.username) == (to, "editor")
    else:
        assert window.status == start
        [message] = _messages(response)
        if start == to:
            assert (
                message
                == f"“{window}”: This maintenance is already {MaintenanceStatus(to).label.lower()}."
            )
        else:
            assert message.startswith(
                f"“{window}”: This maintenance is {MaintenanceStatus(start).label.lower()};"
            )
            assert f"can become {MaintenanceStatus(to).label.lower()}." in message
        assert not window.updates.exists()


def test_starting_puts_services_under_maintenance_and_completing_restores_them(staff_client):
    api, forums = ServiceFactory(), ServiceFactory(status=ServiceStatus.DEGRADED_PERFORMANCE)
    window = MaintenanceWindowFactory(services=[api, forums])
    _run_action(staff_client, "mark_in_progress", window)
    assert set(Service.objects.values_list("status", flat=True)) == {"under_maintenance"}
    update = window.updates.get()
    assert {(c.service, c.old_status, c.new_status) for c in update.service_changes.all()} == {
        (api, "operational", "under_maintenance"),
        (forums, "degraded_performance", "under_maintenance"),
    }
    _run_action(staff_client, "mark_completed", window)
    api.refresh_from_db()
    forums.refresh_from_db()
    assert (api.status, forums.status) == ("operational", "degraded_performance")


def test_rolling_back_restores_services_and_says_no_data_was_lost(staff_client, client):
    api = ServiceFactory()
    window = MaintenanceWindowFactory(services=[api])
    _run_action(staff_client, "mark_in_progress", window)
    _run_action(staff_client, "mark_rolled_back", window)
    api.refresh_from_db()
    assert api.status == "operational"
    page = client.get(window.get_absolute_url()).content.decode()
    assert "Rolled back" in page
    assert "No data was lost." in page


def _post_update(client, event, **fields):
    kind = "maintenancewindow" if isinstance(event, MaintenanceWindow) else "incident"
    data = {"body": "Progress.", "status": event.status, "publish": "on", **fields}
    return client.post(f"/admin/statuspage/{kind}/{event.pk}/post-update/", data)


def _dates(start: datetime) -> dict:
    end = start + timedelta(hours=4)
    return {
        "new_start_0": f"{start:%Y-%m-%d}",
        "new_start_1": f"{start:%H:%M:%S}",
        "new_end_0": f"{end:%Y-%m-%d}",
        "new_end_1": f"{end:%H:%M:%S}",
    }


def test_postponing_needs_14_days_notice_of_the_revised_date(staff_client, frozen_time):
    window = MaintenanceWindowFactory()
    frozen_time.move_to(NOW + timedelta(days=5))  # announced now, five days later
    staff_client.force_login(get_user_model().objects.get(username="editor"))  # idle: signed out
    too_soon = NOW + timedelta(days=5 + 13, hours=23)
    response = _post_update(staff_client, window, status="postponed", **_dates(too_soon))
    assert response.status_code == 200
    assert "We promise at least 14 days&#x27; notice of a revised date" in response.content.decode()
    window.refresh_from_db()
    assert (window.status, window.updates.count()) == ("scheduled", 0)

    in_time = NOW + timedelta(days=5 + 14)
    response = _post_update(staff_client, window, status="postponed", **_dates(in_time))
    assert response.status_code == 302
    window.refresh_from_db()
    assert (window.status, window.scheduled_start) == ("postponed", in_time)
    assert window.postponed_at == NOW + timedelta(days=5)


def test_postponing_without_a_revised_date_is_refused(staff_client):
    window = MaintenanceWindowFactory()
    response = _post_update(staff_client, window, status="postponed")
    assert "Give the revised start and end of the postponed maintenance." in (
        response.content.decode()
    )
    assert MaintenanceWindow.objects.get().status == "scheduled"


def test_a_postponed_window_can_start_on_its_new_date(staff_client):
    window = MaintenanceWindowFactory(status=MaintenanceStatus.POSTPONED)
    _run_action(staff_client, "mark_in_progress", window)
    window.refresh_from_db()
    assert window.status == "in_progress"


def test_a_completed_window_cannot_be_reopened_by_an_update(staff_client):
    window = MaintenanceWindowFactory(status=MaintenanceStatus.COMPLETED)
    response = _post_update(staff_client, window, status="in_progress")
    assert "Select a valid choice." in response.content.decode()
    window.refresh_from_db()
    assert (window.status, window.updates.count()) == ("completed", 0)
    # A note on a completed window, without a status change, is fine.
    assert _post_update(staff_client, window, body="Post-upgrade report.").status_code == 302


def test_a_resolved_incident_is_reopened_only_explicitly(staff_client):
    incident = IncidentFactory(status=IncidentStatus.RESOLVED)
    response = _post_update(staff_client, incident, status="investigating")
    assert "This incident is resolved; reopen it first to post a new status." in (
        response.content.decode()
    )
    assert incident.updates.count() == 0
    staff_client.post(
        "/admin/statuspage/incident/", {"action": "reopen", "_selected_action": [incident.pk]}
    )
    incident.refresh_from_db()
    assert incident.status == "investigating"
    assert incident.updates.get().status == "investigating"


def test_incident_moves_through_its_statuses_and_records_resolution(staff_client):
    incident = IncidentFactory()
    for status in ["identified", "monitoring", "resolved"]:
        assert _post_update(staff_client, incident, status=status).status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.resolved_at) == ("resolved", NOW)
    assert list(incident.updates.values_list("status", flat=True)) == [
        "resolved",
        "monitoring",
        "identified",
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": "   "}, "Write what is happening; an update cannot be empty."),
        ({"body": ""}, "Write what is happening; an update cannot be empty."),
        (
            {"display_at_0": "2030-06-02", "display_at_1": "09:00:01"},
            "An update may be dated at most one day ahead.",
        ),
        (
            {"status": "in_progress", "publish": "", "confirm_timing": "on"},
            "Status and time changes are published at once; post the update instead of a draft.",
        ),
    ],
)
def test_bad_updates_are_refused_and_nothing_is_saved(staff_client, fields, message):
    window = MaintenanceWindowFactory(services=[ServiceFactory()])
    response = _post_update(staff_client, window, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert StatusUpdate.objects.count() == 0
    window.refresh_from_db()
    assert window.status == "scheduled"
    assert Service.objects.get().status == "operational"


def test_an_update_may_change_services_on_its_own(staff_client):
    api = ServiceFactory()
    incident = IncidentFactory(services=[api])
    _post_update(staff_client, incident, **{f"service_{api.pk}": "partial_outage"})
    api.refresh_from_db()
    assert api.status == "partial_outage"
    change = incident.updates.get().service_changes.get()
    assert (change.old_status, change.new_status) == ("operational", "partial_outage")


def test_automatic_start_and_completion_at_the_planned_times(db, frozen_time):
    api = ServiceFactory()
    auto = MaintenanceWindowFactory(auto_advance=True, services=[api])
    manual = MaintenanceWindowFactory()
    maintenance_advance_due.delay()
    assert MaintenanceWindow.objects.get(pk=auto.pk).status == "scheduled"
    frozen_time.move_to(auto.scheduled_start)
    maintenance_advance_due.delay()
    auto.refresh_from_db()
    api.refresh_from_db()
    assert (auto.status, auto.started_at, api.status) == (
        "in_progress",
        auto.scheduled_start,
        "under_maintenance",
    )
    frozen_time.move_to(auto.scheduled_end)
    maintenance_advance_due.delay()
    auto.refresh_from_db()
    api.refresh_from_db()
    assert (auto.status, api.status) == ("completed", "operational")
    assert [u.author for u in auto.updates.all()] == [None, None]
    assert MaintenanceWindow.objects.get(pk=manual.pk).status == "scheduled"


def test_beat_runs_the_automatic_advance_every_minute(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["maintenance-advance-due"]
    assert schedule == {"task": "statuspage.tasks.maintenance_advance_due", "schedule": 60.0}
    call_command("check")


@pytest.mark.parametrize("object_id", ["abc", "99999999999999999999", "0"])
@pytest.mark.parametrize("view", ["post-update", "preview"])
@pytest.mark.parametrize("kind", ["maintenancewindow", "incident"])
def test_the_update_pages_of_an_id_that_names_no_event_answer_404(
    staff_client, kind, view, object_id
):
    url = f"/admin/statuspage/{kind}/{object_id}/{view}/"
    assert staff_client.get(url).status_code == 404
    assert staff_client.post(url, {"body": "Progress.", "status": "scheduled"}).status_code == 404
