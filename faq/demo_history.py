"""Ninety days of past incidents for the demo, so that its uptime bars are not all green.

The incidents of ``faq.demo_incidents`` are dated back from the day the demo loads. The
services' history is written through ``statuspage.services.service_status_set`` at those
past times, oldest first; the incidents and updates are rows written as they stand, not
posted, so that nothing is announced: no e-mail, webhook or post on X for news weeks old.
"""

from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser

from faq.demo_incidents import INCIDENTS, PastIncident
from statuspage.models import (
    ChangeSource,
    Incident,
    IncidentStatus,
    Service,
    ServiceChange,
    ServiceStatus,
    StatusChange,
    StatusUpdate,
)
from statuspage.services import service_status_set


def history_load(
    *, now: datetime, services: dict[str, Service], author: AbstractBaseUser | None
) -> None:
    """Create ``INCIDENTS`` dated back from ``now``'s UTC day, resolved and published, with
    their updates (by ``author``) and the services' history, all services operational again.

    Does nothing when the demo's incidents exist: the history is only ever added to, so they
    cannot be written again at new dates.
    """
    if Incident.objects.filter(slug__in=[past.slug for past in INCIDENTS]).exists():
        return
    today = now.astimezone(UTC).date()
    steps = []
    for past in INCIDENTS:
        day = today - timedelta(days=past.days_ago)
        started = datetime.combine(day, past.start, tzinfo=UTC)
        incident = _incident(past, started=started, services=services)
        steps += [(started + update.after, incident, update) for update in past.updates]
    steps.sort(key=lambda step: step[0])
    writable = _writable(services, since=steps[0][0])
    statuses = dict.fromkeys(services, ServiceStatus.OPERATIONAL)
    for at, incident, past_update in steps:
        update = StatusUpdate.objects.create(
            incident=incident,
            status=past_update.status,
            body=past_update.body,
            author=author,
            display_at=at,
            published_at=at,
            cross_post=False,
        )
        for name, status in past_update.services.items():
            ServiceChange.objects.create(
                update=update, service=services[name], old_status=statuses[name], new_status=status
            )
            statuses[name] = status
            if services[name] in writable:
                service_status_set(
                    service=services[name],
                    status=status,
                    at=at,
                    source=ChangeSource.UPDATE,
                    update=update,
                    actor=author,
                )


def _incident(past: PastIncident, *, started: datetime, services: dict) -> Incident:
    incident = Incident.objects.create(
        slug=past.slug,
        title=past.title,
        impact=past.impact,
        status=IncidentStatus.RESOLVED,
        time_zone="Europe/London",
        time_zone_label="UK time",
        postmortem=past.postmortem,
        started_at=started,
        published_at=started + past.updates[0].after,
        resolved_at=started + past.updates[-1].after,
    )
    incident.services.set([services[name] for name in past.services])
    return incident


def _writable(services: dict[str, Service], *, since: datetime) -> set[Service]:
    """The services whose history may take the demo's changes: operational now, as the
    demo's incidents begin and end, and with no change recorded since ``since``.

    A service that staff have changed since (the demo loaded into a site in use, or before
    the history existed, and changed afterwards) keeps its own history: the service layer
    would refuse changes dated before its last one. Its incidents and their updates are
    still shown; its bars stay as its own history has them.
    """
    changed = set(StatusChange.objects.filter(at__gte=since).values_list("service_id", flat=True))
    return {
        service
        for service in services.values()
        if service.status == ServiceStatus.OPERATIONAL and service.pk not in changed
    }
