"""Who hears about a comment: staff about every new one, a customer about staff replies."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from faq.models import Comment
from statuspage.common import mail as mailer
from statuspage.common.links import absolute

UNSUBSCRIBE_SALT = "faq.reply-notifications"


CONFIRM_SALT = "faq.confirm-address"
CONFIRM_MAX_AGE = timedelta(days=7)
CONFIRM_RESEND_AFTER = timedelta(hours=1)


def address_confirmation_send(*, user, again: bool = False) -> None:
    """E-mail ``user`` a link to confirm their address, once the transaction commits. Replies
    to their comments are e-mailed only to a confirmed address. ``again``: a reminder, for
    an unconfirmed customer only, at most once an hour."""
    profile, now = getattr(user, "profile", None), timezone.now()
    if profile is None or not user.email:
        return
    if again:
        if profile.email_confirmed_at or user.is_staff:
            return
        sent = profile.email_confirmation_sent_at
        if sent and now - sent < CONFIRM_RESEND_AFTER:
            return  # one went within the hour, at sign-up or as a reminder
    profile.email_confirmation_sent_at = now
    profile.save(update_fields=["email_confirmation_sent_at"])
    token = signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=CONFIRM_SALT)
    context = {"url": absolute(reverse("confirm_address", args=[token])), "user": user}
    transaction.on_commit(
        lambda: mailer.send(to=[user.email], template="faq/email/confirm_address", context=context)
    )


def user_from_confirmation(token: str):
    """The user a confirmation link was made for; signing.BadSignature if it is forged, older
    than a week, or for an address the account no longer has."""
    data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    user = get_user_model().objects.select_related("profile").filter(pk=data["u"]).first()
    if user is None or user.email.lower() != data["e"]:
        raise signing.BadSignature("not this account's address")
    return user


def address_confirm(*, user) -> None:
    profile = user.profile
    if profile.email_confirmed_at is None:
        profile.email_confirmed_at = timezone.now()
        profile.save(update_fields=["email_confirmed_at"])


def unsubscribe_token(user) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_from_token(token: str):
    """The user a stop-mails link was made for; raises signing.BadSignature if forged."""
    return get_user_model().objects.get(pk=signing.loads(token, salt=UNSUBSCRIBE_SALT))


def comment_notify(*, comment_id: int) -> None:
    """Send the mails a new comment calls for, once: a second delivery finds it claimed."""
    claimed = Comment.objects.filter(pk=comment_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return
    comment = Comment.objects.select_related("faq", "parent__author__profile").get(pk=comment_id)
    try:
        if comment.is_official:
            _tell_customer(comment)
        else:
            _tell_staff(comment)
    except Exception:
        # Not sent: release the claim so that the retry sends it.
        Comment.objects.filter(pk=comment_id).update(notified_at=None)
        raise


def comments_not_notified(*, now=None) -> list[int]:
    """Comments whose mails were never claimed: their task was lost (a broker outage).
    A minute's grace for the task that is on its way; a day at most, as mail that late
    would only confuse."""
    now = now or timezone.now()
    waiting = Comment.objects.filter(
        notified_at__isnull=True,
        created_at__lt=now - timedelta(minutes=1),
        created_at__gt=now - timedelta(days=1),
    )
    return list(waiting.order_by("pk").values_list("pk", flat=True))


def _tell_staff(comment: Comment) -> None:
    recipients = settings.COMMENT_NOTIFY_EMAILS or list(
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        mailer.send(
            to=recipients,
            template="faq/email/new_comment",
            context={"comment": comment, "url": absolute(comment.get_absolute_url())},
        )


def _tell_customer(comment: Comment) -> None:
    parent = comment.parent
    customer = parent.author if parent else None
    if not customer or customer.pk == comment.author_id or not customer.email:
        return
    profile = getattr(customer, "profile", None)
    if profile is None or not profile.notify_replies or not profile.email_confirmed_at:
        return  # nothing to an address its owner has not confirmed
    stop = absolute(reverse("faq:stop_reply_mails", kwargs={"token": unsubscribe_token(customer)}))
    mailer.send(
        to=[customer.email],
        template="faq/email/official_reply",
        context={
            "comment": comment,
            "customer": profile,
            "url": absolute(comment.get_absolute_url()),
            "stop_url": stop,
        },
        headers={
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


@transaction.atomic
def stop_reply_mails(*, user) -> None:
    profile = user.profile
    profile.notify_replies = False
    profile.save(update_fields=["notify_replies"])
