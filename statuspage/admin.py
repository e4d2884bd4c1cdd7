"""The admin of the status core: services and groups, maintenance windows, incidents and
their updates, with the one-step update form and the lifecycle actions."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdownx.admin import MarkdownxModelAdmin

from statuspage import services, update_templates
from statuspage.common import queueing
from statuspage.common.forms import add_service_errors
from statuspage.common.text import spoken_list
from statuspage.common.times import utc_time
from statuspage.forms import StatusUpdateForm
from statuspage.models import (
    ChangeSource,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceGroup,
    StatusChange,
    StatusUpdate,
    UpdateTemplate,
)
from statuspage.outbox.channels import CHANNELS, x
from statuspage.outbox.models import NOTICE_CHANNELS, POST_CHANNELS, ChannelName, CrossPost
from statuspage.subscriptions import notices
from statuspage.templatetags.status import event_time, window_times

admin.site.site_header = f"{settings.SITE_NAME}: staff"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Status, maintenance and FAQs"


class ServiceInline(admin.TabularInline):
    model = Service
    fields = ["name", "slug", "position", "status"]
    readonly_fields = ["status"]  # changed on the service's own page, into its history
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

    def save_model(self, request, obj, form, change):
        """A new status of an existing service goes into its history, by the admin, through
        the services layer; the other fields are saved as they are."""
        status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial["status"]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if obj.status != status:
                services.service_status_set(
                    service=obj,
                    status=status,
                    at=timezone.now(),
                    source=ChangeSource.ADMIN,
                    actor=request.user,
                )


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """The services' history, as it was written: read only."""

    list_display = ["service", "old_status", "new_status", "when", "source", "update", "actor"]
    list_filter = ["source", "new_status", "service"]
    list_select_related = ["service", "update__maintenance", "update__incident", "actor"]
    date_hierarchy = "at"

    @admin.display(description=gettext_lazy("When"), ordering="at")
    def when(self, change) -> str:
        return utc_time(change.at)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class UpdateInline(admin.TabularInline):
    """The event's updates, newest first; new ones are posted with “Post an update”."""

    model = StatusUpdate
    fields = ["shown_at", "status_label", "body", "author", "published", "posted", "told"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        posts = Prefetch("messages", queryset=CrossPost.objects.all(), to_attr="posts")
        notices = Q(messages__channel__in=NOTICE_CHANNELS)
        return (
            super()
            .get_queryset(request)
            .select_related("author", "maintenance", "incident")
            .prefetch_related(posts)
            .annotate(
                notices=Count("messages", filter=notices),
                notices_sent=Count("messages", filter=notices & Q(messages__state="sent")),
                notices_failed=Count("messages", filter=notices & Q(messages__state="failed")),
            )
        )

    @admin.display(description=gettext_lazy("Shown as posted at"))
    def shown_at(self, update) -> str:
        return event_time(update.display_at, update.event)

    @admin.display(description=gettext_lazy("Published"))
    def published(self, update) -> str:
        if update.published_at is None:
            return _("Draft")
        return event_time(update.published_at, update.event)

    @admin.display(description=gettext_lazy("Posted"))
    def posted(self, update) -> str:
        return cross_post_summary(update)

    @admin.display(description=gettext_lazy("Subscribers told"))
    def told(self, update) -> str:
        return notices_summary(update)


def notices_summary(update) -> str:
    """How the update's e-mails and webhook deliveries are going, linked to them."""
    if not update.notices:
        return "—"
    text = _("%(sent)s of %(total)s sent") % {
        "sent": number_format(update.notices_sent, force_grouping=True),
        "total": number_format(update.notices, force_grouping=True),
    }
    if update.notices_failed:
        failed = number_format(update.notices_failed, force_grouping=True)
        text += " · " + _("%(failed)s failed") % {"failed": failed}
    if update.notices_sent + update.notices_failed < update.notices:
        text += " · " + _("sending…")
    url = reverse("admin:statuspage_notification_changelist")
    return format_html('<a href="{}?update__id__exact={}">{}</a>', url, update.pk, text)


def cross_post_summary(update) -> str:
    """Each network's post of the update: its state, link or error, as staff need to see it;
    and the networks it was not posted on because they are off."""
    if not update.published_at:
        return _("Not until published")
    if not (update.cross_post and update.event.hashtag):
        return "—"
    lines = [_post_state(row) for row in update.posts]
    posted = {row.channel for row in update.posts}
    off = [
        CHANNELS[name].label
        for name in POST_CHANNELS
        if name not in posted and CHANNELS[name].missing_settings()
    ]
    if off:
        lines.append(_("%(networks)s: skipped, off") % {"networks": spoken_list(off)})
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) or "—"


