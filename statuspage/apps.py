"""The statuspage app: one Django app (label ``statuspage``, one set of tables) whose code
is in packages by concern. Django looks for models in ``statuspage.models`` and admin pages
in ``statuspage.admin`` only; the packages' own are named here, once.
"""

from importlib import import_module

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.module_loading import module_has_submodule

# Packages with models or admin pages of their own, in the order their models import.
PACKAGES = ["subscriptions", "outbox", "security", "automation"]


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status"

    def import_models(self) -> None:
        super().import_models()
        self._import_from_packages("models")

    def ready(self) -> None:
        from statuspage import strips, update_templates
        from statuspage.caching import version
        from statuspage.publishing import receivers as publishing
        from statuspage.security import audit, permissions, sessions
        from statuspage.subscriptions import receivers as subscriptions

        self._import_from_packages("admin")
        version.connect_signals()
        publishing.connect_signals()
        permissions.connect_signals()
        sessions.connect_signals()
        subscriptions.connect_signals()
        strips.connect_signals()
        update_templates.connect_signals()
        audit.register_models()

    def _import_from_packages(self, submodule: str) -> None:
        for package in PACKAGES:
            module = import_module(f"{self.name}.{package}")
            if module_has_submodule(module, submodule):
                import_module(f"{self.name}.{package}.{submodule}")


class StaffAdminConfig(admin_apps.AdminConfig):
    """The admin, as ``django.contrib.admin``, on the site that asks staff for their code."""

    default = False  # named in INSTALLED_APPS; statuspage's own config stays the default
    default_site = "statuspage.adminsite.StaffAdminSite"
