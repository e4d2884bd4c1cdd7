"""The “Status editors” group: staff who post updates and run transitions, nothing more.

It is created, and its permissions set, after every migrate, so a fresh
install has it and a changed list below reaches existing installs.
"""

from django.db.models.signals import post_migrate

STATUS_EDITORS = "Status editors"
STATUS_EDITOR_PERMISSIONS = [
    ("statuspage", "view_service"),
    ("statuspage", "view_servicegroup"),
    ("statuspage", "view_maintenancewindow"),
    ("statuspage", "transition_maintenancewindow"),
    ("statuspage", "add_incident"),
    ("statuspage", "change_incident"),
    ("statuspage", "view_incident"),
    ("statuspage", "transition_incident"),
    ("statuspage", "add_statusupdate"),
    ("statuspage", "change_statusupdate"),
    ("statuspage", "view_statusupdate"),
    ("statuspage", "view_crosspost"),
    ("statuspage", "change_crosspost"),
    ("faq", "view_faq"),
]


def ensure_status_editors(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=STATUS_EDITORS)
    wanted = Q()
    for app_label, codename in STATUS_EDITOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))


def connect_signals() -> None:
    post_migrate.connect(ensure_status_editors, dispatch_uid="ensure-status-editors")
