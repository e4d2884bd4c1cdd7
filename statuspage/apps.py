from django.apps import AppConfig


class StatuspageConfig(AppConfig):
    name = "statuspage"
    verbose_name = "Status"

    def ready(self) -> None:
        from statuspage import cache, mirror, permissions

        cache.connect_signals()
        mirror.connect_signals()
        permissions.connect_signals()
