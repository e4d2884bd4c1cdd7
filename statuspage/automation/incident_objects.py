"""The management API's incident objects, in Statuspage's shapes, and the reading of what
clients send for them.

An incident object is the public API's (``serializers.incident_data`` for incidents,
``maintenance_data`` for maintenance windows, with the same ids), with the fields only
Statuspage's management API has: its postmortem, the automatic start and completion, and
whether each update was delivered to anyone.
"""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from statuspage import update_templates
from statuspage.automation.rest import ApiError, api_time
from statuspage.models import Incident, MaintenanceWindow, Service, ServiceStatus, UpdateTemplate
from statuspage.outbox.models import Message
from statuspage.publishing.api.serializers import (
    MAINTENANCE_STATUS,
    Components,
    events_with_details,
    incident_data,
    maintenance_data,
    windows_with_details,
)

EVENT_ID = re.compile(r"\A(incident|maintenance)-([1-9][0-9]{0,17})\Z")
UPDATE_ID = re.compile(r"\Aupdate-([1-9][0-9]{0,17})\Z")
SERVICE_ID = re.compile(r"\Aservice-([1-9][0-9]{0,17})\Z")
MODELS = {"incident": Incident, "maintenance": MaintenanceWindow}


# --- reading ---------------------------------------------------------------------------------


def event_or_404(incident_id: str) -> Incident | MaintenanceWindow:
    """The published incident or window ``incident_id`` names (``incident-7``,
    ``maintenance-2``); else a 404. Drafts are staff's, in the admin."""
    match = EVENT_ID.match(incident_id)
    event = None
    if match:
        event = MODELS[match[1]].objects.published().filter(pk=int(match[2])).first()
    if event is None:
        raise ApiError(404, _("No incident has this id."))
    return event


def text(item: dict, name: str, default: str | None = None) -> str | None:
    value = item.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationError({name: _("Give text.")})
    return value


def flag(item: dict, name: str, default: bool) -> bool:
    value = item.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ValidationError({name: _("Give true or false.")})
    return value


def moment(item: dict, name: str) -> datetime | None:
    value = item.get(name)
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError(
            {name: _("Give a time in ISO 8601 with its zone, e.g. 2030-06-01T10:00:00Z.")}
        )
    return parsed


def services_named(ids) -> list[Service]:
    """The services of component ids (``service-3``); ValidationError for any that names
    no service (a group's id included: an event affects services)."""
    if not isinstance(ids, list | dict) or not all(isinstance(i, str) for i in ids):
        raise ValidationError({"component_ids": _("Give a list of component ids.")})
    pks = {}
    for component_id in ids:
        match = SERVICE_ID.match(component_id)
        pks[component_id] = int(match[1]) if match else None
    found = Service.objects.in_bulk([pk for pk in pks.values() if pk])
    unknown = [component_id for component_id, pk in pks.items() if pk not in found]
    if unknown:
        raise ValidationError(
            {"components": _("No component has the id %(ids)s.") % {"ids": ", ".join(unknown)}}
        )
    return [found[pks[component_id]] for component_id in ids]


def component_statuses(item: dict) -> dict[Service, str]:
    """``components``: ``{component id: status}``, as Statuspage's clients send them."""
    given = item.get("components")
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ValidationError({"components": _("Give an object of component ids and statuses.")})
    for component_id, status in given.items():
        if status not in ServiceStatus.values:
            raise ValidationError(
                {
                    "components": _("“%(status)s” (for %(id)s) is not a component status.")
                    % {"status": status, "id": component_id}
                }
            )
    return dict(zip(services_named(list(given)), given.values(), strict=True))


def hashtag(item: dict) -> str | None:
    """This site's addition: ``metadata.x.hashtag``, the hashtag progress posts on X carry
    (Statuspage's metadata holds objects at its top level)."""
    metadata = item.get("metadata")
    if metadata is None:
        return None
    x = metadata.get("x") if isinstance(metadata, dict) else None
    if x is None:
        return None
    if not isinstance(x, dict):
        raise ValidationError({"metadata": _("Each top-level value of metadata is an object.")})
    return text(x, "hashtag")


