"""Subscribers and webhooks in the admin."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from statuspage.common.times import utc_time
from statuspage.subscriptions.models import Subscriber, Webhook

LISTS_CSS = {"all": ["css/admin-lists.css"]}  # kept to 1280 px (static/css/admin-lists.css)


def _since(words: str, moment) -> str:
    return f"{words} {utc_time(moment)}"


class _ServicesChoiceForm(forms.ModelForm):
    """All services, or some chosen: never both, so what the page shows is what is sent."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("all_services") and cleaned.get("services"):
            self.add_error(
                "all_services",
                _("Untick this to send about the chosen services only, or choose none."),
            )
        return cleaned


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = _ServicesChoiceForm
    list_display = ["email", "all_services", "standing", "signed_up"]
    list_filter = [
        "all_services",
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("bounced_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    filter_horizontal = ["services"]
    readonly_fields = ["confirmed_at", "unsubscribed_at", "bounced_at", "created_at"]

    class Media:
        css = LISTS_CSS

    @admin.display(description=_("State"))
    def standing(self, subscriber: Subscriber) -> str:
        """Bounced, unsubscribed, confirmed or waiting, since when: one column for three."""
        if subscriber.bounced_at:
            return _since(gettext("Bounced"), subscriber.bounced_at)
        if subscriber.unsubscribed_at:
            return _since(gettext("Unsubscribed"), subscriber.unsubscribed_at)
        if subscriber.confirmed_at:
            return _since(gettext("Confirmed"), subscriber.confirmed_at)
        return gettext("Not confirmed yet")

    @admin.display(description=_("Signed up"), ordering="created_at")
    def signed_up(self, subscriber: Subscriber) -> str:
        return utc_time(subscriber.created_at)


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = _ServicesChoiceForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # webhooks are HTTPS
    list_display = ["url", "kind", "email", "all_services", "standing", "failures"]
    list_filter = ["kind", "all_services"]
    search_fields = ["url", "email"]
    filter_horizontal = ["services"]
    # What a hook is was told by its address when it was registered, and checked against it.
    readonly_fields = [
        "kind",
        "confirmed_at",
        "disabled_at",
        "disabled_reason",
        "failures",
        "created_at",
    ]

    class Media:
        css = LISTS_CSS

    @admin.display(description=_("State"))
    def standing(self, hook: Webhook) -> str:
        """Turned off (why), confirmed or waiting, since when."""
        if hook.disabled_at:
            reason = Truncator(hook.disabled_reason).chars(60)
            turned_off = _since(gettext("Turned off"), hook.disabled_at)
            return f"{turned_off} · {reason}" if reason else turned_off
        if hook.confirmed_at:
            return _since(gettext("Confirmed"), hook.confirmed_at)
        return gettext("Not confirmed yet")
