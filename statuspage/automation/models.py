"""API keys: each a staff member's, acting with that member's permissions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key for the management API. Only its prefix (to find it, and for staff to tell keys
    apart) and a SHA-256 digest of the whole key are kept: the key itself is shown once."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("owner"),
        help_text=_("The key acts with this staff member's permissions."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses the key, e.g. “deploy pipeline”.")
    )
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ReceiverKind(models.TextChoices):
    """Who sends the alerts: each posts to its own address, ``/api/v1/alerts/<kind>``."""

    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    GRAFANA = "grafana", _("Grafana")
    JSON = "json", _("Plain JSON")


# What a receiver may set a service to at once: a sign that something is wrong, never the
# worst, which a person decides.
RECEIVER_STATUSES = [
    ("degraded_performance", _("Degraded performance")),
    ("partial_outage", _("Partial outage")),
]


class AlertReceiver(models.Model):
    """How the alerts of one sender, posted with one staff member's keys, are read: which
    labels name which service, and whether the service's status is set at once."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("sender"), max_length=20, choices=ReceiverKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_receivers",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("key owner"),
        help_text=_("Alerts posted with this staff member's API keys are read this way."),
    )
    label_map = models.JSONField(
        _("label mapping"),
        default=dict,
        blank=True,
        help_text=_(
            'Labels whose values name services, e.g. {"zone": {"us-1": "api"}}: an alert '
            "labelled zone=us-1 is about the service whose slug or id is “api”. The labels "
            "“service” and “component” are always read."
        ),
    )
    status_to_set = models.CharField(
        _("status to set"),
        max_length=32,
        choices=RECEIVER_STATUSES,
        blank=True,
        help_text=_("Set the service to this at once when an alert fires; empty: leave it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert receiver")
        verbose_name_plural = _("alert receivers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner"], name="alert_receiver_once")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        mapping = self.label_map
        if not isinstance(mapping, dict) or not all(
            isinstance(values, dict) and all(isinstance(v, str) for v in values.values())
            for values in mapping.values()
        ):
            raise ValidationError(
                {"label_map": _("Map each label to an object of its values and services.")}
            )


class AlertOutcome(models.TextChoices):
    DRAFTED = "drafted", _("Opened a draft incident")
    ATTACHED = "attached", _("Added to an open draft")
    MAINTENANCE = "maintenance", _("In a maintenance window: nothing opened")
    UNMATCHED = "unmatched", _("Names no known service: nothing opened")
    RECORDED = "recorded", _("Resolved before it opened anything: recorded")


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """One alert as its sender identifies it (``key``), its last state, and what it did.
    The same alert again updates this row."""

    kind = models.CharField(_("sender"), max_length=20, choices=ReceiverKind.choices)
    key = models.CharField(_("alert key"), max_length=500, db_index=True)
    receiver = models.ForeignKey(
        AlertReceiver, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices)
    summary = models.CharField(_("summary"), max_length=500)
    labels = models.JSONField(_("labels"), default=dict)
    annotations = models.JSONField(_("annotations"), default=dict)
    service = models.ForeignKey(
        "statuspage.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("service"),
    )
    incident = models.ForeignKey(
        "statuspage.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("incident"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=AlertOutcome.choices)
    starts_at = models.DateTimeField(_("started"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ended"), null=True, blank=True)
    received = models.PositiveIntegerField(_("times received"), default=1)
    created_at = models.DateTimeField(_("first received"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last received"), auto_now=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.summary
