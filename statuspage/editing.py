"""Writes to events beside ``services.py``, for clients that give whole objects (the
management API): open an incident or a window, change or delete one, edit an update's
words, and an incident's postmortem (a draft, published, taken back).

Status changes still go only through ``services.update_post``; these validate before they
save and raise ``ValidationError`` (saving nothing) for what the models refuse.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from statuspage import services
from statuspage.models import Incident, MaintenanceWindow, Service, StatusUpdate, UpdateTemplate

# Fields a client may set on an event, beside its services; times and status move only
# through updates (postponed, extended), never as free edits.
EVENT_FIELDS = {
    Incident: {"title", "impact", "hashtag"},
    MaintenanceWindow: {"title", "summary", "auto_advance", "hashtag"},
}


def _unique_slug(model, title: str) -> str:
    base = slugify(title)[:180] or model.kind
    slug, number = base, 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _check_fields(event, fields: dict) -> None:
    unknown = set(fields) - EVENT_FIELDS[type(event)]
    if unknown:
        raise ValidationError(_("These fields cannot be set: %(fields)s.") % {"fields": unknown})


def event_open(
    *,
    event: MaintenanceWindow | Incident,
    services_affected: list[Service],
    notify: bool = True,
) -> MaintenanceWindow | Incident:
    """Save a new, published ``event`` (its slug made from its title) with the services it
    affects; subscribers are told it is announced, unless ``notify`` is false. Raises
    ValidationError, saving nothing, for what the model refuses (an end before the start)."""
    now = timezone.now()
    event.slug = _unique_slug(type(event), event.title)
    event.published_at = event.published_at or now
    event.full_clean(exclude=["services"])
    with transaction.atomic():
        services.event_save(event=event, changed=set(), was_published=False, notify=notify)
        event.services.set(services_affected)
    return event


def event_change(
    *,
    event: MaintenanceWindow | Incident,
    fields: dict,
    services_affected: list[Service] | None = None,
) -> MaintenanceWindow | Incident:
    """Change ``fields`` (``EVENT_FIELDS``) of ``event`` and, given them, the services it
    affects. Raises ValidationError, saving nothing, for a field the model refuses."""
    _check_fields(event, fields)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean(exclude=["services"])
    with transaction.atomic():
        if fields:
            services.event_save(event=event, changed=set(fields), was_published=event.is_published)
        if services_affected is not None:
            event.services.set(services_affected)
    return event


@transaction.atomic
def event_delete(*, event: MaintenanceWindow | Incident) -> None:
    """Delete ``event`` with its updates (and what was queued to send about them)."""
    event.delete()


@transaction.atomic
def update_edit(
    *, update: StatusUpdate, body: str | None = None, display_at: datetime | None = None
) -> StatusUpdate:
    """Correct an update's words or the time it is shown at. Raises ValidationError,
    saving nothing, for empty words or a time more than a day ahead."""
    fields = ["updated_at"]
    if body is not None:
        if not body.strip():
            raise ValidationError(
                {"body": _("Write what is happening; an update cannot be empty.")}
            )
        update.body = body.strip()
        fields.append("body")
    if display_at is not None:
        if display_at > timezone.now() + services.MAX_DISPLAY_AHEAD:
            raise ValidationError(
                {"display_at": _("An update may be dated at most one day ahead.")}
            )
        update.display_at = display_at
        fields.append("display_at")
    update.save(update_fields=fields)
    return update


@transaction.atomic
def postmortem_draft_save(*, incident: Incident, body: str) -> Incident:
    """Keep ``body`` as the postmortem's draft: readers still see the published one."""
    incident.postmortem_draft = body.strip()
    incident.postmortem_draft_updated_at = timezone.now()
    incident.save(update_fields=["postmortem_draft", "postmortem_draft_updated_at", "updated_at"])
    return incident


@transaction.atomic
def postmortem_publish(*, incident: Incident) -> Incident:
    """Show the draft as the incident's postmortem. Raises ValidationError without one."""
    if not incident.postmortem_draft.strip():
        raise ValidationError(_("Write the postmortem's draft before publishing it."))
    incident.postmortem = incident.postmortem_draft
    incident.postmortem_published_at = timezone.now()
    incident.save(update_fields=["postmortem", "postmortem_published_at", "updated_at"])
    return incident


@transaction.atomic
def postmortem_revert(*, incident: Incident) -> Incident:
    """Take the published postmortem back to a draft: readers no longer see it. Raises
    ValidationError when none is published."""
    if not incident.postmortem.strip():
        raise ValidationError(_("This incident has no published postmortem to take back."))
    incident.postmortem_draft = incident.postmortem_draft or incident.postmortem
    incident.postmortem = ""
    incident.postmortem_published_at = None
    incident.save(
        update_fields=["postmortem", "postmortem_draft", "postmortem_published_at", "updated_at"]
    )
    return incident


@transaction.atomic
def update_template_change(*, template: UpdateTemplate, body: str) -> UpdateTemplate:
    """New words for one kind's template. Raises ValidationError for a placeholder that is
    not one of ``PLACEHOLDERS``, or an unclosed brace."""
    template.body = body.strip()
    template.full_clean()
    template.save(update_fields=["body", "updated_at"])
    return template
