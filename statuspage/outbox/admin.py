"""The outbox in the admin: progress posts, which staff run, and what subscribers are sent."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from statuspage.outbox import services
from statuspage.outbox.channels import CHANNELS
from statuspage.outbox.models import CrossPost, MessageState, Notification


class ConfirmSentForm(forms.Form):
    url = forms.URLField(label="Link of the post on X", assume_scheme="https")


@admin.register(CrossPost)
class CrossPostAdmin(admin.ModelAdmin):
    """Progress posts: what went out, what waits, what failed and why."""

    list_display = ["update", "state", "attempts", "next_attempt_at", "link", "last_error"]
    list_filter = ["state", "channel"]
    list_select_related = ["update__maintenance", "update__incident"]
    search_fields = ["body"]  # a post found by its words
    readonly_fields = [
        "update",
        "channel",
        "state",
        "body",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sending_since",
        "reply_to_id",
        "remote_id",
        "remote_url",
        "sent_at",
    ]
    fields = readonly_fields
    actions = ["send_again", "post_now", "confirm_sent"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="On X")
    def link(self, row) -> str:
        return format_html('<a href="{}">view</a>', row.remote_url) if row.remote_url else ""

    def _requeue(self, request, queryset, states) -> None:
        for row in queryset.select_related("update"):
            if row.state not in states:
                self.message_user(request, f"{row}: left as it is.", messages.WARNING)
                continue
            services.message_retry(message=row)
            label = CHANNELS[row.channel].label
            self.message_user(request, f"{row.update}: queued for {label} again.", messages.SUCCESS)

    @admin.action(description="Retry: send failed or unchecked posts again", permissions=["change"])
    def send_again(self, request, queryset):
        self._requeue(request, queryset, {MessageState.FAILED, MessageState.UNCONFIRMED})

    @admin.action(description="Post now: send skipped posts", permissions=["change"])
    def post_now(self, request, queryset):
        for name in set(queryset.values_list("channel", flat=True)):
            if missing := CHANNELS[name].missing_settings():
                label = CHANNELS[name].label
                text = f"{label} is still off: set {', '.join(missing)} first."
                self.message_user(request, text, messages.ERROR)
                return
        self._requeue(request, queryset, {MessageState.SKIPPED})

    @admin.action(description="Mark as sent (found on X)", permissions=["change"])
    def confirm_sent(self, request, queryset):
        form = ConfirmSentForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid() or queryset.count() != 1:
            context = {
                **self.admin_site.each_context(request),
                "title": "Which post on X is it?",
                "rows": queryset,
                "form": form,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/statuspage/confirm_sent.html", context)
        try:
            services.message_confirm_sent(message=queryset.get(), url=form.cleaned_data["url"])
        except ValueError as error:
            self.message_user(request, str(error), messages.ERROR)
        return None


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What subscribers and webhooks are sent: e-mail and webhook deliveries."""

    list_display = ["topic", "channel", "subscriber", "webhook", "state", "attempts", "last_error"]
    list_filter = ["state", "channel"]
    list_select_related = ["subscriber", "webhook"]
    search_fields = ["topic", "subscriber__email", "webhook__url"]
    readonly_fields = [
        f.name for f in Notification._meta.fields if f.name not in {"update", "reply_to_id"}
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False
