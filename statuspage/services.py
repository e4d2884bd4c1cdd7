"""Every write to services, maintenance windows, incidents and their status updates.

An event's status changes only through these functions: each checks that the
change is allowed from the current status and records it as a status update.
"""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from statuspage import history
from statuspage.models import (
    ChangeSource,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceChange,
    ServiceGroup,
    ServiceStatus,
    StatusChange,
    StatusUpdate,
)
from statuspage.outbox import services as outbox
from statuspage.outbox.channels import x
from statuspage.subscriptions import notices

# Target status -> the statuses it may be reached from.
MAINTENANCE_TRANSITIONS = {
    MaintenanceStatus.IN_PROGRESS: {MaintenanceStatus.SCHEDULED, MaintenanceStatus.POSTPONED},
    MaintenanceStatus.VERIFYING: {MaintenanceStatus.IN_PROGRESS},
    MaintenanceStatus.COMPLETED: {MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING},
    MaintenanceStatus.ROLLED_BACK: {MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING},
    MaintenanceStatus.POSTPONED: {MaintenanceStatus.SCHEDULED, MaintenanceStatus.POSTPONED},
    MaintenanceStatus.CANCELLED: {MaintenanceStatus.SCHEDULED, MaintenanceStatus.POSTPONED},
}
DEFAULT_BODIES = {
    MaintenanceStatus.IN_PROGRESS: "The maintenance has started.",
    MaintenanceStatus.VERIFYING: "The work is done; we are verifying that everything works.",
    MaintenanceStatus.COMPLETED: "The maintenance is complete. All services are back.",
    MaintenanceStatus.ROLLED_BACK: (
        "We have restored the system as it was before the work began. No data was lost."
    ),
    MaintenanceStatus.POSTPONED: "The maintenance has been postponed.",
    MaintenanceStatus.CANCELLED: "The maintenance has been cancelled.",
    IncidentStatus.INVESTIGATING: "We are investigating the problem again.",
}
# The seed FAQ promises at least 14 days' notice of a revised date.
POSTPONEMENT_NOTICE = timedelta(days=14)
# An update may be dated ahead (e.g. prepared for the start), but not far ahead.
MAX_DISPLAY_AHEAD = timedelta(days=1)


def _refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)


def maintenance_check_transition(*, window: MaintenanceWindow, to: str) -> None:
    """Raise ValidationError unless ``window`` may move to status ``to``."""
    if to == window.status:
        return
    allowed_from = MAINTENANCE_TRANSITIONS.get(to)
    if allowed_from is None:
        _refuse(f"“{to}” is not a maintenance status.", "status")
    if window.status not in allowed_from:
        sources = " or ".join(MaintenanceStatus(s).label.lower() for s in sorted(allowed_from))
        _refuse(
            f"This maintenance is {window.get_status_display().lower()}; "
            f"only {sources} maintenance can become {MaintenanceStatus(to).label.lower()}.",
            "status",
        )


def incident_check_transition(*, incident: Incident, to: str) -> None:
    if to not in IncidentStatus.values:
        _refuse(f"“{to}” is not an incident status.", "status")
    if incident.status == IncidentStatus.RESOLVED and to != IncidentStatus.RESOLVED:
        _refuse("This incident is resolved; reopen it first to post a new status.", "status")


