"""Who is told: e-mail subscribers and webhooks, each for all services or some."""

from django.db import models

from statuspage.models import Service


class Subscriber(models.Model):
    """An e-mail address told about maintenance and incidents, for all services or some."""

    email = models.EmailField(unique=True)
    services = models.ManyToManyField(
        Service, related_name="subscribers", blank=True, help_text="None chosen: all services."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return bool(self.confirmed_at) and not (self.unsubscribed_at or self.bounced_at)


class Webhook(models.Model):
    """An HTTPS address that receives each event as JSON, signed with its own secret."""

    url = models.URLField(max_length=500)
    email = models.EmailField(help_text="Its owner, who confirms it and hears if it is turned off.")
    secret = models.CharField(max_length=64, editable=False)
    services = models.ManyToManyField(Service, related_name="webhooks", blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Failed deliveries in a row.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return bool(self.confirmed_at) and not self.disabled_at
