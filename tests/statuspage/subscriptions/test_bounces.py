"""Bounces that arrive later: delivery status notifications fed to ``manage.py mail_bounces``
from a file, standard input or a Maildir, built with the standard library's e-mail package
as a Postfix-like mail system writes them."""

import email
import io
import mailbox
import re
import sys
from datetime import timedelta
from email import policy
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import TestCase

from statuspage import services
from statuspage.outbox.models import Message as OutboxMessage
from statuspage.outbox.models import Notification
from statuspage.subscriptions import services as subscriptions
from statuspage.subscriptions.models import Subscriber, Webhook
from tests.factories import MaintenanceWindowFactory
from tests.statuspage.subscriptions.conftest import NOW

NO_SUCH_USER = "smtp; 550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown"
REFUSED = "550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown"


@pytest.fixture
def ann(db):
    return Subscriber.objects.create(email="ann@example.com", confirmed_at=NOW - timedelta(days=30))


@pytest.fixture
def bob(db):
    return Subscriber.objects.create(email="bob@example.com", confirmed_at=NOW - timedelta(days=30))


def _committed(call, *args, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def _publish_update(api) -> None:
    window = MaintenanceWindowFactory(services=[api])
    _committed(
        services.update_post, event=window, author=None, body="Started.", status="in_progress"
    )


def _updates_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to and "In progress" in m.subject]


def _fields(**fields) -> Message:
    block = Message(policy=policy.SMTP)
    for name, value in fields.items():
        block[name.replace("_", "-")] = value
    return block


def _failed(address: str, status="5.1.1", diagnostic=NO_SUCH_USER, action="failed") -> Message:
    return _fields(
        Final_Recipient=f"rfc822; {address}",
        Original_Recipient=f"rfc822;{address}",
        Action=action,
        Status=status,
        Remote_MTA="dns; mx.example.com",
        Diagnostic_Code=diagnostic,
    )


def _dsn(*recipients: Message, returned=None, arrived=NOW) -> bytes:
    """A report as Postfix writes one: an explanation, the status, the returned headers."""
    report = MIMEMultipart("report", report_type="delivery-status", policy=policy.SMTP)
    report["From"] = "MAILER-DAEMON@mx.example.net (Mail Delivery System)"
    report["To"] = "bounces@127.0.0.1"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = format_datetime(arrived + timedelta(minutes=1))
    report["Auto-Submitted"] = "auto-replied"
    report.attach(
        MIMEText(
            "This is the mail system at host mx.example.net.\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients.\n",
            policy=policy.SMTP,
        )
    )
    status = MIMEBase("message", "delivery-status", policy=policy.SMTP)
    del status["MIME-Version"]
    per_message = _fields(
        Reporting_MTA="dns; mx.example.net", Arrival_Date=format_datetime(arrived)
    )
    status.set_payload([per_message, *recipients])
    report.attach(status)
    if isinstance(returned, email.message.Message):
        report.attach(MIMEMessage(returned, policy=policy.SMTP))
    else:
        headers = returned or "Message-ID: <20300520085900.1234@example.org>\nSubject: Hello\n"
        report.attach(MIMEText(headers, "rfc822-headers", policy=policy.SMTP))
    return report.as_bytes()


def _returned_headers(sent) -> str:
    """The header section of a message we sent, as a mail system returns it."""
    return sent.message().as_bytes().split(b"\n\n", 1)[0].decode() + "\n"


def _feed(*paths, **options) -> list[str]:
    out = io.StringIO()
    call_command("mail_bounces", *map(str, paths), stdout=out, **options)
    return out.getvalue().splitlines()


def _file(tmp_path, raw: bytes, name="bounce.eml"):
    path = tmp_path / name
    path.write_bytes(raw)
    return path


def test_a_permanent_failure_marks_the_subscriber_bounced(ann, tmp_path):
    lines = _feed(_file(tmp_path, _dsn(_failed("Ann@Example.com"))))
    assert lines == [f"ann@example.com: marked bounced (5.1.1 {REFUSED})"]
    ann.refresh_from_db()
    assert ann.bounced_at == NOW
    assert not ann.is_active


def test_an_address_forwarded_elsewhere_is_found_by_its_original_recipient(ann, tmp_path):
    forwarded = _failed("ann@elsewhere.example")
    forwarded.replace_header("Original-Recipient", "rfc822;Ann@Example.com")
    lines = _feed(_file(tmp_path, _dsn(forwarded)))
    assert lines == [f"ann@example.com: marked bounced (5.1.1 {REFUSED})"]
    ann.refresh_from_db()
    assert ann.bounced_at == NOW


def test_a_bounced_subscriber_gets_no_further_notice(ann, bob, api, tmp_path):
    _feed(_file(tmp_path, _dsn(_failed("ann@example.com"))))
    _publish_update(api)
    assert not _updates_to("ann@example.com")
    assert len(_updates_to("bob@example.com")) == 1


