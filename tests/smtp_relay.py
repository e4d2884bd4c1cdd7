"""A real SMTP relay on 127.0.0.1 for tests, whose answers a test can script.

aiosmtpd serves it from a thread of its own with its own event loop; smtplib (through Django's
SMTP backend) talks to it over a socket, so a send takes every step a real one takes.
"""

import asyncio
import email
import email.policy
import errno
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message the relay accepted; ``to`` and ``body`` as in Django's test outbox."""

    sender: str
    to: list[str]
    message: EmailMessage
    peer: tuple = ()  # the client's (address, port): one per connection

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        """The text part (the whole message when it has no other)."""
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        return part.get_content() if part else ""


@dataclass
class Relay:
    """Answers MAIL FROM, RCPT TO and DATA as scripted, and accepts and records otherwise.

    ``sender`` and ``data`` are whole answers ("451 4.7.1 Rate limited"); ``recipients`` maps
    an address to its answer at RCPT TO. Change them between sends, not during one.
    """

    sender: str | None = None
    recipients: dict[str, str] = field(default_factory=dict)
    data: str | None = None
    outbox: list[Received] = field(default_factory=list)
    # Set: DATA waits until it is set (a slow relay, while the test looks at the site).
    gate: threading.Event | None = None
    port: int | None = None
    _controller: Controller | None = field(default=None, repr=False)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.sender:
            return self.sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if answer := self.recipients.get(address.lower()):
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30)
        if self.data:
            return self.data
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), message, session.peer)
        self.outbox.append(received)
        return "250 2.0.0 Queued"

    def delivered_to(self) -> list[str]:
        """Every address a message was accepted for, in order, repeats included."""
        return [address for received in self.outbox for address in received.to]

    def start(self, attempts: int = 5) -> None:
        """Listen on 127.0.0.1: on a free port the first time, on the same one after stop()."""
        for _ in range(attempts):
            port = self.port or _free_port()
            # A fixed name spares aiosmtpd a reverse DNS look-up (socket.getfqdn).
            controller = Controller(self, hostname="127.0.0.1", port=port, server_hostname="relay")
            try:
                controller.start()
            except OSError as error:
                controller.loop.close()
                if error.errno != errno.EADDRINUSE or self.port:
                    raise
                continue  # another process took the free port in between: pick again
            self.port, self._controller = port, controller
            return
        raise RuntimeError(f"No free port for the SMTP relay after {attempts} tries.")

    def stop(self) -> None:
        """Stop listening (a relay that went away); its thread and loop end with it."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
