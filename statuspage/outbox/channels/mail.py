"""E-mail to subscribers and webhooks' owners, through the site's mail relay.

Every 4xx answer of the relay is temporary (greylisting, rate limits, a full disk: "later",
not "never"). Only a 5xx answer to the recipient (at RCPT TO) refuses the address; a 5xx
answer to the message (at DATA) refuses this one message. A refused sender (at MAIL FROM)
refuses nobody's address: it is retried, and a 5xx one is logged as an error, as
``DEFAULT_FROM_EMAIL`` or the relay's login needs fixing.
"""

import logging
import smtplib
from collections.abc import Callable
from contextlib import suppress
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

from statuspage.common import mail
from statuspage.outbox.channels.base import (
    NOTICE_BACKOFF,
    NOTICE_STALE_AFTER,
    Channel,
    Delivered,
    PermanentError,
    TemporaryError,
)
from statuspage.outbox.models import ChannelName
from statuspage.subscriptions import tokens

logger = logging.getLogger(__name__)


def headers_for(message) -> dict[str, str]:
    """Every message: its own Message-ID at the site's domain, and Auto-Submitted, so that
    out-of-office replies stay away (RFC 3834). A notice about an event (queued with the
    event as its parent) also: In-Reply-To and References naming the event, so that one
    event's messages thread, List-Id, Precedence: bulk, and the one-click unsubscribe of
    RFC 8058. Mail about the subscription itself (confirmations, a webhook's notices) has
    no unsubscribe header: it is not a list, and on a webhook's it would turn the hook off.
    """
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    headers = {
        "Message-ID": make_msgid(idstring=f"notice-{message.pk}", domain=domain),
        "Auto-Submitted": "auto-generated",
    }
    if message.reply_to_id:
        event = f"<{message.reply_to_id}@{domain}>"
        stop = tokens.link("subscription_unsubscribe", message.recipient)
        headers |= {
            "In-Reply-To": event,
            "References": event,
            "List-Id": formataddr((settings.SITE_NAME, f"notices.{domain}")),
            "Precedence": "bulk",
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return headers


class Relay:
    """One connection to the mail relay for a batch of messages (``Channel.connection``).

    Opened at the first message and kept for the others; opened again once when the relay
    hung up between two messages (many do after so many). When it cannot be opened, the
    relay did not answer (a timeout, a reset), or it refused our sender (the same for every
    message), the batch's other messages are not tried: each gets the same temporary error
    and retries on its schedule. A refused address or message leaves the connection as good
    as before (smtplib resets the transaction).
    """

    def __init__(self) -> None:
        self.connection = get_connection(fail_silently=False)
        self.broken: Exception | None = None

    def __enter__(self) -> "Relay":
        return self

    def __exit__(self, *exc) -> None:
        with suppress(smtplib.SMTPException, OSError):
            self.connection.close()

    def send(self, deliver: Callable[[BaseEmailBackend], object]) -> None:
        """Call ``deliver(connection)`` on the open connection."""
        if self.broken:
            raise self.broken
        try:
            self.connection.open()
            try:
                deliver(self.connection)
            except smtplib.SMTPServerDisconnected:
                self.connection.close()
                self.connection.open()
                deliver(self.connection)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
            raise
        except (smtplib.SMTPException, OSError) as error:
            self.broken = error
            raise


def _send(message, relay: Relay | None = None) -> Delivered:
    recipient = message.recipient
    headers = headers_for(message)

    def deliver(connection: BaseEmailBackend | None) -> None:
        mail.send_text(
            to=recipient.email,
            subject=message.subject,
            body=tokens.fill_links(message.body, recipient),
            html=tokens.fill_links(message.html, recipient),
            headers=headers,
            connection=connection,
        )

    try:
        if relay:
            relay.send(deliver)
        else:
            deliver(None)
    except (smtplib.SMTPException, OSError) as error:
        raise _sorted(message, error) from error
    return Delivered()


def _sorted(message, error: Exception) -> Exception:
    """The outbox's error for a failed send, by where the relay said no and with what code."""
    if isinstance(error, smtplib.SMTPSenderRefused):
        return _sender_refused(message, error)
    if isinstance(error, smtplib.SMTPRecipientsRefused) and _permanent(error):
        return PermanentError(f"The address was refused: {_reply(error)}", recipient_refused=True)
    if isinstance(error, smtplib.SMTPDataError) and _permanent(error):
        # A refusal of this message (its content, its size), not of the address.
        return PermanentError(f"The mail relay refused this message: {_reply(error)}")
    return TemporaryError(f"{type(error).__name__}: {_reply(error)}")


def _sender_refused(message, error: smtplib.SMTPSenderRefused) -> TemporaryError:
    """Retry mail whose sender the relay refused; a 5xx refusal is told to staff."""
    if not _permanent(error):
        return TemporaryError(f"The mail relay deferred our sender address: {_reply(error)}")
    # Every recipient is refused alike until staff fix the setting or the login: nobody's
    # address is refused for it, and the messages keep their retries meanwhile.
    logger.error(
        "The mail relay refused our sender address %s (%s): check DEFAULT_FROM_EMAIL and the "
        "relay's login (EMAIL_HOST_USER); notification %s will be retried.",
        error.sender,
        _reply(error),
        message.pk,
    )
    return TemporaryError(
        f"The mail relay refused our sender address {error.sender} ({_reply(error)}): "
        "check DEFAULT_FROM_EMAIL and the relay's login."
    )


def _replies(error: Exception) -> list[tuple[int, str]]:
    """The relay's answers carried by ``error`` as (code, text); none if it said nothing."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
    elif isinstance(error, smtplib.SMTPResponseException):
        answers = [(error.smtp_code, error.smtp_error)]
    else:
        return []
    return [
        (code, text.decode(errors="replace") if isinstance(text, bytes) else str(text))
        for code, text in answers
    ]


def _permanent(error: Exception) -> bool:
    """True when every answer is a 5xx, which the relay means for good (RFC 5321 4.2.1)."""
    codes = [code for code, _ in _replies(error)]
    return bool(codes) and all(500 <= code <= 599 for code in codes)


def _reply(error: Exception) -> str:
    """What the relay answered, as "550 5.1.1 No such user", for last_error and the log."""
    return "; ".join(f"{code} {text}" for code, text in _replies(error)) or str(error)


def _refusal(message) -> str:
    # Asking to confirm goes even to an address that bounced: its owner asked to come back.
    subscriber = message.subscriber
    if subscriber and subscriber.bounced_at and not message.topic.startswith("confirm:"):
        return "The address bounced earlier."
    return ""


CHANNEL = Channel(
    name=ChannelName.EMAIL,
    label="E-mail",
    send=_send,
    connection=Relay,
    refusal=_refusal,
    backoff=NOTICE_BACKOFF,
    stale_after=NOTICE_STALE_AFTER,
    resend_when_stale=True,
)
