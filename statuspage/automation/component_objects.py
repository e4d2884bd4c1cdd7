"""The management API's components and component groups in Statuspage's shapes, and the
reading of what clients send for them.

A component is the public API's (``serializers.Components``: our services, and each group
as a component too, with the same ids, ``service-3`` and ``group-1``), with the one field
only the management API has; a component group is Statuspage's ``GroupComponent``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from statuspage.automation.rest import ApiError, wrapped_object
from statuspage.models import Service, ServiceGroup
from statuspage.publishing.api.serializers import Components, page_data

SERVICE_PREFIX, GROUP_PREFIX = "service-", "group-"
# What a component's body may set here, by Statuspage's name.
STORED = {"name", "description", "status", "group_id", "position"}
# Sent with every write by Statuspage's clients (its Terraform providers send the whole
# resource, and a client that PUTs back what it read sends the read-only fields): accepted
# and left as they are, since every service shows its bars and none hides when operational.
FLAGS = {"showcase", "only_show_if_degraded"}
READ_ONLY = {"id", "page_id", "group", "created_at", "updated_at", "automation_email", "components"}
IGNORED = FLAGS | READ_ONLY
# Not kept here and not sent routinely: empty is accepted, anything else refused.
NOT_KEPT = {"start_date"}
MAX_POSITION = 32767  # a small integer's, on every database


def _pk(component_id: str, prefix: str) -> int | None:
    number = component_id.removeprefix(prefix)
    # ASCII digits (int() refuses “¹”), and fewer than the database's integers hold.
    if (
        component_id.startswith(prefix)
        and number.isascii()
        and number.isdigit()
        and len(number) < 19
    ):
        return int(number)
    return None


def service_of(component_id: str) -> Service:
    """The service of ``component_id``; ApiError (404) for any other id, a group's too."""
    if _pk(component_id, GROUP_PREFIX):
        raise ApiError(404, _("This id is a component group's: see component-groups."))
    pk = _pk(component_id, SERVICE_PREFIX)
    service = Service.objects.filter(pk=pk).first() if pk else None
    if service is None:
        raise ApiError(404, _("No component has this id."))
    return service


def group_of(group_id: str) -> ServiceGroup:
    pk = _pk(group_id, GROUP_PREFIX)
    group = ServiceGroup.objects.filter(pk=pk).first() if pk else None
    if group is None:
        raise ApiError(404, _("No component group has this id."))
    return group


def as_component(item: dict) -> dict:
    """Statuspage's component: the public API's ``item``, with the one field it leaves out
    (empty: no e-mail sets a status here)."""
    return {**item, "automation_email": ""}


def component_object(component_id: str, components: Components | None = None) -> dict:
    components = components or Components()
    for item in components.items:
        if item["id"] == component_id:
            return as_component(item)
    raise ApiError(404, _("No component has this id."))


def group_object(group: ServiceGroup, components: Components | None = None) -> dict:
    """Statuspage's component group: as the public API shows the group, when it has
    services; an empty one (the public pages show none) at the page's latest change."""
    components = components or Components()
    group_id = f"{GROUP_PREFIX}{group.pk}"
    item = next((c for c in components.items if c["id"] == group_id), None)
    if item is None:
        changed = page_data(components)["updated_at"]
        item = {"position": group.position, "created_at": changed, "updated_at": changed}
    return {
        "id": group_id,
        "page_id": components.page_id,
        "name": group.name,
        "description": None,  # groups have none here
        "components": item.get("components", []),
        "position": item["position"],
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }


# --- a component's body -------------------------------------------------------------------


def _text(item: dict, name: str, *, empty: bool = False) -> str:
    value = item[name]
    if value is None and empty:
        return ""
    if not isinstance(value, str):
        raise ValidationError({name: _("Give a string.")})
    return value


def component_changes(item: dict, service: Service | None, shown: dict | None = None) -> tuple:
    """The model fields and the status ``item`` sets (only what differs from ``service``,
    shown as ``shown``). Raises ValidationError for a field not known, not kept, or of the
    wrong type.

    A position read is the place on the page (1 first, groups counted); one written is the
    order within the service's group: one sent back as it was read changes nothing."""
    unknown = sorted(set(item) - STORED - IGNORED - NOT_KEPT)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    for name in NOT_KEPT & set(item):
        if item[name] not in (None, ""):
            raise ValidationError({name: _("This site does not keep it; leave it empty.")})
    for name in FLAGS & set(item):
        if not isinstance(item[name], bool):
            raise ValidationError({name: _("Give true or false.")})
    fields = {}
    if "name" in item:
        fields["name"] = _text(item, "name").strip()
    if "description" in item:
        fields["description"] = _text(item, "description", empty=True).strip()
    if "position" in item:
        position = item["position"]
        if (
            isinstance(position, bool)
            or not isinstance(position, int)
            or not 0 <= position <= MAX_POSITION
        ):
            raise ValidationError(
                {"position": _("Give a whole number from 0 to %(max)s.") % {"max": MAX_POSITION}}
            )
        if shown is None or position != shown["position"]:
            fields["position"] = position
    if "group_id" in item:
        group_id = item["group_id"]
        fields["group"] = None if group_id in (None, "") else _known_group(group_id)
    status = _text(item, "status") if "status" in item else None
    if service is not None:
        fields = {k: v for k, v in fields.items() if getattr(service, k) != v}
        status = None if status == service.status else status
    return fields, status


def _known_group(group_id) -> ServiceGroup:
    try:
        return group_of(group_id if isinstance(group_id, str) else "")
    except ApiError:
        raise ValidationError(
            {"group_id": _("No component group has the id “%(id)s”.") % {"id": group_id}}
        ) from None


# --- a component group's body ----------------------------------------------------------


def group_changes(data: dict, *, creating: bool) -> tuple[dict, list[Service] | None]:
    """The group's name (if given) and services (if given) from Statuspage's body:
    ``{"description": ..., "component_group": {"name": ..., "components": [ids]}}``.
    ``description`` is sent by Statuspage's Terraform providers with every write: accepted,
    not kept."""
    item = wrapped_object(data, "component_group")
    if not isinstance(data.get("description"), str | None):
        raise ValidationError({"description": _("Give a string.")})
    unknown = sorted(set(item) - {"name", "components", "description"})
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    fields = {}
    if "name" in item or creating:
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationError({"name": _("Name the component group.")})
        fields["name"] = name.strip()
    members = None
    if "components" in item or creating:
        ids = item.get("components")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise ValidationError(
                {"components": _("Give the ids of the group's components, at least one.")}
            )
        members = _members(ids)
    return fields, members


def _members(ids: list[str]) -> list[Service]:
    pks = {component_id: _pk(component_id, SERVICE_PREFIX) for component_id in ids}
    found = Service.objects.in_bulk([pk for pk in pks.values() if pk])
    unknown = [component_id for component_id, pk in pks.items() if pk not in found]
    if unknown:
        raise ValidationError(
            {"components": _("No component has the id %(ids)s.") % {"ids": ", ".join(unknown)}}
        )
    return [found[pk] for pk in dict.fromkeys(pks.values())]
