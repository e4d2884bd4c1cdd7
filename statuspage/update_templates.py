"""Update templates: the words staff start from for each moment of a maintenance window.

Each kind moves the window to one status (or keeps it in progress) and some propose new
times: running late and extended a new end, postponed a new start and end. The composer
fills the template's placeholders (``statuspage.common.validators.PLACEHOLDERS``) with the
window's title, its times as readers see them, the proposed new times and its link; staff
then change what they like before posting.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

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


@dataclass
class Draft:
    """A template filled for one window: what the composer starts from."""

    kind: str
    body: str
    status: str
    new_start: datetime | None = None
    new_end: datetime | None = None


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
