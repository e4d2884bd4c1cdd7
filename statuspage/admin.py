from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from markdownx.admin import MarkdownxModelAdmin

from statuspage import services
from statuspage.forms import StatusUpdateForm
from statuspage.models import (
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceGroup,
    StatusUpdate,
)

admin.site.site_header = f"{settings.SITE_NAME}: staff"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Status, maintenance and FAQs"


class ServiceInline(admin.TabularInline):
    model = Service
    fields = ["name", "slug", "position", "status"]
    prepopulated_fields = {"slug": ["name"]}
    extra = 0


@admin.register(ServiceGroup)
class ServiceGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "status", "position", "updated_at"]
    list_filter = ["group", "status"]
    list_select_related = ["group"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


class UpdateInline(admin.TabularInline):
    """The event's updates, newest first; new ones are posted with “Post an update”."""

    model = StatusUpdate
    fields = ["display_at", "status", "body", "author", "published_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class EventAdmin(MarkdownxModelAdmin):
    """What maintenance windows and incidents share: the one-step update and transitions."""

    change_form_template = "admin/statuspage/event_change_form.html"
    inlines = [UpdateInline]
    transition_permission = ""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/post-update/",
                self.admin_site.admin_view(self.post_update_view),
                name=f"{opts.app_label}_{opts.model_name}_post_update",
            ),
            *super().get_urls(),
        ]

    def has_transition_permission(self, request) -> bool:
        return request.user.has_perm(f"statuspage.{self.transition_permission}")

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("statuspage.add_statusupdate"):
            raise PermissionDenied
        event = get_object_or_404(self.model, pk=object_id)
        form = StatusUpdateForm(request.POST or None, event=event)
        if request.method == "POST" and form.is_valid():
            changes_status = form.cleaned_data["status"] != event.status
            if changes_status and not self.has_transition_permission(request):
                raise PermissionDenied
            try:
                services.update_post(
                    event=event,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    status=form.cleaned_data["status"],
                    service_statuses=form.service_statuses(),
                    display_at=form.cleaned_data["display_at"],
                    publish=form.cleaned_data["publish"],
                    new_start=form.cleaned_data.get("new_start"),
                    new_end=form.cleaned_data.get("new_end"),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                published = "published" if form.cleaned_data["publish"] else "saved as a draft"
                self.message_user(request, f"Update {published} on “{event}”.", messages.SUCCESS)
                return redirect(event.get_absolute_url() if form.cleaned_data["publish"] else
                                reverse(f"admin:statuspage_{self.model._meta.model_name}_change",
                                        args=[event.pk]))  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": event,
            "title": f"Post an update on “{event}”",
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/statuspage/post_update.html", context)

    def _transition(self, request, queryset, to: str, run) -> None:
        for event in queryset:
            try:
                run(event)
            except ValidationError as error:
                self.message_user(request, f"“{event}”: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"“{event}” is now {to}.", messages.SUCCESS)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _maintenance_action(to: str, description: str):
    def action(modeladmin, request, queryset):
        modeladmin._transition(
            request,
            queryset,
            MaintenanceStatus(to).label.lower(),
            lambda window: services.maintenance_transition(
                window=window, to=to, author=request.user
            ),
        )

    action.__name__ = f"mark_{to}"
    return admin.action(description=description, permissions=["transition"])(action)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(EventAdmin):
    list_display = ["title", "scheduled_start", "scheduled_end", "status", "published_at"]
    list_filter = ["status", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "summary", "slug"]
    date_hierarchy = "scheduled_start"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["services"]
    readonly_fields = ["status", "started_at", "completed_at", "created_at", "updated_at"]
    transition_permission = "transition_maintenancewindow"
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status", "services"]}),
        (
            "When (enter times in UTC)",
            {
                "fields": [
                    "scheduled_start",
                    "scheduled_end",
                    "time_zone",
                    "time_zone_label",
                    "auto_advance",
                ]
            },
        ),
        ("Announcing", {"fields": ["published_at", "hashtag"]}),
        ("Record", {"fields": ["started_at", "completed_at", "created_at", "updated_at"]}),
    ]
    actions = [
        _maintenance_action(MaintenanceStatus.IN_PROGRESS, "Start the selected maintenance"),
        _maintenance_action(MaintenanceStatus.VERIFYING, "Mark as verifying"),
        _maintenance_action(MaintenanceStatus.COMPLETED, "Complete the selected maintenance"),
        _maintenance_action(MaintenanceStatus.ROLLED_BACK, "Roll back (restore as before)"),
        _maintenance_action(MaintenanceStatus.CANCELLED, "Cancel the selected maintenance"),
    ]


@admin.register(Incident)
class IncidentAdmin(EventAdmin):
    list_display = ["title", "status", "impact", "started_at", "published_at"]
    list_filter = ["status", "impact"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["services"]
    transition_permission = "transition_incident"
    fields = [
        "title",
        "slug",
        "impact",
        "services",
        "started_at",
        "published_at",
        "time_zone",
        "time_zone_label",
        "hashtag",
        "postmortem",
    ]
    actions = ["resolve", "reopen"]

    def get_readonly_fields(self, request, obj=None):
        return ["status"] if obj is None else ["status", "resolved_at"]

    @admin.action(description="Resolve the selected incidents", permissions=["transition"])
    def resolve(self, request, queryset):
        self._transition(
            request,
            queryset,
            "resolved",
            lambda incident: services.update_post(
                event=incident,
                author=request.user,
                body="This incident has been resolved.",
                status=IncidentStatus.RESOLVED,
            ),
        )

    @admin.action(description="Reopen the selected incidents", permissions=["transition"])
    def reopen(self, request, queryset):
        self._transition(
            request,
            queryset,
            "investigating",
            lambda incident: services.incident_reopen(incident=incident, author=request.user),
        )


@admin.register(StatusUpdate)
class StatusUpdateAdmin(MarkdownxModelAdmin):
    list_display = ["__str__", "display_at", "author", "published_at"]
    list_filter = [("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["maintenance", "incident", "author"]
    search_fields = ["body"]
    fields = ["body", "display_at"]
    actions = ["publish"]

    def has_add_permission(self, request):
        return False  # updates are posted from their event's page

    @admin.action(description="Publish the selected drafts", permissions=["change"])
    def publish(self, request, queryset):
        for update in queryset:
            services.update_publish(update=update)
        self.message_user(request, "Published.", messages.SUCCESS)