@transaction.atomic
def update_post(
    *,
    event: MaintenanceWindow | Incident,
    author,
    body: str,
    status: str = "",
    service_statuses: dict[Service, str] | None = None,
    display_at: datetime | None = None,
    publish: bool = True,
    cross_post: bool = True,
    x_text: str = "",
    new_start: datetime | None = None,
    new_end: datetime | None = None,
    notify: bool = True,
) -> StatusUpdate:
    """Write an update on ``event``; when published, apply its status and service changes,
    and (unless ``notify`` is false) post it to X and tell subscribers.

    Raises ValidationError, saving nothing, for an empty body, a date more than a
    day ahead, or a status the event may not move to.
    """
    event = type(event).objects.select_for_update().get(pk=event.pk)
    # Read the clock once the event is ours: updates posted at the same moment are then
    # dated in the order they commit, the order of the page, the feeds and X's thread.
    now = timezone.now()
    status = status or event.status
    if not body.strip():
        _refuse("Write what is happening; an update cannot be empty.", "body")
    if display_at and display_at > now + MAX_DISPLAY_AHEAD:
        _refuse("An update may be dated at most one day ahead.", "display_at")
    _check_transition(event, status)
    if (
        new_start
        or new_end
        or (status == MaintenanceStatus.POSTPONED and event.status != MaintenanceStatus.POSTPONED)
    ):
        _check_new_dates(event, new_start, new_end, now=now)
    if x_text.strip():
        _check_x_text(event, x_text, body=body, status=status)
    if not publish and (status != event.status or service_statuses or new_start or new_end):
        _refuse(
            "Status and time changes are published at once; post the update instead of a draft."
        )
    update = StatusUpdate.objects.create(
        **{event.kind: event},
        status=status,
        body=body.strip(),
        author=author,
        display_at=display_at or now,
        published_at=now if publish else None,
        cross_post=cross_post,
        x_text=x_text.strip(),
    )
    if publish:
        _apply(event, update, service_statuses or {}, now=now, new_start=new_start, new_end=new_end)
        if notify:
            _announce(update)
    return update


@transaction.atomic
def update_publish(*, update: StatusUpdate) -> StatusUpdate:
    """Publish a draft update."""
    if update.published_at:
        return update
    update.published_at = timezone.now()
    update.save(update_fields=["published_at", "updated_at"])
    _announce(update)
    return update


def _announce(update: StatusUpdate) -> None:
    """A published update of a published event goes to X and to subscribers, once the
    transaction commits. Updates of an event that is not published stay on the site: they
    are for staff until the event is announced, and the links they would carry answer 404."""
    if not update.event.is_published:
        return
    outbox.post_queue(update=update)
    notices.notify_update(update=update)


@transaction.atomic
def event_save(
    *,
    event: MaintenanceWindow | Incident,
    changed: set[str],
    was_published: bool,
    notify: bool = True,
):
    """Save a window or incident as staff edited it in the admin (``changed``: the fields).

    A window moved to new times raises its calendar sequence, so that calendars replace
    their copy. Subscribers are told once the transaction commits (unless ``notify`` is
    false): when the event is first published, and when a published window moves.
    """
    moved = (
        isinstance(event, MaintenanceWindow)
        and event.pk is not None
        and bool({"scheduled_start", "scheduled_end"} & changed)
    )
    was = None
    if moved:
        event.sequence += 1
        was = (
            MaintenanceWindow.objects.filter(pk=event.pk)
            .values_list("scheduled_start", "scheduled_end")
            .first()
        )
    event.save()
    if not (event.is_published and notify):
        return
    if not was_published:
        transaction.on_commit(lambda: notices.notify_announced(event=event))
    elif moved:
        transaction.on_commit(lambda: notices.notify_moved(window=event, was=was))


def maintenance_transition(
    *, window: MaintenanceWindow, to: str, author, body: str = "", **dates
) -> StatusUpdate:
    """Move ``window`` to status ``to`` with an update (a default text if ``body`` is empty)."""
    if window.status == to:
        _refuse(f"This maintenance is already {window.get_status_display().lower()}.")
    return update_post(
        event=window, author=author, body=body or DEFAULT_BODIES[to], status=to, **dates
    )


def incident_reopen(*, incident: Incident, author, body: str = "") -> StatusUpdate:
    """The explicit way back from resolved: to investigating."""
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status != IncidentStatus.RESOLVED:
            _refuse("Only a resolved incident can be reopened.")
        incident.status = IncidentStatus.INVESTIGATING
        incident.resolved_at = None
        incident.save(update_fields=["status", "resolved_at", "updated_at"])
        return update_post(
            event=incident,
            author=author,
            body=body or DEFAULT_BODIES[IncidentStatus.INVESTIGATING],
        )


