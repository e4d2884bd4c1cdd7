"""The management API's components, their uptime, and component groups, at Statuspage's
paths: our services and service groups (``component_objects`` has their shapes). Writes go
through ``statuspage.services``; a status set here is a change in the service's history
from the API (``ChangeSource.API``), by the key's owner.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage import services
from statuspage.automation.auth import NO_STORE
from statuspage.automation.component_objects import (
    as_component,
    component_changes,
    component_object,
    group_changes,
    group_object,
    group_of,
    service_of,
)
from statuspage.automation.rest import ApiError, Resource, body, page_of, wrapped_object
from statuspage.models import ChangeSource, ServiceGroup, ServiceStatus
from statuspage.publishing.api import history
from statuspage.publishing.api.serializers import Components

# A Status editor sets services' statuses with their updates; that is all they may change.
SET_STATUS = ("statuspage.change_service", "statuspage.add_statusupdate")


def _may_change(user, fields: dict, status: str | None) -> None:
    if fields and not user.has_perm("statuspage.change_service"):
        raise PermissionDenied
    if status is not None and not any(user.has_perm(p) for p in SET_STATUS):
        raise PermissionDenied


def _deleted() -> HttpResponse:
    return HttpResponse(status=204, headers={"Cache-Control": NO_STORE})


# --- components ---------------------------------------------------------------------------


class ComponentList(Resource):
    """``/pages/{page_id}/components``: every service and group, in page order; a new
    service."""

    permissions = {
        "get": ["statuspage.view_service"],
        "post": ["statuspage.add_service"],
    }

    def get(self, request):
        return [as_component(item) for item in page_of(request, Components().items)]

    def post(self, request):
        item = wrapped_object(body(request), "component")
        if not isinstance(item.get("name"), str):
            raise ValidationError({"name": _("Name the component.")})
        fields, status = component_changes(item, None)
        service = services.service_create(
            fields=fields,
            status=status or ServiceStatus.OPERATIONAL,
            source=ChangeSource.API,
            actor=request.user,
        )
        return component_object(f"service-{service.pk}")


class ComponentDetail(Resource):
    """``/pages/{page_id}/components/{component_id}``. PUT is PATCH, as at Statuspage: the
    fields given are set, the others kept. A Status editor's key may set ``status`` only."""

    permissions = {
        "get": ["statuspage.view_service"],
        "delete": ["statuspage.delete_service"],
    }

    def get(self, request, component_id: str):
        return component_object(component_id)

    def patch(self, request, component_id: str):
        service = service_of(component_id)
        item = wrapped_object(body(request), "component")
        fields, status = component_changes(item, service, component_object(component_id))
        _may_change(request.user, fields, status)
        services.service_edit(
            service=service,
            fields=fields,
            status=status,
            source=ChangeSource.API,
            actor=request.user,
        )
        return component_object(component_id)

    put = patch

    def delete(self, request, component_id: str):
        services.service_delete(service=service_of(component_id))
        return _deleted()


# --- uptime ---------------------------------------------------------------------------------


def _day(request, name: str) -> date | None:
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            400, _("“%(name)s” is not a date written YYYY-MM-DD.") % {"name": name}
        ) from None


def uptime_range(request, today: date) -> tuple[date, date]:
    """``start`` and ``end``, as Statuspage reads them: by default the 90 days to today.
    Raises ApiError (400) for an unreadable date, an end before the start, or a range
    longer than the history API's."""
    last = _day(request, "end") or today
    first = _day(request, "start") or history.recent_days(last)[0]
    if last < first:
        raise ApiError(400, _("The range ends before it starts."))
    if (last - first).days + 1 > history.MAX_DAYS:
        raise ApiError(
            400, _("At most %(days)s days may be asked for at once.") % {"days": history.MAX_DAYS}
        )
    return first, last


class ComponentUptime(Resource):
    """``/pages/{page_id}/components/{component_id}/uptime``: Statuspage's uptime object,
    from the figures ``/api/v2/components/<id>/uptime.json`` serves."""

    permissions = {"get": ["statuspage.view_service"]}

    def get(self, request, component_id: str):
        service = service_of(component_id)
        now = timezone.now()
        first, last = uptime_range(request, now.date())
        data = history.component_uptime_data(Components(), service.pk, first, last, now=now)
        component = data["component"]
        days = component["days"]

        def seconds(status: str) -> int:
            return round(60 * sum(day["minutes_by_status"].get(status, 0) for day in days))

        events = dict.fromkeys(
            event_id
            for day in days
            for event_id in (*day["incident_ids"], *day["scheduled_maintenance_ids"])
        )
        warnings = []
        if last > now.date():
            warnings.append(_("Days after today are not counted."))
        uptime = component["uptime_percent"]
        return {
            "id": component["id"],
            "name": component["name"],
            "range_start": first.isoformat(),
            "range_end": last.isoformat(),
            # Nothing counted yet (the first minute of today): nothing was down.
            "uptime_percentage": 100.0 if uptime is None else uptime,
            "major_outage": seconds("major_outage"),
            "partial_outage": seconds("partial_outage"),
            "warnings": warnings,
            "related_events": [{"id": event_id} for event_id in events],
        }


# --- component groups -----------------------------------------------------------------------


GROUP_WRITE = ["statuspage.change_servicegroup", "statuspage.change_service"]


class GroupList(Resource):
    """``/pages/{page_id}/component-groups``: every group; a new one, of the services
    named (moved out of the groups they were in)."""

    permissions = {
        "get": ["statuspage.view_servicegroup"],
        "post": ["statuspage.add_servicegroup", "statuspage.change_service"],
    }

    def get(self, request):
        components = Components()
        groups = page_of(request, ServiceGroup.objects.all())
        return [group_object(group, components) for group in groups]

    def post(self, request):
        fields, members = group_changes(body(request), creating=True)
        group = services.service_group_save(group=ServiceGroup(**fields), members=members)
        return group_object(group)


class GroupDetail(Resource):
    """``/pages/{page_id}/component-groups/{group_id}``. PUT is PATCH, as at Statuspage;
    ``components`` names all the group's services (the others leave it). Deleting a group
    keeps its services, in no group, and answers the group as it was."""

    permissions = {
        "get": ["statuspage.view_servicegroup"],
        "patch": GROUP_WRITE,
        "put": GROUP_WRITE,
        "delete": ["statuspage.delete_servicegroup", "statuspage.change_service"],
    }

    def get(self, request, group_id: str):
        return group_object(group_of(group_id))

    def patch(self, request, group_id: str):
        group = group_of(group_id)
        fields, members = group_changes(body(request), creating=False)
        for name, value in fields.items():
            setattr(group, name, value)
        services.service_group_save(group=group, members=members)
        return group_object(group)

    put = patch

    def delete(self, request, group_id: str):
        group = group_of(group_id)
        data = group_object(group)
        services.service_group_delete(group=group)
        return data


urlpatterns = [
    path("pages/<str:page_id>/components", ComponentList.as_view(), name="components"),
    path(
        "pages/<str:page_id>/components/<str:component_id>",
        ComponentDetail.as_view(),
        name="component",
    ),
    path(
        "pages/<str:page_id>/components/<str:component_id>/uptime",
        ComponentUptime.as_view(),
        name="component_uptime",
    ),
    path("pages/<str:page_id>/component-groups", GroupList.as_view(), name="component_groups"),
    path(
        "pages/<str:page_id>/component-groups/<str:group_id>",
        GroupDetail.as_view(),
        name="component_group",
    ),
]
