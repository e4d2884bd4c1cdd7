"""The alert receivers: ``POST /api/v1/alerts/alertmanager``, ``/alerts/grafana`` and
``/alerts/json``, each for an API key like the rest of the API. Every accepted payload is
answered ``202`` with what each alert did (``alerting``)."""

from django.core.exceptions import ValidationError
from django.urls import path
from django.utils.translation import gettext as _

from statuspage.automation import alerting
from statuspage.automation.auth import answer
from statuspage.automation.models import ReceiverKind
from statuspage.automation.rest import ApiError, Resource, body


class AlertReceiverEndpoint(Resource):
    """Alerts in the sender's own payload; a firing one opens a draft incident."""

    kind = ReceiverKind.JSON
    # Opening a draft incident is what the key's owner must be allowed to do.
    permissions = {"post": ["statuspage.add_incident", "statuspage.view_service"]}

    def post(self, request):
        payload = body(request)
        if not request.body.strip():
            raise ApiError(400, _("Send the alerts as a JSON object."))
        try:
            summary = alerting.alerts_receive(
                kind=self.kind, payload=payload, api_key=request.api_key
            )
        except alerting.BadPayload as error:
            raise ValidationError(str(error)) from error
        return answer(summary, status=202)


class AlertmanagerAlerts(AlertReceiverEndpoint):
    """Prometheus Alertmanager's webhook payload (version 4)."""

    kind = ReceiverKind.ALERTMANAGER


class GrafanaAlerts(AlertReceiverEndpoint):
    """Grafana's unified alerting webhook payload."""

    kind = ReceiverKind.GRAFANA


class JsonAlerts(AlertReceiverEndpoint):
    """A plain JSON alert, or ``{"alerts": [...]}`` of them."""

    kind = ReceiverKind.JSON


urlpatterns = [
    path("alerts/alertmanager", AlertmanagerAlerts.as_view(), name="alerts_alertmanager"),
    path("alerts/grafana", GrafanaAlerts.as_view(), name="alerts_grafana"),
    path("alerts/json", JsonAlerts.as_view(), name="alerts_json"),
]
