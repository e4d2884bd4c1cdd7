from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status"

    def ready(self) -> None:
        from statuspage.caching import pages as cache
        from statuspage.publishing import mirror
        from statuspage.security import audit, permissions
        from statuspage.security import sessions as staff

        cache.connect_signals()
        mirror.connect_signals()
        permissions.connect_signals()
        staff.connect_signals()
        audit.register_models()


class StaffAdminConfig(admin_apps.AdminConfig):
    """The admin, as ``django.contrib.admin``, on the site that asks staff for their code."""

    default = False  # named in INSTALLED_APPS; statuspage's own config stays the default
    default_site = "statuspage.security.twofactor.StaffAdminSite"