@pytest.mark.parametrize("wrapped", ["headers", "whole message"], ids=["headers", "rfc822"])
def test_the_returned_notice_keeps_the_reason(ann, bob, api, tmp_path, wrapped):
    _publish_update(api)
    [sent] = _updates_to("ann@example.com")
    returned = (
        _returned_headers(sent)
        if wrapped == "headers"
        else email.message_from_bytes(sent.message().as_bytes(), policy=policy.SMTP)
    )
    notice = Notification.objects.get(subscriber=ann, topic__startswith="update:")
    untouched = {m.pk: m.last_error for m in OutboxMessage.objects.exclude(pk=notice.pk)}
    lines = _feed(_file(tmp_path, _dsn(_failed("ann@example.com"), returned=returned)))
    assert lines == [
        f"ann@example.com: marked bounced (5.1.1 {REFUSED}); the reason is on notification "
        f"{notice.pk}"
    ]
    notice.refresh_from_db()
    assert (notice.state, notice.last_error) == ("sent", REFUSED)
    assert {m.pk: m.last_error for m in OutboxMessage.objects.exclude(pk=notice.pk)} == untouched


def test_a_long_reason_is_cut_to_fit(ann, api, tmp_path):
    _publish_update(api)
    [sent] = _updates_to("ann@example.com")
    diagnostic = "smtp; 550 5.7.1 " + "Refused by policy. " * 40
    raw = _dsn(_failed("ann@example.com", "5.7.1", diagnostic), returned=_returned_headers(sent))
    _feed(_file(tmp_path, raw))
    notice = Notification.objects.get(subscriber=ann, topic__startswith="update:")
    assert len(notice.last_error) == 500
    assert notice.last_error.startswith("550 5.7.1 Refused by policy. Refused")


@pytest.mark.parametrize("named", ["bob's notice", "ann's at another site"])
def test_a_notice_of_someone_else_or_of_another_site_is_left_alone(ann, bob, api, tmp_path, named):
    _publish_update(api)
    [sent] = _updates_to("bob@example.com" if named == "bob's notice" else "ann@example.com")
    returned = _returned_headers(sent)
    if named != "bob's notice":
        returned = returned.replace("@127.0.0.1>", "@status.example.org>")
    errors = {m.pk: m.last_error for m in OutboxMessage.objects.all()}
    lines = _feed(_file(tmp_path, _dsn(_failed("ann@example.com"), returned=returned)))
    assert lines == [f"ann@example.com: marked bounced (5.1.1 {REFUSED})"]
    assert {m.pk: m.last_error for m in OutboxMessage.objects.all()} == errors


def test_several_recipients_each_get_their_line(ann, bob, tmp_path):
    raw = _dsn(
        _failed("ann@example.com"),
        _failed("bob@example.com", "4.2.2", "smtp; 452 4.2.2 Mailbox full"),
    )
    lines = _feed(_file(tmp_path, raw))
    assert lines == [
        f"ann@example.com: marked bounced (5.1.1 {REFUSED})",
        "bob@example.com: temporary (4.2.2), unchanged",
    ]
    assert list(Subscriber.objects.filter(bounced_at__isnull=False)) == [ann]


@pytest.mark.parametrize(
    ("action", "status", "line"),
    [
        ("delayed", "4.4.7", "ann@example.com: temporary (4.4.7), unchanged"),
        ("failed", "4.4.1", "ann@example.com: temporary (4.4.1), unchanged"),
        ("delivered", "2.0.0", "ann@example.com: delivered (2.0.0), unchanged"),
        ("relayed", "2.0.0", "ann@example.com: relayed (2.0.0), unchanged"),
        ("expanded", "2.0.0", "ann@example.com: expanded (2.0.0), unchanged"),
    ],
)
def test_what_is_not_a_permanent_failure_changes_nothing(ann, tmp_path, action, status, line):
    diagnostic = f"smtp; 451 {status} Try again later"
    lines = _feed(_file(tmp_path, _dsn(_failed("ann@example.com", status, diagnostic, action))))
    assert lines == [line]
    ann.refresh_from_db()
    assert ann.is_active


def test_mail_that_is_not_a_report_is_ignored(ann, tmp_path):
    reply = MIMEText("I am out of the office until Monday.", policy=policy.SMTP)
    reply["From"], reply["Subject"] = "ann@example.com", "Out of office"
    path = _file(tmp_path, reply.as_bytes())
    assert _feed(path) == [f"{path}: not a delivery status notification, ignored"]
    ann.refresh_from_db()
    assert ann.is_active


