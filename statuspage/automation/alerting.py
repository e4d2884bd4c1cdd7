"""Alerts from monitoring: read (Alertmanager's, Grafana's or plain JSON), matched to a
service, and turned into a draft incident that a person reviews and publishes.

An alert names its service by a ``service`` or ``component`` label (a service's slug, its
id, or its API id ``service-<id>``), or through its receiver's label mapping. The first
firing alert for a service opens a draft incident (unpublished: nobody outside sees it);
the same alert again, or another for the same service, joins that draft. A resolved alert
is marked so; the console then proposes resolving. Alerts for a service under maintenance,
and those that name no known service, are recorded and open nothing.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _

from statuspage import services
from statuspage.automation.models import (
    Alert,
    AlertOutcome,
    AlertReceiver,
    AlertState,
    ApiKey,
    ReceiverKind,
)
from statuspage.models import (
    ChangeSource,
    Incident,
    IncidentImpact,
    IncidentStatus,
    MaintenanceWindow,
    Service,
    ServiceStatus,
)

SERVICE_LABELS = ("service", "component")
DRAFTS_SHOWN = 10
KEY_LENGTH = 500  # Alert.key's


@dataclass
class Incoming:
    """One alert as its sender gave it."""

    key: str
    state: str
    labels: dict
    annotations: dict
    summary: str
    starts_at: datetime | None
    ends_at: datetime | None


class BadPayload(Exception):
    """The body is JSON but not an alert payload the sender's documentation describes."""


# --- reading payloads ----------------------------------------------------------------------


def read_payload(kind: str, payload: dict) -> list[Incoming]:
    """The alerts in ``payload`` from a sender of ``kind``. Raises ``BadPayload`` for a
    payload without its alerts, ``ValidationError`` for an alert status not firing or
    resolved."""
    if kind == ReceiverKind.JSON and "alerts" not in payload:
        raw_alerts = [payload]  # one alert, as the plain receiver also takes
    else:
        raw_alerts = payload.get("alerts")
    if not isinstance(raw_alerts, list) or not all(isinstance(a, dict) for a in raw_alerts):
        raise BadPayload(_("The payload must hold “alerts”, a list of alert objects."))
    group = str(payload.get("groupKey") or "") if kind == ReceiverKind.ALERTMANAGER else ""
    return [_incoming(kind, raw, group) for raw in raw_alerts]


def _incoming(kind: str, raw: dict, group: str) -> Incoming:
    labels = _strings(raw.get("labels"))
    annotations = _strings(raw.get("annotations"))
    if kind == ReceiverKind.JSON:
        for name in (*SERVICE_LABELS, "summary", "description"):
            if isinstance(raw.get(name), str | int) and name not in labels:
                (annotations if name in {"summary", "description"} else labels)[name] = str(
                    raw[name]
                )
    if kind == ReceiverKind.GRAFANA and isinstance(raw.get("valueString"), str):
        annotations.setdefault("valueString", raw["valueString"])
    state = str(raw.get("status") or AlertState.FIRING)
    if state not in AlertState.values:
        raise ValidationError(
            _("“%(status)s” is not an alert status: firing or resolved.") % {"status": state}
        )
    identity = str(raw.get("fingerprint") or raw.get("id") or "") or _labels_hash(labels)
    candidates = (
        annotations.get("summary"),
        annotations.get("description"),
        labels.get("alertname"),
    )
    summary = next((c.strip() for c in candidates if c and c.strip()), _("An alert"))
    key = f"{group}|{identity}" if group else identity
    if len(key) > KEY_LENGTH:  # a group key can be as long as its labels
        key = hashlib.sha256(key.encode()).hexdigest()
    return Incoming(
        key=key,
        state=state,
        labels=labels,
        annotations=annotations,
        summary=Truncator(summary).chars(500),
        starts_at=_time(raw.get("startsAt")),
        ends_at=_time(raw.get("endsAt")),
    )


def _strings(value) -> dict:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str | int | float)}