# --- incident objects ------------------------------------------------------------------------


def incident_objects(events: list) -> list[dict]:
    """``events`` (incidents and windows, in the order wanted) as Statuspage's management
    incident objects."""
    components = Components()
    incidents = events_with_details(
        Incident.objects.filter(pk__in=[e.pk for e in events if isinstance(e, Incident)])
    ).in_bulk()
    windows = windows_with_details(
        MaintenanceWindow.objects.filter(
            pk__in=[e.pk for e in events if isinstance(e, MaintenanceWindow)]
        )
    ).in_bulk()
    detailed = [
        (incidents if isinstance(event, Incident) else windows)[event.pk] for event in events
    ]
    updates = [update.pk for event in detailed for update in event.published_updates]
    told = set(Message.objects.filter(update__in=updates).values_list("update_id", flat=True))
    return [_object(event, components, told) for event in detailed]


def incident_object(event) -> dict:
    return incident_objects([event])[0]


def _object(event, components: Components, told: set[int]) -> dict:
    is_window = isinstance(event, MaintenanceWindow)
    data = (maintenance_data if is_window else incident_data)(event, components)
    for update, row in zip(event.published_updates, data["incident_updates"], strict=True):
        row["deliver_notifications"] = update.pk in told  # to X, subscribers or webhooks
        row["wants_twitter_update"] = update.cross_post
        row["twitter_updated_at"] = None
    auto = is_window and event.auto_advance
    data.update(
        impact_override=None,
        metadata={"x": {"hashtag": event.hashtag}} if event.hashtag else {},
        scheduled_for=data.get("scheduled_for"),
        scheduled_until=data.get("scheduled_until"),
        scheduled_remind_prior=False,
        scheduled_reminded_at=None,
        scheduled_auto_in_progress=auto,
        scheduled_auto_completed=auto,
        # A window's start sets its services under maintenance; its end sets them back.
        auto_transition_to_maintenance_state=is_window,
        auto_transition_to_operational_state=is_window,
        auto_transition_deliver_notifications_at_start=auto,
        auto_transition_deliver_notifications_at_end=auto,
        reminder_intervals=None,
        **_postmortem_fields(None if is_window else event),
    )
    return data


def _postmortem_fields(incident: Incident | None) -> dict:
    published = incident.postmortem if incident else ""
    return {
        "postmortem_body": published or None,
        "postmortem_body_last_updated_at": api_time(
            incident.postmortem_published_at if published else None
        ),
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": api_time(incident.postmortem_published_at if incident else None),
    }


def postmortem_object(incident: Incident) -> dict:
    """Statuspage's postmortem object. No notices go out for a postmortem here."""
    return {
        "preview_key": None,
        "body": incident.postmortem or None,
        "body_updated_at": api_time(incident.postmortem_published_at),
        "body_draft": incident.postmortem_draft or None,
        "body_draft_updated_at": api_time(incident.postmortem_draft_updated_at),
        "published_at": api_time(incident.postmortem_published_at),
        "notify_subscribers": False,
        "notify_twitter": False,
        "custom_tweet": None,
        "created_at": api_time(incident.postmortem_draft_updated_at or incident.updated_at),
        "updated_at": api_time(incident.updated_at),
    }


# --- incident templates ----------------------------------------------------------------------


def template_object(template: UpdateTemplate) -> dict:
    """An update template as Statuspage's incident template: its kind is its id and name."""
    label = template.get_kind_display()
    return {
        "id": template.kind,
        "components": [],
        "name": label,
        "title": label,
        "body": template.body,
        "group_id": None,
        "update_status": MAINTENANCE_STATUS[update_templates.STATUS[template.kind]],
        "should_tweet": True,
        "should_send_notifications": True,
    }