def test_an_unknown_address_changes_nothing(ann, tmp_path):
    lines = _feed(_file(tmp_path, _dsn(_failed("x@example.com"))))
    assert lines == ["x@example.com: not a subscriber, ignored"]
    assert not Subscriber.objects.filter(email="x@example.com").exists()
    ann.refresh_from_db()
    assert ann.is_active


def test_a_forged_report_for_a_webhook_owner_changes_nothing(db, tmp_path):
    hook = Webhook.objects.create(
        url="https://hooks.example.com/status",
        email="ops@example.com",
        secret="0" * 64,
        confirmed_at=NOW,
    )
    _committed(subscriptions.recipient_email, hook, "disabled", "Turned off", "Try again.")
    [sent] = mail.outbox
    raw = _dsn(_failed("ops@example.com"), returned=_returned_headers(sent))
    assert _feed(_file(tmp_path, raw)) == ["ops@example.com: not a subscriber, ignored"]
    hook.refresh_from_db()
    assert (hook.is_active, hook.failures, hook.disabled_reason) == (True, 0, "")
    assert OutboxMessage.objects.get(webhook=hook).last_error == ""
    assert not Subscriber.objects.exists()


def test_feeding_the_same_report_twice_changes_nothing_more(ann, api, tmp_path, clock):
    _publish_update(api)
    [sent] = _updates_to("ann@example.com")
    path = _file(tmp_path, _dsn(_failed("ann@example.com"), returned=_returned_headers(sent)))
    _feed(path)
    notice = Notification.objects.get(subscriber=ann, topic__startswith="update:")
    clock.shift(timedelta(hours=1))
    assert _feed(path) == ["ann@example.com: already bounced, unchanged"]
    ann.refresh_from_db()
    assert ann.bounced_at == NOW
    assert Notification.objects.get(pk=notice.pk).updated_at == notice.updated_at


def test_a_report_from_before_the_address_was_confirmed_again_changes_nothing(
    ann, client, tmp_path, clock
):
    path = _file(tmp_path, _dsn(_failed("ann@example.com")))
    _feed(path)
    clock.shift(timedelta(days=1))
    _committed(client.post, "/subscribe/", {"subscribe": "1", "email": "ann@example.com"})
    confirm = re.search(
        rf"{re.escape(settings.SITE_URL)}(/subscriptions/confirm/\S*)", mail.outbox[-1].body
    )[1]
    _committed(client.post, confirm)
    ann.refresh_from_db()
    assert ann.is_active
    assert _feed(path) == [
        "ann@example.com: a bounce of mail from before it was confirmed again, unchanged"
    ]
    ann.refresh_from_db()
    assert ann.is_active
    later = _file(tmp_path, _dsn(_failed("ann@example.com"), arrived=NOW + timedelta(days=2)), "2")
    assert _feed(later) == [f"ann@example.com: marked bounced (5.1.1 {REFUSED})"]


def test_a_report_is_read_from_standard_input(ann, monkeypatch):
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(_dsn(_failed("ann@example.com"))))
    )
    assert _feed() == [f"ann@example.com: marked bounced (5.1.1 {REFUSED})"]
    ann.refresh_from_db()
    assert ann.bounced_at == NOW


def test_every_message_of_a_maildir_is_read(ann, bob, tmp_path):
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    box.add(_dsn(_failed("ann@example.com")))
    thanks = box.add(MIMEText("Thanks for the update!", policy=policy.SMTP).as_bytes())
    box.add(_dsn(_failed("bob@example.com", "5.2.1", "smtp; 550 5.2.1 Mailbox disabled")))
    lines = _feed(maildir=str(tmp_path / "bounces"))
    assert sorted(lines) == sorted(
        [
            f"ann@example.com: marked bounced (5.1.1 {REFUSED})",
            "bob@example.com: marked bounced (5.2.1 550 5.2.1 Mailbox disabled)",
            f"{tmp_path / 'bounces'}/{thanks}: not a delivery status notification, ignored",
        ]
    )
    assert not Subscriber.objects.filter(bounced_at__isnull=True).exists()
    assert len(box) == 3  # read, not taken away


def test_an_unreadable_file_is_an_error_and_changes_nothing(ann, tmp_path):
    good = _file(tmp_path, _dsn(_failed("ann@example.com")))
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.eml"):
        _feed(good, tmp_path / "missing.eml")
    with pytest.raises(CommandError, match="Cannot read the Maildir"):
        _feed(maildir=str(tmp_path / "no-such-maildir"))
    ann.refresh_from_db()
    assert ann.is_active


def test_a_database_that_is_down_asks_the_mail_system_to_try_again(ann, tmp_path, monkeypatch):
    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(subscriptions, "subscriber_bounce", down)
    with pytest.raises(CommandError, match="try again later") as raised:
        _feed(_file(tmp_path, _dsn(_failed("ann@example.com"))))
    assert raised.value.returncode == 75
