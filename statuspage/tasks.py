"""The status core's tasks. Every task of this app is named ``statuspage.tasks.<name>``,
wherever it lives, so that queued tasks and beat schedules survive moving its code."""

from celery import shared_task

from statuspage import history, services, strips


@shared_task(name="statuspage.tasks.maintenance_advance_due", ignore_result=True)
def maintenance_advance_due() -> int:
    """Start and complete self-advancing windows whose time has come (beat: every minute)."""
    return len(services.maintenance_advance_due())


@shared_task(name="statuspage.tasks.uptime_close_days", ignore_result=True)
def uptime_close_days() -> None:
    """Keep the figures of the days just over (beat: hourly; nothing to do most hours),
    back to the oldest month the pages show; and forget the rows of bars drawn before today,
    which no page reads again (``statuspage.strips``)."""
    history.close_days(history.first_kept(), history.today())
    strips.forget_before(history.today())
