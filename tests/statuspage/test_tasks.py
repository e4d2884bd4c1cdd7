"""Every task keeps the name it was queued and scheduled under, wherever its code moved:
messages waiting in the broker and the beat schedules of running installs reach it."""

from django.conf import settings

from statuspage.celery import app

# Every name a release has used, and what answers to it now.
PINNED = {
    "statuspage.tasks.maintenance_advance_due": "statuspage.tasks",
    "statuspage.tasks.uptime_close_days": "statuspage.tasks",
    "statuspage.tasks.crosspost_send": "statuspage.outbox.tasks",
    "statuspage.tasks.crosspost_sweep": "statuspage.outbox.tasks",
    "statuspage.tasks.notifications_deliver": "statuspage.outbox.tasks",
    "statuspage.tasks.outbox_send_batch": "statuspage.outbox.tasks",
    "statuspage.tasks.maintenance_reminders": "statuspage.subscriptions.tasks",
    "statuspage.tasks.mirror_refresh": "statuspage.publishing.tasks",
    "statuspage.tasks.sign_in_logs_prune": "statuspage.security.tasks",
    "statuspage.tasks.rate_limits_prune": "statuspage.security.tasks",
    "faq.tasks.comment_notify": "faq.tasks",
    "faq.tasks.comments_notify_due": "faq.tasks",
}


def _registry() -> dict:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_answers_to_the_name_it_always_had():
    registry = _registry()
    for name, module in PINNED.items():
        assert name in registry, name
        assert registry[name].run.__module__ == module, name


def test_no_task_has_a_name_that_could_move_with_its_code():
    assert set(_registry()) == set(PINNED)


def test_every_scheduled_task_exists():
    registry = _registry()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in registry, entry