def _labels_hash(labels: dict) -> str:
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def _time(value) -> datetime | None:
    """An RFC 3339 time; None for none, one unreadable, or Go's zero time (“not ended”)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.year < 2000 or moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


# --- matching -------------------------------------------------------------------------------


class ServiceIndex:
    """Every service by slug, id and API id, read once per payload."""

    def __init__(self) -> None:
        self.by_name: dict[str, Service] = {}
        for service in Service.objects.all():
            for name in (service.slug, str(service.pk), f"service-{service.pk}"):
                self.by_name[name] = service

    def match(self, labels: dict, receiver: AlertReceiver | None) -> Service | None:
        """The service ``labels`` name: through the receiver's mapping first, then the
        ``service`` and ``component`` labels."""
        mapping = receiver.label_map if receiver and isinstance(receiver.label_map, dict) else {}
        names = [
            str(values.get(labels[label]))
            for label, values in mapping.items()
            if isinstance(values, dict) and labels.get(label) in values
        ]
        names += [labels[label] for label in SERVICE_LABELS if label in labels]
        return next((self.by_name[n] for n in names if n in self.by_name), None)


# --- receiving ------------------------------------------------------------------------------


def alerts_receive(*, kind: str, payload: dict, api_key: ApiKey) -> dict:
    """Record each alert in ``payload`` and act on it; what was done, for the sender.
    Call inside a transaction. Raises ``BadPayload`` or ``ValidationError`` (nothing is
    written then)."""
    incoming = read_payload(kind, payload)
    receiver = AlertReceiver.objects.filter(kind=kind, owner=api_key.owner_id).first()
    index = ServiceIndex()
    answers = [
        _receive(alert, kind=kind, receiver=receiver, api_key=api_key, index=index)
        for alert in incoming
    ]
    return {
        "received": len(answers),
        "receiver": receiver.name if receiver else None,
        "alerts": answers,
        "unmatched": [
            {"key": a["key"], "labels": a["labels"]}
            for a in answers
            if a["outcome"] == AlertOutcome.UNMATCHED
        ],
    }


def _receive(alert: Incoming, *, kind, receiver, api_key, index: ServiceIndex) -> dict:
    row = Alert.objects.select_related("incident").filter(kind=kind, key=alert.key).first()
    service = index.match(alert.labels, receiver)
    if row is None:
        row = Alert(kind=kind, key=alert.key, received=0)
    row.receiver, row.api_key = receiver, api_key
    row.state, row.summary = alert.state, alert.summary
    row.labels, row.annotations = alert.labels, alert.annotations
    row.starts_at = alert.starts_at or row.starts_at
    row.ends_at = alert.ends_at if alert.state == AlertState.RESOLVED else None
    row.received += 1
    row.service = service or row.service
    status_set = None
    if alert.state == AlertState.FIRING:
        status_set = _fire(row, service, receiver=receiver, actor=api_key.owner)
    elif not row.outcome:
        row.outcome = AlertOutcome.UNMATCHED if service is None else AlertOutcome.RECORDED
    row.save()
    return {
        "key": row.key,
        "status": row.state,
        "outcome": row.outcome,
        "component_id": f"service-{row.service_id}" if row.service_id else None,
        "incident_id": f"incident-{row.incident_id}" if row.incident_id else None,
        "component_status": status_set,
        "labels": alert.labels,
    }


def _fire(row: Alert, service: Service | None, *, receiver, actor) -> str | None:
    """A firing alert: onto its draft, a new draft, or only recorded. Returns the status
    the service was set to, if it was."""
    if service is None:
        row.outcome = AlertOutcome.UNMATCHED
        return None
    if MaintenanceWindow.objects.active().filter(services=service).exists():
        row.outcome = AlertOutcome.MAINTENANCE
        return None
    incident = row.incident if row.incident and row.incident.is_active else None
    if incident is not None and incident.published_at is None:
        _retitle(incident, service, row.summary)
    if incident is None:
        incident = _open_draft(service)
        row.outcome = AlertOutcome.ATTACHED
    if incident is None:
        incident = incident_draft(service=service, alert=row, actor=actor)
        row.outcome = AlertOutcome.DRAFTED
    row.incident = incident
    wanted = receiver.status_to_set if receiver else ""
    severity = ServiceStatus.values.index
    if wanted and severity(service.status) < severity(wanted):
        services.service_status_set(
            service=service,
            status=wanted,
            at=timezone.now(),
            source=ChangeSource.API,
            actor=actor,
        )
        return wanted
    return None


def _open_draft(service: Service) -> Incident | None:
    """The open draft that alerts opened for ``service``, if any."""
    return (
        Incident.objects.filter(published_at=None, services=service, alerts__isnull=False)
        .exclude(status=IncidentStatus.RESOLVED)
        .order_by("-created_at")
        .first()
    )


def _title(service: Service, summary: str) -> str:
    return Truncator(f"{service.name}: {summary}").chars(200)


def _retitle(incident: Incident, service: Service, summary: str) -> None:
    title = _title(service, summary)
    if incident.title != title:
        incident.title = title
        services.event_save(event=incident, changed={"title"}, was_published=False)


def incident_draft(*, service: Service, alert: Alert, actor) -> Incident:
    """A draft incident for ``service`` from ``alert``, with the alert's words as a draft
    update, for staff to review, edit and publish."""
    title = _title(service, alert.summary)
    base = slugify(title)[:180] or "alert"
    slug, n = base, 1
    while Incident.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    critical = alert.labels.get("severity", "").lower() in {"critical", "page"}
    incident = Incident(
        title=title,
        slug=slug,
        impact=IncidentImpact.MAJOR if critical else IncidentImpact.MINOR,
        started_at=alert.starts_at or timezone.now(),
        published_at=None,
    )
    services.event_save(event=incident, changed=set(), was_published=False)
    incident.services.set([service])
    body = alert.annotations.get("description", "").strip() or alert.summary
    services.update_post(event=incident, author=actor, body=body, publish=False)
    return incident


# --- the console ----------------------------------------------------------------------------


@dataclass
class DraftRow:
    """An incident that alerts opened, as the console's “From your alerts” shows it."""

    incident: Incident
    alerts: list[Alert]
    change_url: str

    @property
    def draft(self) -> bool:
        return self.incident.published_at is None

    @property
    def all_resolved(self) -> bool:
        """Every alert behind it has resolved: resolving is proposed."""
        return all(alert.state == AlertState.RESOLVED for alert in self.alerts)


def console_drafts() -> list[DraftRow]:
    """Open incidents that alerts opened, newest first: each draft, and each published one
    whose alerts have all resolved. Three queries, however many."""
    incidents = (
        Incident.objects.exclude(status=IncidentStatus.RESOLVED)
        .filter(alerts__isnull=False)
        .distinct()
        .order_by("-created_at")
        .prefetch_related(Prefetch("alerts", queryset=Alert.objects.order_by("-updated_at")))
    )
    rows = [
        DraftRow(
            incident=incident,
            alerts=list(incident.alerts.all()),
            change_url=reverse("admin:statuspage_incident_change", args=[incident.pk]),
        )
        for incident in incidents[: DRAFTS_SHOWN * 2]
    ]
    return [row for row in rows if row.draft or row.all_resolved][:DRAFTS_SHOWN]
