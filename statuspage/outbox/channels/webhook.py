"""Webhooks: the one place that calls subscribers' webhooks (address checks, signing, POSTing).

Only HTTPS addresses on the public internet, on a port in ``WEBHOOK_ALLOWED_PORTS``
(443 unless configured), are allowed, checked when a hook is registered and again
before every delivery (a name may start pointing at an internal address later).
Every address a name resolves to must be public: none may be in IANA's
special-purpose registries (private, loopback, link-local, documentation, ...) or
be multicast or otherwise not global. An IPv4 address embedded in an IPv6 one
(IPv4-mapped, IPv4-compatible, NAT64, 6to4) is judged by the IPv4 rules; Teredo and
local-use NAT64 are refused outright, while NAT64's well-known prefix is allowed
around a public IPv4 address, which is what DNS64 answers on IPv6-only networks.
A delivery connects to the address that was checked, so a name that changes its
answer in between (DNS rebinding) cannot redirect it; TLS still checks the
certificate against the host name. Bodies are signed: ``X-Statuspage-Signature:
t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the hook's secret>``.
"""

import hashlib
import hmac
import ipaddress
import socket
import sys
import time
from urllib.parse import SplitResult, urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection

from statuspage.outbox.channels.base import (
    NOTICE_BACKOFF,
    NOTICE_STALE_AFTER,
    Channel,
    Delivered,
    PermanentError,
    TemporaryError,
)
from statuspage.outbox.models import ChannelName

TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Statuspage-Signature"
NOT_PUBLIC = "That address is not on the public internet."

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry), every entry.
SPECIAL_IPV4 = tuple(
    ipaddress.IPv4Network(network)
    for network in (
        "0.0.0.0/8", "0.0.0.0/32", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
        "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.0.0/29", "192.0.0.8/32",
        "192.0.0.9/32", "192.0.0.10/32", "192.0.0.170/32", "192.0.0.171/32", "192.0.2.0/24",
        "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "240.0.0.0/4", "255.255.255.255/32",
    )
)  # fmt: skip
# IANA IPv6 Special-Purpose Address Registry (iana-ipv6-special-registry), every entry but
# NAT64's well-known 64:ff9b::/96 (judged by its IPv4 address), plus deprecated site-local
# fec0::/10 (RFC 3879) from the IPv6 address space registry.
SPECIAL_IPV6 = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "100:0:0:1::/64",
        "2001::/23", "2001::/32", "2001:1::1/128", "2001:1::2/128", "2001:1::3/128",
        "2001:2::/48", "2001:3::/32", "2001:4:112::/48", "2001:10::/28", "2001:20::/28",
        "2001:30::/28", "2001:db8::/32", "2002::/16", "2620:4f:8000::/48", "3fff::/20",
        "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10",
    )
)  # fmt: skip
# Prefixes whose last 32 bits are an IPv4 address: IPv4-mapped, IPv4-compatible, NAT64.
EMBEDDING_IPV4 = tuple(
    ipaddress.IPv6Network(network) for network in ("::ffff:0:0/96", "::/96", "64:ff9b::/96")
)


class UnsafeAddress(ValueError):
    """The address is not HTTPS on an allowed port, or leads off the public internet."""


def check_address(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to, all checked as public, in resolver order.

    Raises UnsafeAddress unless ``url`` is HTTPS, without credentials, on an allowed
    port, and every address its host resolves to is on the public internet.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UnsafeAddress("Use an https:// address.")
    if parts.username or parts.password:
        raise UnsafeAddress("Leave user names and passwords out of the address.")
    port = _allowed_port(parts)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"{parts.hostname} does not resolve.") from error
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise UnsafeAddress(f"{parts.hostname} does not resolve.")
    # The message names no address: a visitor must not learn what internal names lead to.
    if not all(_is_public(ipaddress.ip_address(address)) for address in addresses):
        raise UnsafeAddress(NOT_PUBLIC)
    return addresses


