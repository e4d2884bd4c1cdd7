"""Bounces that arrive later: delivery status notifications (RFC 3464), piped in by the mail
system (``EMAIL_BOUNCE_ADDRESS`` aliased to this command), given as files, or read from a
Maildir with ``--maildir``.

Only a recipient the report says failed for good (``Action: failed`` and a ``5.x.x``
``Status``) counts: if its address is a subscriber's, not bounced yet, it is marked bounced
and written to no more until its owner confirms again. When the returned headers carry the
Message-ID of a notice we sent that subscriber, the report's Diagnostic-Code becomes that
notice's last error, so staff see why in *Notifications*. Anything else (a delay, a 4.x.x
status, an address we do not know, a webhook's owner, mail that is not a report, a report
from before the address was confirmed again) changes nothing. Each recipient gets one line
of output. Such mail still exits 0, so that the mail system does not bounce the bounce; a
file that cannot be read is an error, and an unreachable database exits 75 (EX_TEMPFAIL),
so that the mail system keeps the report and pipes it in again later.
"""

import mailbox
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, transaction

from statuspage.subscriptions import services
from statuspage.subscriptions.models import Subscriber

EX_TEMPFAIL = 75  # sysexits.h: the mail system keeps the message and tries again later
STATUS = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
HEADER_PARTS = ("text/rfc822-headers", "message/rfc822", "message/global-headers")
# What make_msgid(idstring=f"notice-{pk}", domain=...) writes: <time.pid.random.notice-pk@domain>
NOTICE_ID = re.compile(r"\.notice-(\d+)@([^>\s]+)>")


@dataclass(frozen=True)
class Recipient:
    """One per-recipient block of a report. ``addresses``: its Final-Recipient, then its
    Original-Recipient if another (the address we sent to, when the mail system forwarded
    it to the final one)."""

    addresses: tuple[str, ...]
    action: str
    status: str
    diagnostic: str

    @property
    def refused(self) -> bool:
        return self.action == "failed" and self.status.startswith("5.")


@dataclass(frozen=True)
class Report:
    """A delivery status notification: its recipients, when the message it reports on
    reached the reporting mail system, and the notice of ours it names, if any."""

    recipients: list[Recipient]
    arrived: datetime | None
    notice_pk: int | None


class Command(BaseCommand):
    help = (
        "Mark subscribers bounced from delivery status notifications (RFC 3464) read from "
        "FILEs, a Maildir, or standard input."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "files", nargs="*", type=Path, metavar="FILE", help="none: read standard input"
        )
        parser.add_argument(
            "--maildir", type=Path, metavar="PATH", help="read every message of this Maildir"
        )

    def handle(self, *args, files: list[Path], maildir: Path | None, **options) -> None:
        mails = [(str(path), _read_file(path)) for path in files]
        if maildir:
            mails += _read_maildir(maildir)
        if not files and not maildir:
            mails.append(("standard input", _parse(sys.stdin.buffer)))
        try:
            for label, mail in mails:
                self._feed(label, mail, quiet=options["verbosity"] < 1)
        except OperationalError as error:
            raise CommandError(
                f"The database could not be reached ({error}); try again later.",
                returncode=EX_TEMPFAIL,
            ) from error

    def _feed(self, label: str, mail: EmailMessage, *, quiet: bool) -> None:
        report = _report(mail)
        if report is None:
            lines = [f"{label}: not a delivery status notification, ignored"]
        elif not report.recipients:
            lines = [f"{label}: a delivery status notification naming nobody, ignored"]
        else:
            lines = (
                _apply(report, recipient)
                if recipient.addresses
                else f"{label}: a recipient without an e-mail address, ignored"
                for recipient in report.recipients
            )
        for line in lines:  # each as it is done: a later one may stop at the database
            if not quiet:
                self.stdout.write(line)


def _read_file(path: Path) -> EmailMessage:
    try:
        with path.open("rb") as file:
            return _parse(file)
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error


def _read_maildir(path: Path) -> list[tuple[str, EmailMessage]]:
    try:
        box = mailbox.Maildir(path, factory=None, create=False)
        mails = []
        for key in sorted(box.keys()):
            with box.get_file(key) as file:
                mails.append((f"{path}/{key}", _parse(file)))
    except (OSError, KeyError, mailbox.Error) as error:
        raise CommandError(f"Cannot read the Maildir {path}: {error}") from error
    return mails


