"""Who a management API request is: the API key it presents, as Statuspage's clients send
it (``Authorization: OAuth <key>``, or ``?api_key=<key>``), then the key's rate limit.
Refusals are JSON in Statuspage's shape, ``{"error": "..."}``, and never cached.

No cookie counts: a request signed in to the admin but without a key is refused, so no
other site can make a browser call the API (which is why CSRF does not apply).
"""

import hmac
from contextlib import contextmanager
from functools import wraps

from auditlog.context import auditlog_value, set_extra_data
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from statuspage.automation import services, throttle
from statuspage.automation.models import ApiKey
from statuspage.security.ratelimit import client_address

# Answers are one key holder's: no browser, proxy or page cache of ours may keep them.
NO_STORE = "private, no-store"
QUERY_PARAMETER = "api_key"


def answer(data: dict | list, *, status: int = 200, headers: dict | None = None) -> JsonResponse:
    headers = {"Cache-Control": NO_STORE, **(headers or {})}
    return JsonResponse(data, status=status, headers=headers, safe=False)


def refusal(status: int, error: str, *, headers: dict | None = None) -> JsonResponse:
    return answer({"error": error}, status=status, headers=headers)


@contextmanager
def audited(request):
    """While a key's request writes: the audit trail names its owner as the actor, and
    the key (its name and prefix, never the key) as the change's correlation id.

    django-auditlog's contexts do not nest (jazzband/django-auditlog#846): the inner one
    leaves its own data in ``auditlog_value``, so the request's outer context (its
    middleware's) would then disconnect the inner receiver a second time and leave its own
    connected for the life of the process, one more with every API request. The outer
    context's data is put back before it ends."""
    outer = auditlog_value.get(None)
    api_key = request.api_key
    data = {
        "actor": request.user,
        "remote_addr": client_address(request) or None,
        "cid": f"API key {api_key}"[:255],
    }
    try:
        with set_extra_data(data):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


def presented_key(request) -> str:
    """The key in the ``Authorization`` header (scheme ``OAuth``), else in ``api_key``."""
    scheme, _space, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "oauth" and credentials.strip():
        return credentials.strip()
    return request.GET.get(QUERY_PARAMETER, "").strip()


def usable_key(key: str) -> ApiKey | None:
    """The key's row if the key is right, not revoked, and its owner active staff."""
    if len(key) != services.KEY_LENGTH:
        return None
    api_key = (
        ApiKey.objects.select_related("owner")
        .filter(prefix=key[: services.PREFIX_LENGTH], revoked_at=None)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.digest, services.key_digest(key)):
        return None
    owner = api_key.owner
    return api_key if owner.is_active and owner.is_staff else None


def api_key_required(view):
    """Answer ``view`` only for a usable key within its rate limit, acting as its owner
    (``request.user``; ``request.api_key`` is the key); else ``401`` or ``429``."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        api_key = usable_key(presented_key(request))
        if api_key is None:
            return refusal(
                401,
                _(
                    "Could not authenticate: give a valid API key as “Authorization: "
                    "OAuth <key>” or in the api_key parameter."
                ),
                headers={"WWW-Authenticate": "OAuth"},
            )
        wait = throttle.take(f"key-{api_key.pk}")
        if wait is not None:
            return refusal(
                429,
                _("Rate limit exceeded: at most one request a second, in bursts of %(burst)s.")
                % {"burst": throttle.BURST},
                headers={"Retry-After": str(wait)},
            )
        services.api_key_mark_used(api_key=api_key)
        request.user, request.api_key = api_key.owner, api_key
        return view(request, *args, **kwargs)

    return wrapped
