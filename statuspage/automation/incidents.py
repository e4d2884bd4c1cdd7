"""The management API's incidents (Statuspage's paths and shapes): incidents and scheduled
maintenances in one list, their updates, postmortems, and the incident templates.

A scheduled maintenance is one of this site's maintenance windows (``maintenance-<n>``), an
incident one of its incidents (``incident-<n>``). Status, words and component statuses are
posted as an update through ``services.update_post``, as the staff console posts one: the
lifecycle, the 14-day postponement rule, cross-posting and subscriber notices all apply
(``deliver_notifications: false`` tells nobody). Other fields go through
``statuspage.editing``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from statuspage import editing, services
from statuspage.automation import incident_objects as objects
from statuspage.automation.rest import ApiError, Resource, body, page_of, wrapped_object
from statuspage.models import (
    Incident,
    IncidentImpact,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    ServiceStatus,
    StatusUpdate,
    UpdateTemplate,
)

VIEW = ["statuspage.view_incident", "statuspage.view_maintenancewindow"]
DEFAULT_BODIES = {
    IncidentStatus.INVESTIGATING: gettext_lazy("We are investigating the problem."),
    IncidentStatus.IDENTIFIED: gettext_lazy("We have found the cause and are working on a fix."),
    IncidentStatus.MONITORING: gettext_lazy("A fix is in place; we are watching the results."),
    IncidentStatus.RESOLVED: gettext_lazy("This incident has been resolved."),
    MaintenanceStatus.SCHEDULED: gettext_lazy("The maintenance is scheduled."),
    MaintenanceStatus.POSTPONED: gettext_lazy("The maintenance has been moved to new dates."),
    MaintenanceStatus.IN_PROGRESS: gettext_lazy("The maintenance has started."),
    MaintenanceStatus.VERIFYING: gettext_lazy("The work is done; we are verifying it."),
    MaintenanceStatus.COMPLETED: gettext_lazy("The maintenance is complete."),
    MaintenanceStatus.ROLLED_BACK: gettext_lazy("The work has been undone; all is as before."),
    MaintenanceStatus.CANCELLED: gettext_lazy("The maintenance has been cancelled."),
}
MOVED = gettext_lazy("The maintenance's planned times have changed.")
# The worst component status given decides an incident's impact, unless overridden.
IMPACT_OF = {
    ServiceStatus.MAJOR_OUTAGE: IncidentImpact.CRITICAL,
    ServiceStatus.PARTIAL_OUTAGE: IncidentImpact.MAJOR,
    ServiceStatus.DEGRADED_PERFORMANCE: IncidentImpact.MINOR,
}


def _require(request, *permissions: str) -> None:
    for permission in permissions:
        if not request.user.has_perm(permission):
            raise PermissionDenied(permission)


def _perm(action: str, event) -> str:
    return f"statuspage.{action}_{event._meta.model_name}"


def _listed(request, incidents, windows) -> list[dict]:
    """One page of ``incidents`` and ``windows``, newest first, searched with ``q``."""
    q = (request.GET.get("q") or "").strip()
    if q:
        words = Q(title__icontains=q) | Q(
            updates__body__icontains=q, updates__published_at__isnull=False
        )
        incidents = incidents.filter(words).distinct()
        windows = windows.filter(words | Q(summary__icontains=q)).distinct()
    rows = [(e.published_at, e.pk, e) for e in incidents.only("pk", "published_at")]
    rows += [(e.published_at, e.pk, e) for e in windows.only("pk", "published_at")]
    rows.sort(key=lambda row: row[:2], reverse=True)
    return objects.incident_objects([event for *_ignored, event in page_of(request, rows)])


class IncidentList(Resource):
    """``/incidents``: every incident and scheduled maintenance; ``POST`` opens one."""

    permissions = {"get": VIEW}

    def get(self, request):
        return _listed(request, Incident.objects.published(), MaintenanceWindow.objects.published())

    def post(self, request):
        item = wrapped_object(body(request), "incident")
        name = objects.text(item, "name", "")
        if not name.strip():
            raise ValidationError({"name": _("Name the incident.")})
        if "scheduled_for" in item or "scheduled_until" in item:
            event = _open_window(request, item, name)
        else:
            event = _open_incident(request, item, name)
        return objects.incident_object(event)


def _affected(item: dict, statuses: dict, current=()) -> list:
    chosen = list(current)
    if "component_ids" in item:
        chosen = objects.services_named(item["component_ids"])
    return chosen + [service for service in statuses if service not in chosen]


def _open_incident(request, item: dict, name: str) -> Incident:
    status = objects.text(item, "status") or IncidentStatus.INVESTIGATING
    if status not in IncidentStatus.values:
        raise ValidationError(
            {"status": _("“%(status)s” is not an incident status.") % {"status": status}}
        )
    statuses = objects.component_statuses(item)
    worst = max(statuses.values(), key=ServiceStatus.values.index, default=None)
    impact = objects.text(item, "impact_override") or IMPACT_OF.get(worst, IncidentImpact.NONE)
    if impact not in IncidentImpact.values:
        raise ValidationError(
            {"impact_override": _("“%(impact)s” is not an impact.") % {"impact": impact}}
        )
    _require(request, "statuspage.add_incident", "statuspage.add_statusupdate")
    if status != IncidentStatus.INVESTIGATING:
        _require(request, "statuspage.transition_incident")
    notify = objects.flag(item, "deliver_notifications", True)
    incident = Incident(title=name, impact=impact, hashtag=objects.hashtag(item) or "")
    editing.event_open(event=incident, services_affected=_affected(item, statuses), notify=notify)
    _post(request, incident, item, status=status, statuses=statuses, notify=notify, always=True)
    return incident


def _open_window(request, item: dict, name: str) -> MaintenanceWindow:
    start, end = objects.moment(item, "scheduled_for"), objects.moment(item, "scheduled_until")
    if not (start and end):
        raise ValidationError(
            {"scheduled_for": _("A scheduled maintenance needs scheduled_for and scheduled_until.")}
        )
    status = objects.text(item, "status") or MaintenanceStatus.SCHEDULED
    if status not in {MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS}:
        raise ValidationError(
            {
                "status": _("A new maintenance is scheduled or in progress, not “%(status)s”.")
                % {"status": status}
            }
        )
    _require(request, "statuspage.add_maintenancewindow", "statuspage.add_statusupdate")
    if status != MaintenanceStatus.SCHEDULED:
        _require(request, "statuspage.transition_maintenancewindow")
    statuses = objects.component_statuses(item)
    notify = objects.flag(item, "deliver_notifications", True)
    words = objects.text(item, "body", "").strip()
    window = MaintenanceWindow(
        title=name,
        summary=Truncator(words or name).chars(280),
        scheduled_start=start,
        scheduled_end=end,
        auto_advance=_auto_advance(item, False),
        hashtag=objects.hashtag(item) or "",
    )
    editing.event_open(event=window, services_affected=_affected(item, statuses), notify=notify)
    _post(request, window, item, status=status, statuses=statuses, notify=notify)
    return window


def _auto_advance(item: dict, current: bool) -> bool:
    """Statuspage's automatic start and completion; this site's windows do both or neither."""
    start = objects.flag(item, "scheduled_auto_in_progress", None)
    if start is None:
        start = objects.flag(item, "scheduled_auto_transition", None)
    end = objects.flag(item, "scheduled_auto_completed", None)
    start = current if start is None else start
    end = current if end is None else end
    if start != end:
        raise ValidationError(
            {
                "scheduled_auto_completed": _(
                    "A maintenance here starts and completes automatically, or neither: give "
                    "scheduled_auto_in_progress and scheduled_auto_completed alike."
                )
            }
        )
    return start


def _post(request, event, item, *, status, statuses, notify, always=False, **dates) -> None:
    """Post an update on ``event`` if ``item`` says anything an update says (or ``always``):
    through the services layer, as the staff console posts one."""
    words = objects.text(item, "body", "").strip()
    if not (always or words or statuses or status != event.status or dates):
        return
    _require(request, "statuspage.add_statusupdate")
    if status != event.status:
        _require(request, _perm("transition", event))
    services.update_post(
        event=event,
        author=request.user,
        body=words or str(MOVED if dates and status == event.status else DEFAULT_BODIES[status]),
        status=status,
        service_statuses=statuses,
        cross_post=notify,
        notify=notify,
        **dates,
    )


class IncidentSelection(Resource):
    """``/incidents/unresolved``, ``/scheduled``, ``/active_maintenance``, ``/upcoming``."""

    permissions = {"get": VIEW}
    selection = ""

    def get(self, request):
        none_of = MaintenanceWindow.objects.none()
        windows = MaintenanceWindow.objects
        chosen = {
            "unresolved": (Incident.objects.unresolved(), none_of),
            "scheduled": (Incident.objects.none(), windows.upcoming()),
            "active_maintenance": (Incident.objects.none(), windows.active()),
            "upcoming": (
                Incident.objects.none(),
                windows.upcoming().filter(scheduled_start__gt=timezone.now()),
            ),
        }
        return _listed(request, *chosen[self.selection])


class IncidentDetail(Resource):
    """``/incidents/{incident_id}``: read, change (``PATCH`` or ``PUT``), delete."""

    permissions = {"get": VIEW}

    def get(self, request, incident_id):
        return objects.incident_object(objects.event_or_404(incident_id))

    def patch(self, request, incident_id):
        event = objects.event_or_404(incident_id)
        item = wrapped_object(body(request), "incident")
        notify = objects.flag(item, "deliver_notifications", True)
        statuses = objects.component_statuses(item)
        fields = _fields(event, item)
        services_now = list(event.services.all())
        affected = _affected(item, statuses, services_now)
        if fields or affected != services_now:
            _require(request, _perm("change", event))
            editing.event_change(event=event, fields=fields, services_affected=affected)
        status = _status(event, objects.text(item, "status"))
        dates = _dates(event, item)
        if dates.get("new_start"):
            status = MaintenanceStatus.POSTPONED
        _post(request, event, item, status=status, statuses=statuses, notify=notify, **dates)
        return objects.incident_object(event)

    put = patch

    def delete(self, request, incident_id):
        event = objects.event_or_404(incident_id)
        _require(request, _perm("delete", event))
        data = objects.incident_object(event)
        editing.event_delete(event=event)
        return data


def _fields(event, item: dict) -> dict:
    fields = {}
    if "name" in item:
        fields["title"] = objects.text(item, "name", "")
    if objects.hashtag(item) is not None:
        fields["hashtag"] = objects.hashtag(item)
    if isinstance(event, Incident):
        if item.get("impact_override") is not None:
            impact = objects.text(item, "impact_override")
            if impact not in IncidentImpact.values:
                raise ValidationError(
                    {"impact_override": _("“%(impact)s” is not an impact.") % {"impact": impact}}
                )
            fields["impact"] = impact
    else:
        auto = _auto_advance(item, event.auto_advance)
        if auto != event.auto_advance:
            fields["auto_advance"] = auto
    return {name: value for name, value in fields.items() if getattr(event, name) != value}


def _status(event, status: str | None) -> str:
    """Statuspage's status for ``event`` as this site's: a window's “scheduled” is where it
    is while it has not started (scheduled, or postponed to new dates)."""
    if status is None:
        return event.status
    if isinstance(event, MaintenanceWindow) and status == MaintenanceStatus.SCHEDULED:
        if event.status in {MaintenanceStatus.SCHEDULED, MaintenanceStatus.POSTPONED}:
            return event.status
        raise ValidationError(
            {"status": _("This maintenance has begun; it cannot be scheduled again.")}
        )
    kind = MaintenanceStatus if isinstance(event, MaintenanceWindow) else IncidentStatus
    if status not in kind.values:
        raise ValidationError(
            {"status": _("“%(status)s” is not a status here.") % {"status": status}}
        )
    return status


def _dates(event, item: dict) -> dict:
    """New planned times: a postponement (new start and end, 14 days' notice) before the
    work starts; a new end (extended) while it is under way."""
    start, end = objects.moment(item, "scheduled_for"), objects.moment(item, "scheduled_until")
    if not (start or end):
        return {}
    if isinstance(event, Incident):
        raise ValidationError({"scheduled_for": _("Only a maintenance has planned times.")})
    start = start if start and start != event.scheduled_start else None
    end = end if end and end != event.scheduled_end else None
    if event.is_active:
        if start:
            raise ValidationError(
                {"scheduled_for": _("This maintenance has started; only its end can move.")}
            )
        return {"new_end": end} if end else {}
    if not (start or end):
        return {}
    return {"new_start": start or event.scheduled_start, "new_end": end or event.scheduled_end}


class IncidentUpdateDetail(Resource):
    """``/incidents/{incident_id}/incident_updates/{incident_update_id}``: its words and
    the time it is shown at."""

    permissions = {"patch": ["statuspage.change_statusupdate"]}

    def patch(self, request, incident_id, incident_update_id):
        event = objects.event_or_404(incident_id)
        match = objects.UPDATE_ID.match(incident_update_id)
        update = None
        if match:
            update = StatusUpdate.objects.filter(
                **{event.kind: event}, pk=int(match[1]), published_at__isnull=False
            ).first()
        if update is None:
            raise ApiError(404, _("This incident has no update with this id."))
        item = wrapped_object(body(request), "incident_update")
        editing.update_edit(
            update=update,
            body=objects.text(item, "body"),
            display_at=objects.moment(item, "display_at"),
        )
        rows = objects.incident_object(event)["incident_updates"]
        return next(row for row in rows if row["id"] == incident_update_id)

    put = patch


class Postmortem(Resource):
    """``/incidents/{incident_id}/postmortem``: read it, or write its draft."""

    permissions = {"get": VIEW[:1], "put": ["statuspage.change_incident"]}

    def get(self, request, incident_id):
        return objects.postmortem_object(_incident(incident_id))

    def put(self, request, incident_id):
        incident = _incident(incident_id)
        item = wrapped_object(body(request), "postmortem")
        draft = objects.text(item, "body_draft")
        if draft is None:
            raise ValidationError({"body_draft": _("Give the postmortem's body_draft.")})
        editing.postmortem_draft_save(incident=incident, body=draft)
        return objects.postmortem_object(incident)


class PostmortemStep(Resource):
    """``.../postmortem/publish`` and ``.../postmortem/revert``."""

    permissions = {"put": ["statuspage.change_incident"]}
    step = ""

    def put(self, request, incident_id):
        incident = _incident(incident_id)
        body(request)  # Statuspage's options (notify_subscribers…): no notice goes out here
        if self.step == "publish":
            editing.postmortem_publish(incident=incident)
        else:
            editing.postmortem_revert(incident=incident)
        return objects.postmortem_object(incident)


def _incident(incident_id: str) -> Incident:
    event = objects.event_or_404(incident_id)
    if not isinstance(event, Incident):
        raise ApiError(404, _("Only incidents have postmortems."))
    return event


class IncidentTemplates(Resource):
    """``/incident_templates``: the staff console's update templates. Their kinds are
    fixed, so ``POST`` gives an existing kind (by ``name``) new words; any other name is
    refused."""

    permissions = {
        "get": ["statuspage.view_updatetemplate"],
        "post": ["statuspage.change_updatetemplate"],
    }

    def get(self, request):
        return [objects.template_object(t) for t in page_of(request, _templates())]

    def post(self, request):
        item = wrapped_object(body(request), "template")
        name = (objects.text(item, "name", "") or "").strip().lower()
        words = objects.text(item, "body", "")
        chosen = next(
            (t for t in _templates() if name in {t.kind, t.get_kind_display().lower()}), None
        )
        if chosen is None:
            kinds = ", ".join(t.get_kind_display() for t in _templates())
            raise ValidationError(
                {
                    "name": _(
                        "Templates are one per kind of update (%(kinds)s): name one of them "
                        "to change its words."
                    )
                    % {"kinds": kinds}
                }
            )
        if not words.strip():
            raise ValidationError({"body": _("Give the template's words.")})
        return objects.template_object(editing.update_template_change(template=chosen, body=words))


def _templates() -> list[UpdateTemplate]:
    order = [kind for kind, _label in UpdateTemplate._meta.get_field("kind").choices]
    return sorted(UpdateTemplate.objects.all(), key=lambda t: order.index(t.kind))


INCIDENT = "pages/<str:page_id>/incidents/<str:incident_id>"
urlpatterns = [
    path("pages/<str:page_id>/incidents", IncidentList.as_view(), name="incidents"),
    *[
        path(
            f"pages/<str:page_id>/incidents/{selection}",
            type(IncidentSelection)(
                f"Incidents_{selection}", (IncidentSelection,), {"selection": selection}
            ).as_view(),
            name=f"incidents_{selection}",
        )
        for selection in ("unresolved", "scheduled", "active_maintenance", "upcoming")
    ],
    path(INCIDENT, IncidentDetail.as_view(), name="incident"),
    path(
        f"{INCIDENT}/incident_updates/<str:incident_update_id>",
        IncidentUpdateDetail.as_view(),
        name="incident_update",
    ),
    path(f"{INCIDENT}/postmortem", Postmortem.as_view(), name="postmortem"),
    *[
        path(
            f"{INCIDENT}/postmortem/{step}",
            type(PostmortemStep)(f"Postmortem_{step}", (PostmortemStep,), {"step": step}).as_view(),
            name=f"postmortem_{step}",
        )
        for step in ("publish", "revert")
    ],
    path(
        "pages/<str:page_id>/incident_templates",
        IncidentTemplates.as_view(),
        name="incident_templates",
    ),
]
