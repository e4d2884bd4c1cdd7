"""``runserver`` (whitenoise's, serving static files as production does), which also starts
the thread that runs tasks when there is no broker (``statuspage.common.background``)."""

from django.conf import settings
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as StaticRunserver,
)

from statuspage.common import background


class Command(StaticRunserver):
    def inner_run(self, *args, **options):
        # Here, in the process that serves (the autoreloader's child), not in the watcher.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            background.start()
            self.stdout.write(
                "No CELERY_BROKER_URL: tasks run on a thread of this server, beat included."
            )
        super().inner_run(*args, **options)
