"""Subscribers and webhooks in the admin."""

from django.contrib import admin

from statuspage.subscriptions.models import Subscriber, Webhook


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "confirmed_at", "unsubscribed_at", "bounced_at", "created_at"]
    list_filter = [
        ("confirmed_at", admin.EmptyFieldListFilter),
        ("bounced_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email"]
    filter_horizontal = ["services"]
    readonly_fields = ["confirmed_at", "unsubscribed_at", "bounced_at", "created_at"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "email", "confirmed_at", "disabled_at", "failures"]
    search_fields = ["url", "email"]
    filter_horizontal = ["services"]
    readonly_fields = ["confirmed_at", "disabled_at", "disabled_reason", "failures", "created_at"]
