"""“Status editors” post updates and run transitions, and can change nothing else."""

import pytest
from django.contrib.auth.models import Group

from faq.models import FAQ
from statuspage.security.permissions import STATUS_EDITORS
from tests.factories import IncidentFactory, MaintenanceWindowFactory, ServiceFactory, UserFactory


@pytest.fixture
def editor_client(db, client):
    editor = UserFactory(username="duty-engineer", is_staff=True)
    editor.groups.add(Group.objects.get(name=STATUS_EDITORS))
    client.force_login(editor)
    return client


def test_status_editors_group_exists_after_migrate(db):
    permissions = set(
        Group.objects.get(name=STATUS_EDITORS).permissions.values_list("codename", flat=True)
    )
    assert {"add_statusupdate", "transition_maintenancewindow", "transition_incident"} <= (
        permissions
    )
    assert not {"change_service", "change_faq", "change_user", "change_maintenancewindow"} & (
        permissions
    )


def test_editor_posts_an_update_and_is_recorded_as_its_author(editor_client):
    window = MaintenanceWindowFactory()
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    assert editor_client.get(url).status_code == 200
    response = editor_client.post(
        url,
        {"body": "Starting now.", "status": "in_progress", "publish": "on", "confirm_timing": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"  # back to the console, for the next thing
    update = window.updates.get()
    assert (update.author.username, update.status) == ("duty-engineer", "in_progress")


def test_editor_runs_transitions_from_the_changelist(editor_client):
    window = MaintenanceWindowFactory()
    editor_client.post(
        "/admin/statuspage/maintenancewindow/",
        {"action": "mark_in_progress", "_selected_action": [window.pk]},
    )
    window.refresh_from_db()
    assert window.status == "in_progress"


def test_editor_opens_and_resolves_incidents(editor_client):
    incident = IncidentFactory()
    editor_client.post(
        "/admin/statuspage/incident/", {"action": "resolve", "_selected_action": [incident.pk]}
    )
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_editor_cannot_edit_services_users_or_faqs(editor_client, demo):
    service = ServiceFactory(name="Billing")
    faq = FAQ.objects.first()
    assert editor_client.get("/admin/statuspage/service/add/").status_code == 403
    response = editor_client.post(
        f"/admin/statuspage/service/{service.pk}/change/", {"name": "Renamed", "slug": "x"}
    )
    assert response.status_code == 403
    assert editor_client.get("/admin/auth/user/").status_code == 403
    assert editor_client.get("/admin/auth/user/add/").status_code == 403
    response = editor_client.post(f"/admin/faq/faq/{faq.pk}/change/", {"title": "Hijacked"})
    assert response.status_code == 403
    service.refresh_from_db()
    faq.refresh_from_db()
    assert (service.name, faq.title) != ("Renamed", "Hijacked")


def test_staff_without_the_group_cannot_post_updates(db, client):
    client.force_login(UserFactory(is_staff=True))
    window = MaintenanceWindowFactory()
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "x", "status": "in_progress"}).status_code == 403
    assert not window.updates.exists()
