"""Services customers use and the maintenance windows that affect them."""

import zoneinfo
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

# Here too: the first migrations name statuspage.models.validate_time_zone.
from statuspage.common.validators import (
    validate_hashtag,
    validate_placeholders,
    validate_time_zone,
)


class ServiceStatus(models.TextChoices):
    """Atlassian Statuspage's component statuses, mildest first."""

    OPERATIONAL = "operational", "Operational"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"
    POSTPONED = "postponed", "Postponed"
    ROLLED_BACK = "rolled_back", "Rolled back"
    CANCELLED = "cancelled", "Cancelled"


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class IncidentImpact(models.TextChoices):
    """Statuspage's incident impacts, mildest first."""

    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


OPEN_MAINTENANCE_STATUSES = (
    MaintenanceStatus.SCHEDULED,
    MaintenanceStatus.IN_PROGRESS,
    MaintenanceStatus.VERIFYING,
    MaintenanceStatus.POSTPONED,
)
ACTIVE_MAINTENANCE_STATUSES = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)
ENDS_AFTER_START = "The planned end must be after the planned start."


class ServiceGroup(models.Model):
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def shown_to_readers(self) -> bool:
        """Whether readers see this row (a change of it is a new content version)."""
        return True


class Service(models.Model):
    """A component customers use, such as “dotMailer API”."""

    group = models.ForeignKey(
        ServiceGroup, on_delete=models.PROTECT, related_name="services", null=True, blank=True
    )
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=32, choices=ServiceStatus.choices, default=ServiceStatus.OPERATIONAL
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["group__position", "group__name", "position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("statuspage:service_detail", kwargs={"slug": self.slug})

    def shown_to_readers(self) -> bool:
        return True


class MaintenanceWindowQuerySet(models.QuerySet):
    def published(self):
        """Windows that readers may see, on every channel."""
        return self.filter(published_at__isnull=False)

    def current(self):
        """Published windows that are still ahead, under way or awaiting a new date."""
        return self.published().filter(status__in=OPEN_MAINTENANCE_STATUSES)

    def upcoming(self):
        """Announced, not yet under way: scheduled, or postponed to a new date."""
        return self.current().exclude(status__in=ACTIVE_MAINTENANCE_STATUSES)

    def active(self):
        """Under way: in progress or being verified."""
        return self.published().filter(status__in=ACTIVE_MAINTENANCE_STATUSES)

    def past(self):
        return self.published().exclude(status__in=OPEN_MAINTENANCE_STATUSES)


class MaintenanceWindow(models.Model):
    """Planned work on a date, with the services it takes down."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.CharField(
        max_length=280, help_text="One or two sentences: what happens and what stops working."
    )
    scheduled_start = models.DateTimeField(help_text="Stored in UTC.")
    scheduled_end = models.DateTimeField(help_text="Stored in UTC.")
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        validators=[validate_time_zone],
        help_text="The zone customers think in, e.g. Europe/London.",
    )
    time_zone_label = models.CharField(
        max_length=40, blank=True, help_text="How customers name that zone, e.g. “UK time”."
    )
    status = models.CharField(
        max_length=20, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED
    )
    hashtag = models.CharField(
        max_length=101,
        blank=True,
        validators=[validate_hashtag],
        help_text="Progress posts on X carry it, e.g. #dMmaint.",
    )
    services = models.ManyToManyField(Service, related_name="maintenance_windows", blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was announced; empty while it is a draft."
    )
    auto_advance = models.BooleanField(
        default=False,
        help_text="Start and complete automatically at the planned times.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    postponed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Raised each time the window moves or is cancelled."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MaintenanceWindowQuerySet.as_manager()

    kind = "maintenance"

    class Meta:
        ordering = ["-scheduled_start"]
        permissions = [
            ("transition_maintenancewindow", "Can move maintenance through its lifecycle")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_end__gt=models.F("scheduled_start")),
                name="maintenance_window_ends_after_start",
                violation_error_message=ENDS_AFTER_START,
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("statuspage:maintenance_detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        start, end = self.scheduled_start, self.scheduled_end
        if start and end and end <= start:
            raise ValidationError({"scheduled_end": ENDS_AFTER_START})

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def planned_duration(self) -> timedelta:
        return self.scheduled_end - self.scheduled_start

    @property
    def is_published(self) -> bool:
        """Mirrors ``published()``: whether readers, on any channel, may see it."""
        return self.published_at is not None

    def shown_to_readers(self) -> bool:
        return self.is_published

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_MAINTENANCE_STATUSES

    @property
    def elapsed(self) -> timedelta | None:
        """Time since the work started, while it is under way."""
        if not (self.is_active and self.started_at):
            return None
        return timezone.now() - self.started_at

    @property
    def overrun(self) -> timedelta | None:
        """How far past the planned duration the work has run, if it has."""
        elapsed = self.elapsed
        if elapsed is None or elapsed <= self.planned_duration:
            return None
        return elapsed - self.planned_duration

    @property
    def progress_percent(self) -> int:
        elapsed = self.elapsed or timedelta()
        return min(100, int(100 * elapsed / self.planned_duration))


class IncidentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def unresolved(self):
        return self.published().exclude(status=IncidentStatus.RESOLVED)

    def past(self):
        return self.published().filter(status=IncidentStatus.RESOLVED)


class Incident(models.Model):
    """Unplanned trouble: what is wrong, how bad, and which services it hits."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    status = models.CharField(
        max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact = models.CharField(
        max_length=10, choices=IncidentImpact.choices, default=IncidentImpact.MINOR
    )
    services = models.ManyToManyField(Service, related_name="incidents", blank=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    time_zone_label = models.CharField(max_length=40, blank=True)
    hashtag = models.CharField(max_length=101, blank=True, validators=[validate_hashtag])
    postmortem = MarkdownxField(blank=True)
    # Written, and published or taken back, through the management API; readers see only
    # ``postmortem``.
    postmortem_draft = MarkdownxField(blank=True)
    postmortem_draft_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    postmortem_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    kind = "incident"

    class Meta:
        ordering = ["-started_at"]
        permissions = [("transition_incident", "Can move incidents through their lifecycle")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("statuspage:incident_detail", kwargs={"slug": self.slug})

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_published(self) -> bool:
        """Mirrors ``published()``: whether readers, on any channel, may see it."""
        return self.published_at is not None

    def shown_to_readers(self) -> bool:
        return self.is_published

    @property
    def is_active(self) -> bool:
        return self.status != IncidentStatus.RESOLVED


class StatusUpdateQuerySet(models.QuerySet):
    def published(self):
        """Updates readers may see: published, on a published event."""
        return self.filter(published_at__isnull=False).filter(
            models.Q(maintenance__published_at__isnull=False)
            | models.Q(incident__published_at__isnull=False)
        )


class StatusUpdate(models.Model):
    """A timestamped progress entry on a maintenance window or an incident."""

    maintenance = models.ForeignKey(
        MaintenanceWindow, on_delete=models.CASCADE, related_name="updates", null=True, blank=True
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="updates", null=True, blank=True
    )
    status = models.CharField(max_length=20, help_text="The status the event moved to.")
    body = MarkdownxField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="status_updates",
        help_text="Empty for updates the system posted by itself.",
    )
    display_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, help_text="Empty for a draft.")
    cross_post = models.BooleanField(
        default=True,
        help_text="Post it on X, Mastodon and Bluesky (those set up) with the event's hashtag "
        "when it is published.",
    )
    x_text = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Your own words for the posts on every network; the link and hashtag are "
        "added. Empty: a summary.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatusUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-display_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(maintenance__isnull=False, incident__isnull=True)
                    | models.Q(maintenance__isnull=True, incident__isnull=False)
                ),
                name="status_update_belongs_to_one_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.status_label}"

    @property
    def event(self):
        return self.maintenance or self.incident

    @property
    def status_label(self) -> str:
        choices = MaintenanceStatus if self.maintenance_id else IncidentStatus
        return dict(choices.choices).get(self.status, self.status)

    def shown_to_readers(self) -> bool:
        """Mirrors ``StatusUpdateQuerySet.published``."""
        return self.published_at is not None and self.event.is_published


