from django.conf import settings
from django.contrib import admin

from statuspage.models import MaintenanceWindow, Service, ServiceGroup

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


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["title", "scheduled_start", "scheduled_end", "status", "published_at"]
    list_filter = ["status", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "summary", "slug"]
    date_hierarchy = "scheduled_start"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["services"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status", "services"]}),
        (
            "When (enter times in UTC)",
            {"fields": ["scheduled_start", "scheduled_end", "time_zone", "time_zone_label"]},
        ),
        ("Announcing", {"fields": ["published_at", "hashtag"]}),
        ("Record", {"fields": ["started_at", "completed_at", "created_at", "updated_at"]}),
    ]
