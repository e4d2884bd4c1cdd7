"""The staff groups: “Status editors” post updates, run transitions and answer comments;
“Comment moderators” hold the comment threads. Neither can do anything else.

They are created, and their permissions set, after every migrate, so a fresh
install has them and a changed list below reaches existing installs.
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
    # The words of the update templates are theirs to keep right; the kinds are fixed.
    ("statuspage", "view_updatetemplate"),
    ("statuspage", "change_updatetemplate"),
    ("faq", "view_faq"),
    # On the day, whoever posts progress also answers the customers who ask.
    ("faq", "reply_officially"),
]
COMMENT_MODERATORS = "Comment moderators"
COMMENT_MODERATOR_PERMISSIONS = [
    ("faq", "view_faq"),
    ("faq", "change_faq"),  # only to close and reopen a thread: the admin's FAQ form needs more
    ("faq", "view_comment"),
    ("faq", "change_comment"),
    ("faq", "view_heldcomment"),
    ("faq", "change_heldcomment"),
    ("faq", "reply_officially"),
]
GROUPS = {
    STATUS_EDITORS: STATUS_EDITOR_PERMISSIONS,
    COMMENT_MODERATORS: COMMENT_MODERATOR_PERMISSIONS,
}


def ensure_groups(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for name, permissions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Q()
        for app_label, codename in permissions:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(wanted))


def connect_signals() -> None:
    post_migrate.connect(ensure_groups, dispatch_uid="ensure-staff-groups")