def _post_state(row) -> str:
    """“X: Sent · view on X”, “Mastodon: Waiting to be sent · 503 …”."""
    label = CHANNELS[row.channel].label
    if row.remote_url:
        return format_html(
            '{}: {} · <a href="{}">{}</a>',
            label,
            row.get_state_display(),
            row.remote_url,
            _("view on %(network)s") % {"network": label},
        )
    detail = f" · {row.last_error}" if row.last_error else ""
    return f"{label}: {row.get_state_display()}{detail}"


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
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name=f"{opts.app_label}_{opts.model_name}_preview",
            ),
            *super().get_urls(),
        ]

    # Times as readers see them: in the event's zone, and UTC.
    @admin.display(description=gettext_lazy("When (planned)"), ordering="scheduled_start")
    def when(self, window) -> str:
        return window_times(window)

    @admin.display(description=gettext_lazy("Began"), ordering="started_at")
    def began(self, incident) -> str:
        return event_time(incident.started_at, incident)

    @admin.display(description=gettext_lazy("Published"), ordering="published_at", boolean=True)
    def published(self, event) -> bool:
        return event.published_at is not None

    def has_transition_permission(self, request) -> bool:
        return request.user.has_perm(f"statuspage.{self.transition_permission}")

    def _event_or_404(self, request, object_id: str):
        """The event the URL names; any id that names none (``abc``, too big) is a 404."""
        event = self.get_object(request, unquote(object_id))
        if event is None:
            raise Http404(f"No {self.model._meta.verbose_name} with that id.")
        return event

    def post_update_view(self, request, object_id):
        if not request.user.has_perm("statuspage.add_statusupdate"):
            raise PermissionDenied
        event = self._event_or_404(request, object_id)
        templates = []
        if isinstance(event, MaintenanceWindow):
            templates = update_templates.offered(event, update_templates.every())
        chosen = next((t for t in templates if t.kind == request.GET.get("template")), None)
        initial = {}
        if chosen is not None:
            draft = update_templates.draft(chosen, event, now=timezone.now())
            initial = {
                "body": draft.body,
                "status": draft.status,
                "new_start": draft.new_start,
                "new_end": draft.new_end,
            }
        form = StatusUpdateForm(request.POST or None, event=event, initial=initial)
        if request.method == "POST" and form.is_valid():
            changes_status = form.cleaned_data["status"] != event.status
            if changes_status and not self.has_transition_permission(request):
                raise PermissionDenied
            try:
                with queueing.watching() as starts:
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
                        cross_post=form.cleaned_data.get("cross_post", False),
                        x_text=form.cleaned_data.get("x_text", ""),
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                change = reverse(
                    f"admin:statuspage_{self.model._meta.model_name}_change", args=[event.pk]
                )
                if form.cleaned_data["publish"]:
                    # Back to the console, for the next thing to do; the page and the
                    # deliveries are a click away.
                    text = format_html(
                        '{} <a href="{}">{}</a> · <a href="{}#updates-group">{}</a>.',
                        _("Update published on “%(event)s”.") % {"event": event},
                        event.get_absolute_url(),
                        _("See it on the public page"),
                        change,
                        _("follow its notices and posts"),
                    )
                    self.message_user(request, text, messages.SUCCESS)
                    _tell_if_delayed(self, request, starts)
                    return redirect("admin:index")
                self.message_user(
                    request,
                    _("Update saved as a draft on “%(event)s”.") % {"event": event},
                    messages.SUCCESS,
                )
                return redirect(change)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": event,
            "title": f"Post an update on “{event}”",
            "form": form,
            "adminform": helpers.AdminForm(form, _update_fieldsets(form), {}),
            "media": self.media + form.media,
            "x_missing": x.CHANNEL.missing_settings(),
            "networks": [
                CHANNELS[name].label
                for name in POST_CHANNELS
                if name != ChannelName.X and not CHANNELS[name].missing_settings()
            ],
            "preview_url": reverse(
                f"admin:statuspage_{self.model._meta.model_name}_preview", args=[event.pk]
            ),
            "templates": templates,
            "chosen": chosen,
            "composer_strings": {
                "count": _("%(length)s of %(limit)s characters."),
                "tooLong": _(
                    "%(length)s of %(limit)s characters: too long for X, shorten the words for "
                    "the posts."
                ),
                "networkCount": _("%(length)s of %(limit)s, as %(network)s counts them."),
            },
        }
        return TemplateResponse(request, "admin/statuspage/post_update.html", context)

    def preview_view(self, request, object_id):
        """Each channel's reading of the update being written, for the composer to show
        while staff type: the public page's entry, the subscriber e-mail's subject and first
        lines, and the exact post for X with X's own count."""
        if not request.user.has_perm("statuspage.add_statusupdate"):
            raise PermissionDenied
        event = self._event_or_404(request, object_id)
        status = request.POST.get("status") or event.status
        body = request.POST.get("body", "")
        custom = request.POST.get("x_text", "")
        update = StatusUpdate(
            **{event.kind: event}, status=status, body=body.strip(), x_text=custom.strip()
        )
        update.display_at = timezone.now()
        subject, text = notices.preview(update)
        preview = {
            "public": render_to_string(
                "statuspage/includes/timeline.html",
                {"updates": [update], "event": event, "brief": True},
            ),
            "email": {"subject": subject, "text": _first_lines(text, EMAIL_LINES_SHOWN)},
            "x": None,
            "posts": [],
        }
        if event.hashtag:
            post = x.compose(
                event=event,
                body=body,
                status_label=update.status_label,
                custom=custom,
            )
            length = x.weighted_length(post)
            preview["x"] = {
                "text": post,
                "length": length,
                "limit": x.LIMIT,
                "too_long": length > x.LIMIT,
            }
            preview["posts"] = _network_previews(update)
        return JsonResponse(preview)

    def _transition(self, request, queryset, to: str, run) -> None:
        with queueing.watching() as starts:
            for event in queryset:
                try:
                    run(event)
                except ValidationError as error:
                    text = f"“{event}”: {' '.join(error.messages)}"
                    self.message_user(request, text, messages.ERROR)
                else:
                    self.message_user(request, f"“{event}” is now {to}.", messages.SUCCESS)
        _tell_if_delayed(self, request, starts)


