"""The signed tokens in subscription links: confirm, manage, unsubscribe.

A token names a subscriber or a webhook; a confirmation's also carries the services
chosen, which take effect only when it is used. The salt is the one links already sent
were signed with: changing it would break every link in every mailbox.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from statuspage.common.links import absolute
from statuspage.models import Service
from statuspage.subscriptions.models import Subscriber, Webhook

SALT = "statuspage.subscriptions"
# Where a subscriber's own manage link goes in a notice: written once for every reader of the
# same services and stored so, the link is put in when each message is sent (``fill_links``).
MANAGE = "[[statuspage:manage-link]]"
CONFIRM_MAX_AGE = timedelta(days=7)


def token_for(recipient: Subscriber | Webhook, *, services: list[Service] | None = None) -> str:
    data = {"k": "s" if isinstance(recipient, Subscriber) else "w", "id": recipient.pk}
    if services is not None:
        data["svc"] = [service.pk for service in services]
    return signing.dumps(data, salt=SALT)


def _token_data(token: str, max_age: timedelta | None) -> tuple[Subscriber | Webhook, dict]:
    data = signing.loads(token, salt=SALT, max_age=max_age)
    model = Subscriber if data.get("k") == "s" else Webhook
    recipient = model.objects.filter(pk=data.get("id")).first()
    if recipient is None:
        raise LookupError("That subscription no longer exists.")
    return recipient, data


def from_token(token: str, *, max_age: timedelta | None = None) -> Subscriber | Webhook:
    """The subscriber or webhook a link was made for; raises signing.BadSignature or
    LookupError when forged, expired or gone."""
    return _token_data(token, max_age)[0]


def confirmation_from_token(
    token: str,
) -> tuple[Subscriber | Webhook, list[Service] | None, bool]:
    """What a confirmation link confirms: its recipient, the services chosen when it was
    asked for (None: leave them as they are), and whether that was all services (none
    chosen; services chosen and removed since leave none, not all). Raises as
    ``from_token`` does."""
    recipient, data = _token_data(token, CONFIRM_MAX_AGE)
    chosen = data.get("svc")
    if chosen is None:
        return recipient, None, recipient.all_services
    return recipient, list(Service.objects.filter(pk__in=chosen)), not chosen


def link(name: str, recipient: Subscriber | Webhook, **token) -> str:
    """The absolute address of subscription page ``name`` (``subscription_manage``...)."""
    return absolute(reverse(f"statuspage:{name}", args=[token_for(recipient, **token)]))


def fill_links(text: str, recipient: Subscriber | Webhook) -> str:
    """``text`` with ``recipient``'s own manage link where ``MANAGE`` stands."""
    if MANAGE not in text:
        return text
    return text.replace(MANAGE, link("subscription_manage", recipient))
