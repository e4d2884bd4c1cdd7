"""The audit trail: who changed what and when, with the values before and after (django-auditlog).

Every model that staff edit is registered here, with the fields whose changes matter;
``AuditlogMiddleware`` ties each change made while serving a request to the signed-in
user, so writes through the admin, its actions, the post-update view and the services
they call all carry their actor. Changes made by tasks and timers outside a request
(cross-post retries, automatic starts) have none. The trail is read under *Log entries*
in the admin: read-only, and visible to superusers and to whoever is given
``auditlog.view_logentry``.
"""

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from auditlog.registry import auditlog
from django.apps import apps
from django.conf import settings

from statuspage.common.db import DATABASE_ERRORS
from statuspage.security.ratelimit import client_address

# (model, options): m2m fields are listed to record their changes too; secrets are masked;
# counters that every delivery attempt moves are left out, so the trail stays readable.
TRACKED = [
    ("statuspage.ServiceGroup", {}),
    ("statuspage.Service", {}),
    ("statuspage.MaintenanceWindow", {"m2m_fields": {"services"}}),
    ("statuspage.Incident", {"m2m_fields": {"services"}}),
    ("statuspage.StatusUpdate", {}),
    ("statuspage.ServiceChange", {}),
    ("statuspage.CrossPost", {"include_fields": ["update", "state", "body", "remote_url"]}),
    ("statuspage.Subscriber", {"m2m_fields": {"services"}}),
    (
        "statuspage.Webhook",
        {"m2m_fields": {"services"}, "mask_fields": ["secret"], "exclude_fields": ["failures"]},
    ),
    ("faq.FAQ", {"m2m_fields": {"team"}}),
    ("faq.Section", {}),
    ("faq.ImpactEntry", {}),
    ("faq.TeamMember", {}),
    ("faq.Profile", {}),
    ("faq.Comment", {}),
    ("faq.HeldComment", {}),  # moderation saves the queue's proxy instances
    (
        "auth.User",
        {
            "exclude_fields": ["password", "last_login"],
            "m2m_fields": {"groups", "user_permissions"},
        },
    ),
    ("auth.Group", {"m2m_fields": {"permissions"}}),
    (
        "otp_totp.TOTPDevice",
        {"include_fields": ["user", "name", "confirmed"]},  # not the key, nor each use
    ),
]


def register_models() -> None:
    for label, options in TRACKED:
        auditlog.register(apps.get_model(label), **options)


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog's middleware, with the client address as the rest of the site reads
    it, and without looking up a user for requests that carry no session (which would
    cost shared pages their ``Vary``-free cacheability)."""

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request) or None

    @staticmethod
    def _get_actor(request):
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        try:
            return BaseAuditlogMiddleware._get_actor(request)
        except DATABASE_ERRORS:
            return None  # nothing is written while the database is down
