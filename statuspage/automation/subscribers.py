"""The management API's subscribers, in Statuspage's paths and shapes: e-mail subscribers
only. Creating one asks the address to confirm, as ``/subscribe/`` does (double opt-in,
whatever ``skip_confirmation_notification`` says); deleting one unsubscribes it."""

from django.db.models import Count, Q
from django.urls import path
from django.utils.translation import gettext as _

from statuspage.automation.rest import ApiError, Resource, api_time, body, page_of, wrapped_object
from statuspage.models import Service
from statuspage.subscriptions import services
from statuspage.subscriptions.models import Subscriber

PREFIX = "subscriber-"
# Statuspage's subscriber types; ours are all e-mail.
TYPES = ("email", "sms", "webhook", "integration_partner", "slack", "teams")
ACTIVE = Q(confirmed_at__isnull=False, unsubscribed_at=None, bounced_at=None)
STATES = {
    "active": ACTIVE,
    "unconfirmed": Q(confirmed_at=None, unsubscribed_at=None, bounced_at=None),
    "quarantined": Q(bounced_at__isnull=False, unsubscribed_at=None),
    "unsubscribed": Q(unsubscribed_at__isnull=False),
    "all": Q(),
}
SORTS = {"primary": "email", "created_at": "created_at", "quarantined_at": "bounced_at"}
VIEW = ["statuspage.view_subscriber"]


def subscriber_object(subscriber: Subscriber, every_service: list[str]) -> dict:
    """Statuspage's subscriber object; ``every_service``: the ids of all components, those
    of a subscriber told about every service."""
    if subscriber.all_services:
        components = every_service
    else:
        components = [f"service-{s.pk}" for s in subscriber.services.all()]
    return {
        "id": f"{PREFIX}{subscriber.pk}",
        "skip_confirmation_notification": False,
        "mode": "email",
        "email": subscriber.email,
        "endpoint": None,
        "phone_number": None,
        "phone_country": None,
        "display_phone_number": None,
        "obfuscated_channel_name": None,
        "workspace_name": None,
        "quarantined_at": api_time(subscriber.bounced_at),
        "purge_at": None,
        "components": components,
        "page_access_user_id": None,
        "created_at": api_time(subscriber.created_at),
    }


def _every_service() -> list[str]:
    return [f"service-{pk}" for pk in Service.objects.values_list("pk", flat=True)]


def _choice(request, name: str, allowed, default: str) -> str:
    value = request.GET.get(name, default)
    if value not in allowed:
        raise ApiError(
            422,
            _("“%(value)s” is not a %(name)s: %(allowed)s.")
            % {"value": value, "name": name, "allowed": ", ".join(allowed)},
        )
    return value


def _chosen(request) -> Q:
    """The subscribers ``type`` and ``state`` select (Statuspage's default: active)."""
    kind = _choice(request, "type", TYPES, "email")
    state = _choice(request, "state", STATES, "active")
    return STATES[state] if kind == "email" else Q(pk__in=[])


def _subscriber(subscriber_id: str) -> Subscriber:
    number = subscriber_id.removeprefix(PREFIX)
    usable = number.isdigit() and len(number) < 19  # within a database integer
    found = Subscriber.objects.filter(pk=int(number)).first() if usable else None
    if found is None:
        raise ApiError(404, _("No subscriber has this id."))
    return found


class Subscribers(Resource):
    """``GET`` (``q``, ``type``, ``state``, ``sort_field``, ``sort_direction``, paged) and
    ``POST`` ``/pages/{page_id}/subscribers``."""

    permissions = {"get": VIEW, "post": ["statuspage.add_subscriber", *VIEW]}

    def get(self, request):
        chosen = Subscriber.objects.filter(_chosen(request))
        if query := request.GET.get("q", "").strip():
            chosen = chosen.filter(email__icontains=query)
        field = SORTS[_choice(request, "sort_field", SORTS, "primary")]
        descending = _choice(request, "sort_direction", ("asc", "desc"), "asc") == "desc"
        chosen = chosen.order_by(f"-{field}" if descending else field, "pk")
        every = _every_service()
        page = page_of(request, chosen.prefetch_related("services"))
        return [subscriber_object(subscriber, every) for subscriber in page]

    def post(self, request):
        data = wrapped_object(body(request), "subscriber")
        email = data.get("email")
        if not isinstance(email, str) or not email.strip():
            if data.get("endpoint") or data.get("phone_number"):
                raise ApiError(422, _("Only e-mail subscribers are kept here: give “email”."))
            raise ApiError(422, _("Give the subscriber's “email”."))
        chosen = self._services(data.get("component_ids"))
        subscriber = services.subscriber_subscribe(email=email, services=chosen)
        return subscriber_object(subscriber, _every_service())

    @staticmethod
    def _services(component_ids) -> list[Service]:
        """The services ``component_ids`` name (none given: every service). Statuspage's
        rule: a list, if given, of at least one id, each a component of this page."""
        if component_ids is None:
            return []
        if not isinstance(component_ids, list) or not component_ids:
            raise ApiError(422, _("“component_ids” must be a list of at least one id."))
        by_id = {f"service-{s.pk}": s for s in Service.objects.all()}
        unknown = [str(i) for i in component_ids if not isinstance(i, str) or i not in by_id]
        if unknown:
            raise ApiError(422, _("No component has the id %(ids)s.") % {"ids": ", ".join(unknown)})
        return [by_id[i] for i in dict.fromkeys(component_ids)]


class SubscriberCount(Resource):
    """``GET /pages/{page_id}/subscribers/count``: how many, by type (``type``, ``state``)."""

    permissions = {"get": VIEW}

    def get(self, request):
        kind = request.GET.get("type")
        state = STATES[_choice(request, "state", STATES, "active")]
        if kind is not None:
            _choice(request, "type", TYPES, "email")
        counts = {t: 0 for t in TYPES if t != "teams"}
        if kind in (None, "email"):
            counts["email"] = Subscriber.objects.aggregate(n=Count("pk", filter=state))["n"]
        return counts


class OneSubscriber(Resource):
    """``GET`` and ``DELETE`` (unsubscribe) ``/pages/{page_id}/subscribers/{id}``."""

    permissions = {"get": VIEW, "delete": ["statuspage.change_subscriber", *VIEW]}

    def get(self, request, subscriber_id: str):
        return subscriber_object(_subscriber(subscriber_id), _every_service())

    def delete(self, request, subscriber_id: str):
        subscriber = _subscriber(subscriber_id)
        if subscriber.unsubscribed_at is None:
            services.subscription_stop(recipient=subscriber)
        return subscriber_object(subscriber, _every_service())


SUBSCRIBERS = "pages/<str:page_id>/subscribers"
urlpatterns = [
    path(SUBSCRIBERS, Subscribers.as_view(), name="subscribers"),
    path(f"{SUBSCRIBERS}/count", SubscriberCount.as_view(), name="subscriber_count"),
    path(f"{SUBSCRIBERS}/<str:subscriber_id>", OneSubscriber.as_view(), name="subscriber"),
]