def maintenance_advance_due(*, now: datetime | None = None) -> list[StatusUpdate]:
    """Start and complete windows set to advance automatically whose planned time has come."""
    now = now or timezone.now()
    due = MaintenanceWindow.objects.published().filter(auto_advance=True)
    posted = [
        maintenance_transition(window=window, to=MaintenanceStatus.IN_PROGRESS, author=None)
        for window in due.filter(
            status__in=[MaintenanceStatus.SCHEDULED, MaintenanceStatus.POSTPONED],
            scheduled_start__lte=now,
        )
    ]
    posted += [
        maintenance_transition(window=window, to=MaintenanceStatus.COMPLETED, author=None)
        for window in due.filter(
            status__in=[MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING],
            scheduled_end__lte=now,
        )
    ]
    return posted


def _check_transition(event, status: str) -> None:
    if isinstance(event, MaintenanceWindow):
        maintenance_check_transition(window=event, to=status)
    else:
        incident_check_transition(incident=event, to=status)


def _check_x_text(event, x_text: str, *, body: str, status: str) -> None:
    text = x.compose(event=event, body=body, status_label=status, custom=x_text)
    length = x.weighted_length(text)
    if length > x.LIMIT:
        _refuse(
            f"With the link and hashtag, the post for X counts {length}; X allows {x.LIMIT}.",
            "x_text",
        )


def _check_new_dates(event, new_start, new_end, *, now: datetime) -> None:
    """A postponement gives a new start and end, at least 14 days ahead; a window under
    way that runs late or is extended gives a new end alone."""
    if not isinstance(event, MaintenanceWindow):
        _refuse("Only maintenance can be moved to new dates.")
    if new_end and not new_start and event.is_active:
        if new_end <= now:
            _refuse("The new end must be later than now.", "new_end")
        return
    if not (new_start and new_end):
        _refuse("Give the revised start and end of the postponed maintenance.", "new_start")
    if new_start < now + POSTPONEMENT_NOTICE:
        _refuse(
            "We promise at least 14 days' notice of a revised date: the new start must be "
            f"on or after {(now + POSTPONEMENT_NOTICE):%d %B %Y %H:%M} UTC.",
            "new_start",
        )
    if new_end <= new_start:
        _refuse("The planned end must be after the planned start.", "new_end")


def _apply(event, update: StatusUpdate, service_statuses: dict, *, now, new_start, new_end) -> None:
    """Apply a published update's status and service changes to the event and services."""
    fields = ["updated_at"]
    chosen = set(service_statuses)
    if update.status != event.status:
        event.status = update.status
        fields.append("status")
        fields += _lifecycle_effects(event, update, service_statuses, now=now)
    if new_start:
        event.scheduled_start = new_start
        fields.append("scheduled_start")
    if new_end:
        event.scheduled_end = new_end
        fields.append("scheduled_end")
    if new_end or (update.status == MaintenanceStatus.CANCELLED and "status" in fields):
        # Calendars that subscribed to the window replace their copy when this rises.
        event.sequence += 1
        fields.append("sequence")
    event.save(update_fields=fields)
    _change_services(update, service_statuses, lifecycle=set(service_statuses) - chosen)


def _lifecycle_effects(event, update, service_statuses: dict, *, now) -> list[str]:
    """Side effects of entering ``update.status``; returns the event fields it set."""
    if isinstance(event, Incident):
        event.resolved_at = now if update.status == IncidentStatus.RESOLVED else None
        return ["resolved_at"]
    if update.status == MaintenanceStatus.IN_PROGRESS:
        event.started_at = now
        proposed = maintenance_service_statuses(event)
        for service in event.services.all():
            if proposed[service] is not None:
                service_statuses.setdefault(service, proposed[service])
        return ["started_at"]
    if update.status in {MaintenanceStatus.COMPLETED, MaintenanceStatus.ROLLED_BACK}:
        event.completed_at = now
        for service, before in maintenance_end_statuses(event).items():
            service_statuses.setdefault(service, before)
        return ["completed_at"]
    if update.status == MaintenanceStatus.POSTPONED:
        event.postponed_at = now
        return ["postponed_at"]
    return []


