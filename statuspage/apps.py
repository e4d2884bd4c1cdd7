from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status"

    def ready(self) -> None:
        from statuspage import cache, permissions

        cache.connect_signals()
        permissions.connect_signals()
