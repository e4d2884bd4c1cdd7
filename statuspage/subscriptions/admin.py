"""Subscribers and webhooks in the admin."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from statuspage.subscriptions.models import Subscriber, Webhook


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
    list_display = [
        "email",
        "all_services",
        "confirmed_at",
        "unsubscribed_at",
        "bounced_at",
        "created_at",
    ]
    list_filter = [
        "all_services",
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("bounced_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    filter_horizontal = ["services"]
    readonly_fields = ["confirmed_at", "unsubscribed_at", "bounced_at", "created_at"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = _ServicesChoiceForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # webhooks are HTTPS
    list_display = ["url", "email", "all_services", "confirmed_at", "disabled_at", "failures"]
    list_filter = ["all_services"]
    search_fields = ["url", "email"]
    filter_horizontal = ["services"]
    readonly_fields = ["confirmed_at", "disabled_at", "disabled_reason", "failures", "created_at"]