class ServiceChange(models.Model):
    """One service's status change announced by an update (Statuspage's affected_components)."""

    update = models.ForeignKey(
        StatusUpdate, on_delete=models.CASCADE, related_name="service_changes"
    )
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    old_status = models.CharField(max_length=32, choices=ServiceStatus.choices)
    new_status = models.CharField(max_length=32, choices=ServiceStatus.choices)

    class Meta:
        ordering = ["service__position", "pk"]

    def __str__(self) -> str:
        return f"{self.service}: {self.old_status} → {self.new_status}"

    def shown_to_readers(self) -> bool:
        return self.update.shown_to_readers()


class UpdateKind(models.TextChoices):
    """The moments of a maintenance window staff post about, in the order they come."""

    STARTED = "started", "Started"
    ON_SCHEDULE = "on_schedule", "On schedule"
    RUNNING_LATE = "running_late", "Running late"
    EXTENDED = "extended", "Extended"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"
    ROLLED_BACK = "rolled_back", "Rolled back"
    POSTPONED = "postponed", "Postponed"


class UpdateTemplate(models.Model):
    """The words staff start from for one kind of update, with placeholders filled from
    the window (``statuspage.update_templates``)."""

    kind = models.CharField(max_length=20, choices=UpdateKind.choices, unique=True)
    body = models.TextField(
        validators=[validate_placeholders],
        help_text="Markdown, with placeholders in braces: {title}, {start}, {end}, "
        "{new_start}, {new_end}, {link}, {hashtag}. Times read as on the public page: the "
        "window's zone, then UTC.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "update template"

    def __str__(self) -> str:
        return self.get_kind_display()


class ChangeSource(models.TextChoices):
    """What moved a service to a new status, as the history records it."""

    UPDATE = "update", "An update"
    LIFECYCLE = "lifecycle", "A step of a window's lifecycle"
    AUTOMATIC = "automatic", "An automatic start or completion"
    ADMIN = "admin", "The admin"
    API = "api", "An API client"
    RECONSTRUCTED = "reconstructed", "Rebuilt from the updates posted before the history"


class StatusChange(models.Model):
    """One change of a service's status: the history uptime is computed from. Written by
    the services layer in the transaction that makes the change, never edited afterwards."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="history")
    old_status = models.CharField(max_length=32, choices=ServiceStatus.choices)
    new_status = models.CharField(max_length=32, choices=ServiceStatus.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=20, choices=ChangeSource.choices)
    update = models.ForeignKey(
        StatusUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["service", "at"])]

    def __str__(self) -> str:
        return f"{self.service}: {self.old_status} → {self.new_status}"


class ServiceDay(models.Model):
    """One UTC day of one service that was not wholly operational: its minutes in each
    status, as ``statuspage.uptime`` computed them once the day was over. A day in
    ``ClosedDay`` with no row for a service was wholly operational for it."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    minutes = models.JSONField()  # {status: minutes}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "day"], name="service_day_once")]

    def __str__(self) -> str:
        return f"{self.service} on {self.day}"


class ClosedDay(models.Model):
    """A UTC day whose ``ServiceDay`` rows are written: every service's figures are kept."""

    day = models.DateField(primary_key=True)
    closed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.day)


class KeptStrip(models.Model):
    """A row of daily bars as ``statuspage.strips`` last drew it: its finished days as HTML,
    and the figures that bring today's bar and the uptime up to the minute. It holds while
    ``HistoryStamp`` has not moved since, on the day it was drawn, for one ``variant``."""

    key = models.CharField(max_length=40)  # “service:12”, or a folded group's “group:3”
    variant = models.CharField(max_length=40)  # the language and the partial-outage weight
    day = models.DateField()  # the UTC day it was drawn on: its last bar's
    stamp = models.BigIntegerField()  # HistoryStamp's value when it was drawn
    drawn_at = models.DateTimeField()
    html = models.TextField()  # the bars of the days before ``day``
    figures = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "variant"], name="strip_once")]

    def __str__(self) -> str:
        return f"{self.key} ({self.variant}) on {self.day}"


class HistoryStamp(models.Model):
    """One row, whose value moves with each committed write the bars read: a status change,
    an incident or a maintenance window, a service or a group (``statuspage.strips``)."""

    value = models.BigIntegerField()

    def __str__(self) -> str:
        return str(self.value)