# What starting a window does to a service its FAQ rates (faq.models.ImpactLevel): out of
# use, or only worse; one the FAQ says is unaffected keeps its status.
STATUS_FOR_IMPACT = {
    "unavailable": ServiceStatus.UNDER_MAINTENANCE,
    "not_processed": ServiceStatus.UNDER_MAINTENANCE,
    "partial": ServiceStatus.UNDER_MAINTENANCE,
    "degraded": ServiceStatus.DEGRADED_PERFORMANCE,
    "not_recorded": ServiceStatus.DEGRADED_PERFORMANCE,
    "delayed": ServiceStatus.DEGRADED_PERFORMANCE,
    "unaffected": None,
}


def maintenance_service_statuses(window: MaintenanceWindow) -> dict[Service, str | None]:
    """What starting ``window`` sets each of its services to (None: left as it is): as its
    published FAQ's impact entries say, the worst entry of each service deciding; a service
    the FAQ says nothing about, or every service without a FAQ, under maintenance."""
    from faq.models import ImpactEntry, ImpactLevel, published_faq

    faq = published_faq(window)
    severity = {level: rank for rank, level in enumerate(ImpactLevel.values)}
    worst: dict[int, str] = {}
    if faq is not None:
        entries = ImpactEntry.objects.published().filter(faq=faq, service__isnull=False)
        for service_id, level in entries.values_list("service_id", "level"):
            if service_id not in worst or severity[level] < severity[worst[service_id]]:
                worst[service_id] = level
    return {
        service: STATUS_FOR_IMPACT.get(worst[service.pk], ServiceStatus.UNDER_MAINTENANCE)
        if service.pk in worst
        else ServiceStatus.UNDER_MAINTENANCE
        for service in window.services.all()
    }


def maintenance_end_statuses(window: MaintenanceWindow) -> dict[Service, str]:
    """What completing (or rolling back) ``window`` sets its services back to: the status
    each had before the start changed it, where the start's status still holds (one that
    staff moved on since, to an outage say, is theirs to decide)."""
    return {
        service: before
        for service, (before, during) in _statuses_before(window).items()
        if service.status == during
    }


def _statuses_before(window: MaintenanceWindow) -> dict[Service, tuple[str, str]]:
    """Each service the window's start changed: its status before, and the one it gave."""
    changes = ServiceChange.objects.filter(
        update__maintenance=window, update__status=MaintenanceStatus.IN_PROGRESS
    )
    before = {}
    # Newest first, so that the earliest change, the state before any work, wins.
    for change in changes.select_related("service").order_by("-update__published_at", "-pk"):
        before[change.service] = (change.old_status, change.new_status)
    return before


def _change_services(update: StatusUpdate, service_statuses: dict, *, lifecycle=()) -> None:
    """Apply the update's service changes (``lifecycle``: those its status made, not staff),
    each as one of the update's announced changes and one row of the service's history."""
    automatic = update.author_id is None
    for service, status in service_statuses.items():
        if automatic:
            source = ChangeSource.AUTOMATIC
        else:
            source = ChangeSource.LIFECYCLE if service in lifecycle else ChangeSource.UPDATE
        change = service_status_set(
            service=service,
            status=status,
            at=update.published_at,
            source=source,
            update=update,
            actor=update.author,
        )
        if change is not None:
            ServiceChange.objects.create(
                update=update,
                service=service,
                old_status=change.old_status,
                new_status=change.new_status,
            )


# --- services and their groups, as the management API writes them --------------------------

SERVICE_FIELDS = {"name", "description", "group", "position"}


def service_create(
    *, fields: dict, status: str = ServiceStatus.OPERATIONAL, source: str, actor=None
) -> Service:
    """A new service from ``fields`` (``SERVICE_FIELDS``), its slug made from its name. A
    status other than operational is its first change, so its history starts operational.
    Raises ValidationError, saving nothing, for a field the model refuses or an unknown
    status."""
    _check_service_status(status)
    service = Service(**fields)
    base = slugify(service.name)[:90] or "service"
    service.slug, number = base, 1
    while Service.objects.filter(slug=service.slug).exists():
        number += 1
        service.slug = f"{base}-{number}"
    service.full_clean()
    with transaction.atomic():
        service.save()
        if status != ServiceStatus.OPERATIONAL:
            service_status_set(
                service=service, status=status, at=timezone.now(), source=source, actor=actor
            )
    return service


