"""The one place that calls subscribers' webhooks: address checks, signing, POSTing.

Only HTTPS addresses on the public internet are allowed, checked when a hook
is registered and again before every delivery (a name may start pointing at
an internal address later). Bodies are signed: ``X-Statuspage-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the hook's secret>``.
"""

import hashlib
import hmac
import ipaddress
import socket
import time
from urllib.parse import urlsplit

import requests

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Statuspage-Signature"


class UnsafeAddress(ValueError):
    """The address is not HTTPS, or leads to a private, loopback or reserved host."""


class Gone(Exception):
    """The receiver answered 410: it wants no more deliveries."""


class DeliveryError(Exception):
    """The delivery failed this time; it may work later."""


def check_address(url: str) -> None:
    """Raise UnsafeAddress unless ``url`` is HTTPS to public addresses only."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UnsafeAddress("Use an https:// address.")
    if parts.username or parts.password:
        raise UnsafeAddress("Leave user names and passwords out of the address.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"{parts.hostname} does not resolve.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise UnsafeAddress(
                f"{parts.hostname} leads to {address}, which is not a public address."
            )


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def deliver(*, url: str, secret: str, body: str) -> None:
    """POST ``body`` (JSON) to ``url``; raises Gone, DeliveryError or UnsafeAddress."""
    check_address(url)
    payload = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "statuspage-webhooks/1",
        SIGNATURE_HEADER: signature(secret, payload, int(time.time())),
    }
    try:
        response = requests.post(
            url, data=payload, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        raise DeliveryError(f"Could not deliver: {type(error).__name__}") from error
    if response.status_code == 410:
        raise Gone("The receiver answered 410 Gone.")
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"The receiver answered {response.status_code}.")
