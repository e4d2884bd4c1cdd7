"""Who is told: e-mail subscribers and webhooks, each for all services or some.

``all_services`` says which, not an empty choice: one whose chosen services were all
removed since is told nothing, and keeps its subscription until it chooses again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from statuspage.models import Service

ALL_SERVICES_HELP = _(
    "Told about every service, those added later too; if not, only about those chosen."
)
SERVICES_HELP = _("Told about these when not told about all services.")


class Subscriber(models.Model):
    """An e-mail address told about maintenance and incidents, for all services or some."""

    email = models.EmailField(unique=True)
    all_services = models.BooleanField(default=True, help_text=ALL_SERVICES_HELP)
    services = models.ManyToManyField(
        Service, related_name="subscribers", blank=True, help_text=SERVICES_HELP
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

    @property
    def services_gone(self) -> bool:
        """It chose some services and all of them were removed since: it is told nothing."""
        return not self.all_services and not self.services.exists()


class WebhookKind(models.TextChoices):
    """What the address is: one's own system (signed JSON), or a chat's incoming webhook."""

    GENERIC = "generic", _("Webhook (JSON)")
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"
    DISCORD = "discord", "Discord"


class Webhook(models.Model):
    """An HTTPS address that receives each event: as JSON, signed with its own secret, or,
    for a Slack, Teams or Discord incoming webhook, as a message in that chat's shape."""

    url = models.URLField(max_length=500)
    kind = models.CharField(max_length=8, choices=WebhookKind.choices, default=WebhookKind.GENERIC)
    email = models.EmailField(
        blank=True,
        help_text="Its owner, who confirms it and hears if it is turned off (a chat's hook is "
        "confirmed in the chat, and may have none).",
    )
    secret = models.CharField(max_length=64, editable=False)
    all_services = models.BooleanField(default=True, help_text=ALL_SERVICES_HELP)
    services = models.ManyToManyField(
        Service, related_name="webhooks", blank=True, help_text=SERVICES_HELP
    )
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

    @property
    def is_chat(self) -> bool:
        return self.kind != WebhookKind.GENERIC

    @property
    def services_gone(self) -> bool:
        """It chose some services and all of them were removed since: it is told nothing."""
        return not self.all_services and not self.services.exists()