def service_edit(
    *, service: Service, fields: dict, status: str | None = None, source: str, actor=None
) -> Service:
    """Change ``fields`` of ``service`` (``SERVICE_FIELDS``) and, through
    ``service_status_set``, its status. Raises ValidationError, saving nothing, for a field
    the model refuses or an unknown status."""
    if status is not None:
        _check_service_status(status)
    for name, value in fields.items():
        setattr(service, name, value)
    service.full_clean(exclude=["status"])
    with transaction.atomic():
        if fields:
            service.save(update_fields=[*fields, "updated_at"])
        if status is not None:
            service_status_set(
                service=service, status=status, at=timezone.now(), source=source, actor=actor
            )
    return service


def service_delete(*, service: Service) -> None:
    """Delete ``service`` and its history. Raises ValidationError while a FAQ's impact
    entries name it."""
    try:
        with transaction.atomic():
            service.delete()
    except ProtectedError as error:
        raise ValidationError(
            _("FAQ impact entries name %(service)s; change them before deleting it.")
            % {"service": service.name}
        ) from error


def service_group_save(*, group: ServiceGroup, members: list[Service] | None = None):
    """Save ``group`` (new or changed); with ``members``, make them its services, and no
    others. Raises ValidationError, saving nothing, for a name the model refuses."""
    group.full_clean()
    with transaction.atomic():
        group.save()
        if members is None:
            return group
        # One save each, not one update: the audit trail, the bars and the content version
        # hear of each service's move.
        leaving = Service.objects.filter(group=group).exclude(pk__in=[s.pk for s in members])
        for service in [*leaving, *members]:
            group_now = group if service in members else None
            if service.group_id != (group_now and group_now.pk):
                service.group = group_now
                service.save(update_fields=["group", "updated_at"])
    return group


def service_group_delete(*, group: ServiceGroup) -> None:
    """Delete ``group``; its services stay, in no group."""
    with transaction.atomic():
        for service in group.services.all():
            service.group = None
            service.save(update_fields=["group", "updated_at"])
        group.delete()


def _check_service_status(status: str) -> None:
    if status not in ServiceStatus.values:
        raise ValidationError(
            {"status": _("“%(status)s” is not a service status.") % {"status": status}}
        )


def service_status_set(
    *, service: Service, status: str, at: datetime, source: str, update=None, actor=None
) -> StatusChange | None:
    """Move ``service`` to ``status`` as of ``at`` and write it in the service's history,
    in one transaction; None when it already has that status.

    Raises ValidationError, changing nothing, for an unknown status or a change dated before
    the service's last recorded one: the history is only ever added to, in order.
    """
    if status not in ServiceStatus.values:
        _refuse(f"“{status}” is not a service status.")
    with transaction.atomic():
        return _status_set(service, status=status, at=at, source=source, update=update, actor=actor)


def _status_set(service, *, status, at, source, update, actor) -> StatusChange | None:
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if locked.status == status:
        service.status = status
        return None
    last = locked.history.order_by("-at", "-pk").values_list("at", flat=True).first()
    if last is not None and at < last:
        _refuse(
            f"{service.name}'s status last changed at {last:%d %B %Y %H:%M:%S} UTC; a change "
            f"cannot be dated before it ({at:%d %B %Y %H:%M:%S} UTC)."
        )
    day = at.astimezone(UTC).date()
    if day < timezone.now().astimezone(UTC).date():
        history.reopen(day)  # the figures kept of that day, and of the days since, no longer hold
    change = StatusChange.objects.create(
        service=locked,
        old_status=locked.status,
        new_status=status,
        at=at,
        source=source,
        update=update,
        actor=actor,
    )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    service.status = status
    return change
