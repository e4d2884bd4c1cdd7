"""What every management API endpoint does alike: its methods, the permission each needs,
the JSON body, Statuspage's pagination, and the refusals in Statuspage's shape and codes.

An endpoint is a ``Resource``: a method name per HTTP method (``get``, ``post``, ``patch``,
``put``, ``delete``), each with the model permissions its key's owner must have. What a
method raises becomes the answer: ``ApiError`` its status and words; Django's
``ValidationError`` (what the services layer raises for a move the lifecycle refuses, a
postponement under 14 days, an unknown status) a 422 naming the reason, with nothing
written; ``PermissionDenied`` a 403.
"""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from statuspage.automation.auth import answer, api_key_required, audited, refusal

MAX_BODY = 1024 * 1024  # bytes: more is a 413
PER_PAGE = 100  # Statuspage's default page size
MAX_PER_PAGE = 100
# Larger page numbers and sizes are read as this: beyond any list here, and within every
# database's integers (an offset past them is a server error).
MAX_NUMBER = 10**9


class ApiError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status, self.error = status, error


def api_time(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and “Z”, as Statuspage writes times."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body(request) -> dict:
    """The request's JSON object; 413 over 1 MB, 400 if it is not a JSON object."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        raise ApiError(413, _("The request body is over 1 MB."))
    raw = request.body
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        words = _("The request body is not valid JSON: %(error)s") % {"error": error}
        raise ApiError(400, words) from error
    if not isinstance(data, dict):
        raise ApiError(400, _("The request body must be a JSON object."))
    return data


def wrapped_object(data: dict, name: str) -> dict:
    """Statuspage's bodies wrap the object in its name: ``{"component": {...}}``."""
    item = data.get(name)
    if not isinstance(item, dict):
        raise ApiError(400, _("The body must hold a “%(name)s” object.") % {"name": name})
    return item


def page_of(request, items):
    """One page of ``items`` (a queryset or a list) as Statuspage pages lists: ``page``
    from 1, ``per_page`` (or ``limit``) up to 100."""
    page = _number(request, "page", 1)
    limit = _number(request, "limit", PER_PAGE)  # read even beside per_page: a bad one is a 400
    per_page = min(_number(request, "per_page", 0) or limit, MAX_PER_PAGE)
    start = (page - 1) * per_page
    return items[start : start + per_page]


def _number(request, name: str, default: int) -> int:
    value = request.GET.get(name)
    if value is None:
        return default
    # ASCII digits only: int() refuses "6¹", which isdigit() allows.
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ApiError(400, _("“%(name)s” must be a whole number from 1.") % {"name": name})
    return min(int(value), MAX_NUMBER)


def validation_words(error: ValidationError) -> str:
    """A ValidationError's messages in one line, each with its field if it has one."""
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field}: {message}" if field != "__all__" else message
            for field, messages in error.message_dict.items()
            for message in messages
        )
    return " ".join(error.messages)


class Resource:
    """A management API endpoint. Subclasses define ``get``/``post``/``patch``/``put``/
    ``delete`` (request, **url kwargs) returning data (a dict or list) or a response, and
    ``permissions``: the permissions each method's key owner must have."""

    permissions: dict[str, list[str]] = {}
    created = {"post"}  # methods whose success is a 201

    @classmethod
    def as_view(cls):
        resource = cls()

        @api_key_required
        def view(request, **kwargs):
            return resource.dispatch(request, **kwargs)

        view.__name__ = view.__qualname__ = cls.__name__
        view.__doc__ = cls.__doc__
        return view

    def dispatch(self, request, **kwargs):
        if kwargs.pop("page_id", settings.STATUSPAGE_PAGE_ID) != settings.STATUSPAGE_PAGE_ID:
            return refusal(404, _("No page has this id."))
        method = "get" if request.method == "HEAD" else request.method.lower()
        handler = getattr(self, method, None)
        if handler is None:
            allowed = ", ".join(
                m.upper() for m in ("get", "post", "patch", "put", "delete") if hasattr(self, m)
            )
            return refusal(
                405,
                _("%(method)s is not allowed here.") % {"method": request.method},
                headers={"Allow": allowed},
            )
        try:
            for permission in self.permissions.get(method, []):
                if not request.user.has_perm(permission):
                    raise PermissionDenied(permission)
            with transaction.atomic(), audited(request):
                data = handler(request, **kwargs)
        except ApiError as error:
            return refusal(error.status, error.error)
        except PermissionDenied:
            return refusal(403, _("This API key's owner may not do this."))
        except ValidationError as error:
            return refusal(422, validation_words(error))
        if not isinstance(data, dict | list):
            return data
        return answer(data, status=201 if method in self.created else 200)