def _parse(file) -> EmailMessage:
    return BytesParser(policy=policy.default).parse(file)


def _report(mail: EmailMessage) -> Report | None:
    """The report ``mail`` is, or None if it is not one (RFC 3464 section 2)."""
    is_report = mail.get_content_type() == "multipart/report"
    if not is_report or str(mail.get_param("report-type", "")).lower() != "delivery-status":
        return None
    parts = list(mail.iter_parts())
    blocks = next(
        (p.get_payload() for p in parts if p.get_content_type() == "message/delivery-status"),
        None,
    )
    if not isinstance(blocks, list) or not blocks:
        return None
    recipients = [
        _recipient(block)
        for block in blocks
        if any(field in block for field in ("Final-Recipient", "Original-Recipient", "Action"))
    ]
    returned = next((p for p in parts if p.get_content_type() in HEADER_PARTS), None)
    return Report(
        recipients=recipients,
        arrived=_date(blocks[0].get("Arrival-Date") or mail.get("Date")),
        notice_pk=_notice_pk(returned) if returned is not None else None,
    )


def _recipient(block) -> Recipient:
    addresses = [_address(block.get(field)) for field in ("Final-Recipient", "Original-Recipient")]
    status = _plain(block.get("Status") or "").partition(" ")[0]
    diagnostic = _plain(block.get("Diagnostic-Code") or "")
    return Recipient(
        addresses=tuple(dict.fromkeys(filter(None, addresses))),
        action=_plain(block.get("Action") or "").lower(),
        status=status if STATUS.fullmatch(status) else "",
        diagnostic=diagnostic.partition(";")[2].strip() if ";" in diagnostic else diagnostic,
    )


def _address(field) -> str:
    """The e-mail address in a recipient field, "rfc822; addr", lower-cased; "" if none."""
    address_type, _, address = _plain(field or "").rpartition(";")
    if address_type.strip().lower() not in ("", "rfc822", "utf-8"):
        return ""  # an X.400 or other kind of address: not one of ours
    return address.strip().strip("<>").lower()


def _notice_pk(returned) -> int | None:
    """The pk in our Message-ID among the returned headers, if it is at the site's domain."""
    if returned.is_multipart():  # message/rfc822 or message/global-headers: the message
        headers = returned.get_payload(0)
    else:  # text/rfc822-headers: the header section, as text
        raw = returned.get_payload(decode=True) or b""
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    match = NOTICE_ID.search(str(headers.get("Message-ID") or ""))
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    if match and match[2].lower() == domain.lower():
        return int(match[1])
    return None


def _date(value) -> datetime | None:
    try:
        moment = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None
    if moment and moment.tzinfo is None:  # "-0000": UTC, with no claim about local time
        moment = moment.replace(tzinfo=UTC)
    return moment


def _plain(text) -> str:
    """``text`` on one line, without control characters: it comes from anyone's mail."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


@transaction.atomic
def _apply(report: Report, recipient: Recipient) -> str:
    """Mark ``recipient``'s subscriber bounced if the report says so; returns the line."""
    address, status = recipient.addresses[0], recipient.status or "no status"
    if not recipient.refused:
        if recipient.action in ("failed", "delayed", ""):
            return f"{address}: temporary ({status}), unchanged"
        return f"{address}: {recipient.action} ({status}), unchanged"
    known = {s.email: s for s in Subscriber.objects.filter(email__in=recipient.addresses)}
    subscriber = next((known[a] for a in recipient.addresses if a in known), None)
    if subscriber is None:
        return f"{address}: not a subscriber, ignored"
    address = subscriber.email
    if subscriber.bounced_at:
        return f"{address}: already bounced, unchanged"
    confirmed = subscriber.confirmed_at
    if confirmed and report.arrived and report.arrived < confirmed:
        return f"{address}: a bounce of mail from before it was confirmed again, unchanged"
    reason = " ".join(filter(None, [recipient.status, recipient.diagnostic]))
    explained = services.subscriber_bounce(
        subscriber=subscriber,
        reason=recipient.diagnostic or f"Bounced: {recipient.status}",
        notice_id=report.notice_pk,
    )
    line = f"{address}: marked bounced ({reason})"
    if explained:
        line += f"; the reason is on notification {report.notice_pk}"
    return line
