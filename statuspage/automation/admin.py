"""API keys in the admin: each staff member's own (a superuser sees everyone's), the key
shown once when made, revoked with an action."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from statuspage.automation import services
from statuspage.automation.models import Alert, AlertReceiver, ApiKey
from statuspage.common.links import absolute
from statuspage.common.times import utc_time

SHOWN = ["name", "owner", "prefix", "created_at", "last_used_at", "revoked_at"]


def _staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def _own(request, api_key: ApiKey | None) -> bool:
    return api_key is None or request.user.is_superuser or api_key.owner_id == request.user.pk


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "prefix", "created", "last_use", "revoked"]
    list_select_related = ["owner"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    # Every staff member keeps their own keys, whatever their role: a key can do no more
    # than its owner. Deleting one (and the record of its use) is for superusers.
    def has_module_permission(self, request) -> bool:
        return _staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _staff(request) and _own(request, obj)

    def has_add_permission(self, request) -> bool:
        return _staff(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _staff(request) and _own(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _staff(request) and request.user.is_superuser

    def get_queryset(self, request):
        keys = super().get_queryset(request)
        return keys if request.user.is_superuser else keys.filter(owner=request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "owner"] if request.user.is_superuser else ["name"]
        return SHOWN

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else SHOWN[1:]

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    def changelist_view(self, request, extra_context=None):
        context = {
            "statuspage_page_id": settings.STATUSPAGE_PAGE_ID,
            "api_url": absolute("/api/v1/"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def save_model(self, request, obj, form, change):
        """A new key through the service, shown once; an existing one only renamed."""
        if change:
            services.api_key_rename(api_key=obj, name=obj.name)
            return
        owner = obj.owner if request.user.is_superuser and obj.owner_id else request.user
        created, key = services.api_key_create(owner=owner, name=obj.name)
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        self.message_user(
            request,
            _("The new key is %(key)s. Copy it now: it is not shown again, nor kept.")
            % {"key": key},
            messages.WARNING,
        )

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at=None):
            try:
                services.api_key_revoke(api_key=api_key)
            except ValidationError as error:  # revoked meanwhile
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                revoked += 1
        text = ngettext("%(count)d key revoked.", "%(count)d keys revoked.", revoked)
        self.message_user(request, text % {"count": revoked}, messages.SUCCESS)

    @admin.display(description=gettext_lazy("Created"), ordering="created_at")
    def created(self, api_key: ApiKey) -> str:
        return utc_time(api_key.created_at)

    @admin.display(description=gettext_lazy("Last used"), ordering="last_used_at")
    def last_use(self, api_key: ApiKey) -> str:
        return utc_time(api_key.last_used_at) if api_key.last_used_at else _("Never")

    @admin.display(description=gettext_lazy("Revoked"), ordering="revoked_at")
    def revoked(self, api_key: ApiKey) -> str:
        return utc_time(api_key.revoked_at) if api_key.revoked_at else "—"


@admin.register(AlertReceiver)
class AlertReceiverAdmin(admin.ModelAdmin):
    """How each sender's alerts are read; which service their labels name."""

    list_display = ["name", "kind", "owner", "status_to_set"]
    list_select_related = ["owner"]
    fields = ["name", "kind", "owner", "label_map", "status_to_set"]

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    """Every alert received, with what it did: a record, not edited."""

    list_display = ["summary", "kind", "state", "service", "outcome", "received", "last"]
    list_filter = ["kind", "state", "outcome"]
    list_select_related = ["service", "incident"]
    search_fields = ["summary", "key"]
    readonly_fields = [field.name for field in Alert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Last received"), ordering="updated_at")
    def last(self, alert: Alert) -> str:
        return utc_time(alert.updated_at)
