"""What a channel is to the outbox: how it sends one message, how it retries, what it needs.

An adapter module describes its channel with a ``Channel`` and raises ``TemporaryError``
(try again later) or ``PermanentError`` (sending it again unchanged would fail again);
the outbox (``statuspage.outbox.services``) does the rest, the same for every channel.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings


class TemporaryError(Exception):
    """The channel could not take it now; ``retry_at`` says when it wants us back, if it said."""

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class PermanentError(Exception):
    """The channel refused it. ``maybe_sent``: a refusal that may mean an earlier try got
    through (X's duplicate content); ``recipient_refused``: the address itself is refused
    (a bounced e-mail address, a webhook that answered 410 or leads inside)."""

    def __init__(
        self, message: str, *, maybe_sent: bool = False, recipient_refused: bool = False
    ) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent
        self.recipient_refused = recipient_refused


@dataclass(frozen=True)
class Delivered:
    """What the channel says of a message it took: its id and address there, if any."""

    remote_id: str = ""
    remote_url: str = ""


@dataclass(frozen=True)
class Backoff:
    """After the n-th failed try, wait ``first`` doubled n-1 times, at most ``longest``;
    give up after ``attempts`` tries (None: never)."""

    first: timedelta
    longest: timedelta
    attempts: int | None = None

    def delay(self, attempts: int) -> timedelta:
        return min(self.first * 2 ** max(attempts - 1, 0), self.longest)


# Notices to one subscriber or webhook: a minute, doubling, at most an hour apart, eight
# tries; one left sending five minutes lost its worker, and is sent again (an e-mail sent
# twice is a small harm; one never sent is a customer not told).
NOTICE_BACKOFF = Backoff(first=timedelta(minutes=1), longest=timedelta(hours=1), attempts=8)
NOTICE_STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Channel:
    """One way out: its name in the outbox, how it sends, retries and recovers.

    ``send(message, connection)`` returns ``Delivered`` or raises one of the errors above;
    ``connection()`` is a context manager whose value every send of a batch is given (e-mail:
    one connection to the relay for all of them; other channels: None).
    ``refusal(message)`` is a reason not to send at all ("" to send); ``required_settings``
    must all be set, or the channel is off: its messages are skipped, and a post channel
    writes none unless ``posts_kept_when_off`` (X: they wait, skipped, to be sent once X is
    on; a network an install never set up would only fill every update with skipped rows).
    A message left "sending" for ``stale_after`` lost its worker: it is sent again if
    ``resend_when_stale``, else left for staff to check (a post may be out there already).
    ``threaded``: the messages of one event go in order, each a reply to the one before.
    """

    name: str
    label: str
    send: Callable
    backoff: Backoff
    stale_after: timedelta
    resend_when_stale: bool
    threaded: bool = False
    required_settings: tuple[str, ...] = ()
    posts_kept_when_off: bool = False
    refusal: Callable = field(default=lambda message: "")
    connection: Callable[[], AbstractContextManager] = nullcontext
    # Post channels: the text of an update's post, its length as the network counts it and
    # the most it takes, and the id in a post's link.
    compose: Callable | None = None
    measure: Callable[[str], int] | None = None
    limit: int = 0
    remote_id_in: Callable | None = None
    link_example: str = ""
    # The account's page for readers to follow, if the network has one to show ("" if not).
    profile_url: Callable[[], str] | None = None

    def missing_settings(self) -> list[str]:
        return [name for name in self.required_settings if not getattr(settings, name, "")]