EMAIL_LINES_SHOWN = 8


def _network_previews(update) -> list[dict]:
    """The exact post on each network that is on besides X (previewed apart, with its
    limit enforced), staff's own words for the posts in it, with its length as that
    network counts it."""
    previews = []
    for name in POST_CHANNELS:
        channel = CHANNELS[name]
        if name == ChannelName.X or channel.missing_settings():
            continue
        text = channel.compose(update)
        length = channel.measure(text)
        previews.append(
            {
                "network": channel.label,
                "text": text,
                "length": length,
                "limit": channel.limit,
                "too_long": length > channel.limit,
            }
        )
    return previews


def _first_lines(text: str, count: int) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[:count])


DELAYED = (
    "Posting to X and telling subscribers is delayed: the task queue cannot be reached "
    "just now. Nothing is lost: it all goes out by itself once the queue is back."
)


def _tell_if_delayed(modeladmin, request, starts: queueing.Starts) -> None:
    """Say so when what was published could not be handed to the task queue (Redis down)."""
    if starts.failed:
        modeladmin.message_user(request, DELAYED, messages.WARNING)


def _update_fieldsets(form) -> list:
    groups = [
        (
            gettext_lazy("The update"),
            ["body", "status", "confirm_timing", *(n for n, _ in form.service_fields), "publish"],
        ),
        (gettext_lazy("Dates"), ["display_at", "new_start", "new_end"]),
        (gettext_lazy("On the social networks"), ["cross_post", "x_text"]),
    ]
    return [
        (title, {"fields": [name for name in names if name in form.fields]})
        for title, names in groups
        if any(name in form.fields for name in names)
    ]


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
    list_display = ["title", "when", "status", "published"]
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

    def save_model(self, request, obj, form, change):
        was_published = change and form.initial.get("published_at") is not None
        services.event_save(event=obj, changed=set(form.changed_data), was_published=was_published)

    actions = [
        _maintenance_action(MaintenanceStatus.IN_PROGRESS, "Start the selected maintenance"),
        _maintenance_action(MaintenanceStatus.VERIFYING, "Mark as verifying"),
        _maintenance_action(MaintenanceStatus.COMPLETED, "Complete the selected maintenance"),
        _maintenance_action(MaintenanceStatus.ROLLED_BACK, "Roll back (restore as before)"),
        _maintenance_action(MaintenanceStatus.CANCELLED, "Cancel the selected maintenance"),
    ]


@admin.register(Incident)
class IncidentAdmin(EventAdmin):
    list_display = ["title", "status", "impact", "began", "published"]
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

    def save_model(self, request, obj, form, change):
        was_published = change and form.initial.get("published_at") is not None
        services.event_save(event=obj, changed=set(form.changed_data), was_published=was_published)

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
    list_display = ["__str__", "shown_at", "author", "published"]
    list_filter = [("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["maintenance", "incident", "author"]
    search_fields = ["body"]
    fields = ["body", "display_at"]
    actions = ["publish"]

    @admin.display(description=gettext_lazy("Shown as posted at"), ordering="display_at")
    def shown_at(self, update) -> str:
        return event_time(update.display_at, update.event)

    @admin.display(description=gettext_lazy("Published"), ordering="published_at", boolean=True)
    def published(self, update) -> bool:
        return update.published_at is not None

    def has_add_permission(self, request):
        return False  # updates are posted from their event's page

    @admin.action(description="Publish the selected drafts", permissions=["change"])
    def publish(self, request, queryset):
        with queueing.watching() as starts:
            for update in queryset:
                services.update_publish(update=update)
        self.message_user(request, "Published.", messages.SUCCESS)
        _tell_if_delayed(self, request, starts)


@admin.register(UpdateTemplate)
class UpdateTemplateAdmin(admin.ModelAdmin):
    """One template per kind of update: staff change the words, not the kinds."""

    list_display = ["kind", "body_start", "changed"]
    ordering = ["pk"]  # the order the work goes, as the defaults were made
    fields = ["kind", "body"]
    readonly_fields = ["kind"]

    @admin.display(description=gettext_lazy("Words"))
    def body_start(self, template) -> str:
        return Truncator(template.body).chars(120)

    @admin.display(description=gettext_lazy("Last changed"), ordering="updated_at")
    def changed(self, template) -> str:
        return utc_time(template.updated_at)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
