"""The outbox in the admin: progress posts, which staff run, and what subscribers are sent."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from statuspage.common.text import spoken_list
from statuspage.common.times import utc_time
from statuspage.outbox import services
from statuspage.outbox.channels import CHANNELS
from statuspage.outbox.models import ChannelName, CrossPost, Message, MessageState, Notification

# Characters of a last error a list shows; the whole of it is the cell's title (on hover)
# and on the row's page. At 80 a list keeps to 1280 px beside the sidebar and filters.
ERROR_SHOWN = 80
LISTS_CSS = {"all": ["css/admin-lists.css"]}


class MessageColumns:
    """The columns that the cross-post and notification lists share, kept narrow."""

    @admin.display(description=gettext_lazy("State"), ordering="state")
    def state_shown(self, row: Message) -> str:
        """“Failed · 3 tries”, “Sent · view on Mastodon”."""
        text = row.get_state_display()
        if row.attempts > 1:
            tries = ngettext("%(n)d try", "%(n)d tries", row.attempts) % {"n": row.attempts}
            text = f"{text} · {tries}"
        if row.remote_url:
            label = CHANNELS[row.channel].label if row.channel in CHANNELS else row.channel
            view = _("view on %(network)s") % {"network": label}
            return format_html('{} · <a href="{}">{}</a>', text, row.remote_url, view)
        return text

    @admin.display(description=gettext_lazy("When"))
    def when(self, row: Message) -> str:
        """When it was sent, will be tried next, or last changed (failed, skipped)."""
        if row.sent_at:
            return utc_time(row.sent_at)
        if row.state in {MessageState.PENDING, MessageState.SENDING}:
            return _("next try %(time)s") % {"time": utc_time(row.next_attempt_at)}
        return utc_time(row.updated_at)

    @admin.display(description=gettext_lazy("Last error"), ordering="last_error")
    def error(self, row: Message) -> str:
        shown = Truncator(row.last_error).chars(ERROR_SHOWN)
        if shown == row.last_error:
            return shown
        return format_html('<span title="{}">{}</span>', row.last_error, shown)


class ConfirmSentForm(forms.Form):
    url = forms.URLField(label="Link of the post", assume_scheme="https")


@admin.register(CrossPost)
class CrossPostAdmin(MessageColumns, admin.ModelAdmin):
    """Progress posts: what went out, what waits, what failed and why."""

    list_display = ["post_of", "network", "state_shown", "when", "error"]
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

    class Media:
        css = LISTS_CSS

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("Update"), ordering="update")
    def post_of(self, row: CrossPost) -> str:
        return str(row.update)

    @admin.display(description=gettext_lazy("Network"), ordering="channel")
    def network(self, row: CrossPost) -> str:
        return CHANNELS[row.channel].label if row.channel in CHANNELS else row.channel

    def _requeue(self, request, queryset, states) -> None:
        for row in queryset.select_related("update"):
            if row.state not in states:
                text = _("%(post)s: left as it is.") % {"post": row}
                self.message_user(request, text, messages.WARNING)
                continue
            services.message_retry(message=row)
            text = _("%(update)s: queued for %(network)s again.") % {
                "update": row.update,
                "network": CHANNELS[row.channel].label,
            }
            self.message_user(request, text, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Retry: send failed or unchecked posts again"),
        permissions=["change"],
    )
    def send_again(self, request, queryset):
        self._requeue(request, queryset, {MessageState.FAILED, MessageState.UNCONFIRMED})

    @admin.action(description=gettext_lazy("Post now: send skipped posts"), permissions=["change"])
    def post_now(self, request, queryset):
        for name in set(queryset.values_list("channel", flat=True)):
            if missing := CHANNELS[name].missing_settings():
                text = _("%(network)s is still off: set %(settings)s first.") % {
                    "network": CHANNELS[name].label,
                    "settings": ", ".join(missing),
                }
                self.message_user(request, text, messages.ERROR)
                return
        self._requeue(request, queryset, {MessageState.SKIPPED})

    @admin.action(
        description=gettext_lazy("Mark as sent (found on the network)"), permissions=["change"]
    )
    def confirm_sent(self, request, queryset):
        form = ConfirmSentForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid() or queryset.count() != 1:
            labels = sorted(
                {CHANNELS[name].label for name in queryset.values_list("channel", flat=True)}
            )
            network = spoken_list(labels, either=True)
            context = {
                **self.admin_site.each_context(request),
                "title": _("Which post on %(network)s is it?") % {"network": network},
                "network": network,
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
class NotificationAdmin(MessageColumns, admin.ModelAdmin):
    """What subscribers and webhooks are sent: e-mail and webhook deliveries."""

    list_display = ["topic", "to", "state_shown", "when", "error"]
    list_filter = ["state", "channel"]
    list_select_related = ["subscriber", "webhook"]
    search_fields = ["topic", "subscriber__email", "webhook__url"]
    readonly_fields = [
        f.name for f in Notification._meta.fields if f.name not in {"update", "reply_to_id"}
    ]
    fields = readonly_fields

    class Media:
        css = LISTS_CSS

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("To"))
    def to(self, row: Notification) -> str:
        """“E-mail: pat@example.com”, “Webhook: https://…”: the channel and the address."""
        if row.channel in (ChannelName.WEBHOOK, ChannelName.CHAT) and row.webhook:
            address = row.webhook.url
        elif recipient := row.subscriber or row.webhook:  # e-mail, to a webhook's owner too
            address = recipient.email
        else:
            return "—"
        return f"{ChannelName(row.channel).label}: {address}"
