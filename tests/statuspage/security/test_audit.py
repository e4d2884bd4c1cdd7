"""The audit trail of staff writes (django-auditlog), written and read through the admin."""

from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import TestCase

from faq.models import Comment, CommentStatus
from statuspage.models import MaintenanceWindow, Service, ServiceStatus
from statuspage.security.permissions import STATUS_EDITORS
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.admin_forms import form_data
from tests.factories import (
    FAQFactory,
    MaintenanceWindowFactory,
    ProfileFactory,
    ServiceFactory,
    UserFactory,
)

LOG = "/admin/auditlog/logentry/"


def _entries(model, pk) -> list[LogEntry]:
    content_type = ContentType.objects.get_for_model(model)
    return list(
        LogEntry.objects.filter(content_type=content_type, object_pk=str(pk)).order_by("pk")
    )


def test_an_admin_edit_records_who_and_the_values_before_and_after(staff_client):
    service = ServiceFactory(name="Email sending", status=ServiceStatus.OPERATIONAL)
    url = f"/admin/statuspage/service/{service.pk}/change/"
    data = {**form_data(staff_client.get(url).content.decode()), "status": "partial_outage"}

    assert staff_client.post(url, data).status_code == 302

    entry = _entries(Service, service.pk)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor.username == "editor"
    assert entry.changes_dict["status"] == ["operational", "partial_outage"]
    assert entry.timestamp is not None

    listing = staff_client.get(LOG).content.decode()
    assert "Email sending" in listing
    assert "editor" in listing
    detail = staff_client.get(f"{LOG}{entry.pk}/change/").content.decode()
    assert "operational" in detail
    assert "partial_outage" in detail


def test_adding_and_deleting_are_recorded_with_their_actor(staff_client):
    response = staff_client.post(
        "/admin/statuspage/servicegroup/add/",
        {
            "name": "Sending",
            "position": "1",
            "services-TOTAL_FORMS": "0",
            "services-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    group_entry = LogEntry.objects.get(action=LogEntry.Action.CREATE, object_repr="Sending")
    assert group_entry.actor.username == "editor"

    service = ServiceFactory(name="Tracking")
    url = f"/admin/statuspage/service/{service.pk}/delete/"
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    deleted = _entries(Service, service.pk)[-1]
    assert deleted.action == LogEntry.Action.DELETE
    assert deleted.actor.username == "editor"


def test_writes_through_services_carry_the_staff_member(staff_client):
    window = MaintenanceWindowFactory()
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    assert (
        staff_client.post(
            url,
            {"body": "Starting.", "status": "in_progress", "publish": "on", "confirm_timing": "on"},
        )
    ).status_code == 302

    status_change = [
        entry for entry in _entries(MaintenanceWindow, window.pk) if "status" in entry.changes_dict
    ][-1]
    assert status_change.changes_dict["status"] == ["scheduled", "in_progress"]
    assert status_change.actor.username == "editor"
    update_entry = LogEntry.objects.get(
        content_type=ContentType.objects.get(model="statusupdate"), action=LogEntry.Action.CREATE
    )
    assert update_entry.actor.username == "editor"


def test_admin_actions_and_moderation_carry_the_staff_member(staff_client):
    faq = FAQFactory()
    author = UserFactory()
    comment = Comment.objects.create(
        faq=faq, author=author, author_name="Ada", body="Will links work?"
    )
    response = staff_client.post(
        "/admin/faq/comment/",
        {"action": "hide", "_selected_action": [comment.pk], "apply": "1", "reason": "Spam"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HIDDEN
    entry = _entries(Comment, comment.pk)[-1]
    assert entry.actor.username == "editor"
    assert entry.changes_dict["status"][1] == CommentStatus.HIDDEN


def test_group_membership_and_user_changes_are_recorded_without_passwords(staff_client):
    user = UserFactory(username="duty-engineer", is_staff=True)
    group = Group.objects.get(name=STATUS_EDITORS)
    url = f"/admin/auth/user/{user.pk}/change/"
    data = {**form_data(staff_client.get(url).content.decode()), "groups": [str(group.pk)]}
    assert staff_client.post(url, data).status_code == 302

    entries = _entries(type(user), user.pk)
    groups_entry = next(entry for entry in entries if "groups" in entry.changes_dict)
    assert groups_entry.actor.username == "editor"
    assert STATUS_EDITORS in str(groups_entry.changes_dict["groups"])
    assert not any("password" in entry.changes_dict for entry in entries)


def test_webhook_secrets_are_masked(db):
    hook = Webhook.objects.create(
        url="https://hooks.example.com/x", email="ops@example.com", secret="s3cr3t-value-abcdef"
    )
    entry = _entries(Webhook, hook.pk)[-1]
    assert "s3cr3t-value-abcdef" not in str(entry.changes)


def test_the_trail_cannot_be_edited_or_deleted_even_by_a_superuser(staff_client):
    service = ServiceFactory()
    service.name = "Renamed"
    service.save()
    entry = LogEntry.objects.filter(object_pk=str(service.pk)).latest("pk")

    assert staff_client.get(f"{LOG}add/").status_code == 403
    assert staff_client.post(f"{LOG}{entry.pk}/change/", {"action": "0"}).status_code == 403
    assert staff_client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    staff_client.post(LOG, {"action": "delete_selected", "_selected_action": [entry.pk]})
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_status_editors_cannot_read_the_trail(db, client):
    editor = UserFactory(username="duty-engineer", is_staff=True)
    ProfileFactory(user=editor)  # the console asks nothing first
    editor.groups.add(Group.objects.get(name=STATUS_EDITORS))
    client.force_login(editor)
    assert client.get(LOG).status_code == 403
    assert "auditlog" not in client.get("/admin/").content.decode()


def test_a_reader_without_a_session_is_recorded_without_an_actor(db, client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/subscribe/", {"subscribe": "1", "email": "reader@example.com"})
    assert "Check your inbox" in response.content.decode()
    subscriber = Subscriber.objects.get()
    [entry] = _entries(Subscriber, subscriber.pk)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor is None
