"""The Celery app. Without ``CELERY_BROKER_URL`` tasks run in-process (eager).

Tasks are found in each installed app's ``tasks`` module and in the statuspage app's
packages' (``statuspage.apps.PACKAGES`` and publishing).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")

app = Celery("statuspage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(
    [f"statuspage.{package}" for package in ("outbox", "publishing", "security", "subscriptions")]
)
