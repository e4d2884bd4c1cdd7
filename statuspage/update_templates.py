"""Update templates: the words staff start from for each moment of a maintenance window.

Each kind moves the window to one status (or keeps it in progress) and some propose new
times: running late and extended a new end, postponed a new start and end. The composer
fills the template's placeholders (``statuspage.common.validators.PLACEHOLDERS``) with the
window's title, its times as readers see them, the proposed new times and its link; staff
then change what they like before posting.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from statuspage.common.links import absolute
from statuspage.models import MaintenanceStatus, MaintenanceWindow, UpdateKind, UpdateTemplate
from statuspage.services import MAINTENANCE_TRANSITIONS, POSTPONEMENT_NOTICE
from statuspage.templatetags.status import event_time

STATUS = {
    UpdateKind.STARTED: MaintenanceStatus.IN_PROGRESS,
    UpdateKind.ON_SCHEDULE: MaintenanceStatus.IN_PROGRESS,
    UpdateKind.RUNNING_LATE: MaintenanceStatus.IN_PROGRESS,
    UpdateKind.EXTENDED: MaintenanceStatus.IN_PROGRESS,
    UpdateKind.VERIFYING: MaintenanceStatus.VERIFYING,
    UpdateKind.COMPLETED: MaintenanceStatus.COMPLETED,
    UpdateKind.ROLLED_BACK: MaintenanceStatus.ROLLED_BACK,
    UpdateKind.POSTPONED: MaintenanceStatus.POSTPONED,
}
# Kinds said while the work goes on, rather than to move the window on.
DURING = {UpdateKind.ON_SCHEDULE, UpdateKind.RUNNING_LATE, UpdateKind.EXTENDED}
LATE_BY = {UpdateKind.RUNNING_LATE: timedelta(minutes=30), UpdateKind.EXTENDED: timedelta(hours=1)}
QUARTER = timedelta(minutes=15)

# The words staff start from, until they change them in the admin (Update templates).
DEFAULTS = {
    "started": _(
        "The maintenance has started: {title}. We expect it to end by {end}. What each "
        "service does meanwhile, and what to do: {link}"
    ),
    "on_schedule": _("The work is going to plan. We still expect to finish by {end}."),
    "running_late": _(
        "The work is taking longer than planned. We now expect to finish by {new_end} "
        "instead of {end}. We are sorry for the longer wait; the next update follows soon."
    ),
    "extended": _(
        "We have extended the maintenance to finish the work safely: it now ends by "
        "{new_end} instead of {end}."
    ),
    "verifying": _(
        "The work is done. We are checking that every service works as it should before "
        "we call it complete."
    ),
    "completed": _(
        "The maintenance is complete and every service is back. Thank you for your patience."
    ),
    "rolled_back": _(
        "We have put the system back as it was before the work began; no data was lost and "
        "every service is back. We will announce a new date at least 14 days ahead."
    ),
    "postponed": _(
        "We have postponed this maintenance. New start: {new_start}. New end: {new_end}. "
        "Until then nothing changes for you. Details: {link}"
    ),
}


@dataclass
class Draft:
    """A template filled for one window: what the composer starts from."""

    kind: str
    body: str
    status: str
    new_start: datetime | None = None
    new_end: datetime | None = None


def ensure_defaults(**kwargs) -> None:
    """Every kind has its template: after each migration (and each flush of the test
    database), the missing ones are made from ``DEFAULTS``; changed words stay."""
    have = set(UpdateTemplate.objects.values_list("kind", flat=True))
    UpdateTemplate.objects.bulk_create(
        UpdateTemplate(kind=kind, body=str(body))
        for kind, body in DEFAULTS.items()
        if kind not in have
    )


def connect_signals() -> None:
    post_migrate.connect(ensure_defaults, dispatch_uid="ensure-update-templates")


def every() -> list[UpdateTemplate]:
    """Every template, in the order the work goes: read once, offered for many windows."""
    order = list(UpdateKind)
    return sorted(UpdateTemplate.objects.all(), key=lambda template: order.index(template.kind))


def offered(window: MaintenanceWindow, templates: list[UpdateTemplate]) -> list[UpdateTemplate]:
    """Those of ``templates`` that fit the window's status now."""
    return [template for template in templates if fits(template.kind, window.status)]


def fits(kind: str, status: str) -> bool:
    if kind in DURING:
        return status == MaintenanceStatus.IN_PROGRESS
    return status in MAINTENANCE_TRANSITIONS[STATUS[kind]]


def draft(template: UpdateTemplate, window: MaintenanceWindow, *, now: datetime) -> Draft:
    """``template`` filled for ``window`` at ``now``, with the new times it proposes."""
    result = Draft(kind=template.kind, body="", status=STATUS[template.kind])
    if template.kind in LATE_BY:
        result.new_end = _round_up(max(now, window.scheduled_end)) + LATE_BY[template.kind]
    elif template.kind == UpdateKind.POSTPONED:
        # The same time of day, as many weeks later as the promised notice needs.
        duration = window.scheduled_end - window.scheduled_start
        start = window.scheduled_start
        while start < now + POSTPONEMENT_NOTICE:
            start += timedelta(days=7)
        result.new_start, result.new_end = start, start + duration
    values = {
        "title": window.title,
        "start": event_time(window.scheduled_start, window),
        "end": event_time(window.scheduled_end, window),
        "new_start": event_time(result.new_start, window) if result.new_start else "",
        "new_end": event_time(result.new_end, window) if result.new_end else "",
        "link": absolute(window.get_absolute_url()),
        "hashtag": window.hashtag,
    }
    result.body = template.body.format_map(values)
    return result


def _round_up(moment: datetime) -> datetime:
    """The next quarter hour at or after ``moment``: a new end readers can take in."""
    past = timedelta(minutes=moment.minute % 15, seconds=moment.second)
    moment = moment.replace(microsecond=0)
    return moment if not past else moment - past + QUARTER
