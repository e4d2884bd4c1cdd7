"""The statuspage app and project: settings, URLs, WSGI and Celery at the root, with the status
core (services, groups, maintenance windows, incidents, updates); each other concern is a package
(common, caching, security, outbox, subscriptions, publishing). See the README's map."""

from .celery import app as celery_app

__all__ = ["celery_app"]
