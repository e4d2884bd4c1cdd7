"""Addresses as logs may show them: without the secrets a query string can carry (the
management API's ``?api_key=``, as Statuspage's clients may send it)."""

from urllib.parse import parse_qsl, urlencode

SECRET_PARAMETERS = {"api_key"}
REDACTED = "[redacted]"


def loggable_path(request) -> str:
    """``request.get_full_path()``, with each secret parameter's value replaced."""
    path, _mark, query = request.get_full_path().partition("?")
    if not query:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(name.strip().lower() in SECRET_PARAMETERS for name, _value in pairs):
        return f"{path}?{query}"
    kept = [
        (name, REDACTED if name.strip().lower() in SECRET_PARAMETERS else value)
        for name, value in pairs
    ]
    return f"{path}?{urlencode(kept, safe='[]')}"