def _allowed_port(parts: SplitResult) -> int:
    """The URL's port (443 if none); raises UnsafeAddress unless WEBHOOK_ALLOWED_PORTS has it."""
    allowed = settings.WEBHOOK_ALLOWED_PORTS
    try:
        port = parts.port or 443
    except ValueError:
        port = None
    if port not in allowed:
        raise UnsafeAddress(f"Use an address on port {' or '.join(map(str, allowed))}.")
    return port


def _is_public(address: Address) -> bool:
    """Whether ``address`` (or the IPv4 address inside it) is outside every special range."""
    if address.version == 6:
        embedded = _embedded_ipv4(address)
        if embedded is not None and not _is_public(embedded):
            return False
    special = SPECIAL_IPV4 if address.version == 4 else SPECIAL_IPV6
    if any(address in network for network in special):
        return False
    # A catch-all behind the tables: Python's own idea of global, which varies by version.
    return address.is_global and not address.is_multicast


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 address carries."""
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def post(*, url: str, payload: bytes, headers: dict[str, str] | None = None) -> requests.Response:
    """POST ``payload`` (JSON) to ``url``, connecting to the address just checked, and
    return the answer, whatever its status (chat hooks read theirs in ``chat``).

    Raises PermanentError (an address that is not safe: the hook is refused) or
    TemporaryError (no answer: the receiver may work later).
    """
    try:
        pinned = check_address(url)[0]
    except UnsafeAddress as error:
        raise PermanentError(str(error), recipient_refused=True) from error
    headers = {"Content-Type": "application/json", "User-Agent": "statuspage-webhooks/1"} | (
        headers or {}
    )
    try:
        with requests.Session() as session:
            session.mount("https://", _PinnedAdapter(pinned))
            return session.post(
                url, data=payload, headers=headers, timeout=TIMEOUT_SECONDS, allow_redirects=False
            )
    except requests.RequestException as error:
        raise TemporaryError(f"Could not deliver: {type(error).__name__}") from error


def deliver(*, url: str, secret: str, body: str) -> None:
    """POST ``body`` (JSON), signed with ``secret``, to ``url`` (see ``post``).

    Raises PermanentError (a 410 Gone, an address that is not safe: the hook is refused)
    or TemporaryError (anything else: the receiver may work later).
    """
    payload = body.encode()
    signed = {SIGNATURE_HEADER: signature(secret, payload, int(time.time()))}
    response = post(url=url, payload=payload, headers=signed)
    if response.status_code == 410:
        raise PermanentError("The receiver answered 410 Gone.", recipient_refused=True)
    if not 200 <= response.status_code < 300:
        raise TemporaryError(f"The receiver answered {response.status_code}.")


class _PinnedHTTPSConnection(HTTPSConnection):
    """An HTTPS connection to ``pinned_address``; SNI and the certificate check use ``host``."""

    pinned_address: str  # set on a subclass made per delivery (see _PinnedAdapter)

    def _new_conn(self) -> socket.socket:
        """A socket to the pinned address, not to whatever ``host`` resolves to now.

        Raises urllib3's ConnectTimeoutError or NewConnectionError, as the original does.
        """
        try:
            sock = connection.create_connection(
                (self.pinned_address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to connect: {error}") from error
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock


class _PinnedAdapter(HTTPAdapter):
    """A requests adapter whose HTTPS connections all go to one checked address."""

    def __init__(self, address: str) -> None:
        # urllib3's PoolManager refuses unknown pool arguments: the address rides on classes.
        connection_class = type(
            "PinnedHTTPSConnection", (_PinnedHTTPSConnection,), {"pinned_address": address}
        )
        self.pool_class = type(
            "PinnedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": connection_class}
        )
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"https": self.pool_class}


def _send(message, connection=None) -> Delivered:
    hook = message.webhook
    deliver(url=hook.url, secret=hook.secret, body=message.body)
    return Delivered()


def _refusal(message) -> str:
    return "" if message.webhook.is_active else "The webhook is turned off."


CHANNEL = Channel(
    name=ChannelName.WEBHOOK,
    label="Webhook",
    send=_send,
    refusal=_refusal,
    # The hook itself is turned off after ten failures in a row (subscriptions.services).
    backoff=NOTICE_BACKOFF,
    stale_after=NOTICE_STALE_AFTER,
    resend_when_stale=True,
)
