"""Every write to comment threads: posting, editing, deleting, moderating, closing."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from faq.models import FAQ, Comment, CommentStatus, Profile, Section, SectionKind
from faq.powers import comment_powers
from faq.tasks import comment_notify
from statuspage.common.queueing import start_after_commit

LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
NEW_ACCOUNT_AGE = timedelta(days=1)


def _refuse(message: str, field: str = "body"):
    raise ValidationError({field: message})


def profile_for(user) -> Profile:
    """The user's profile, created from the account's name if it has none yet."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        name = user.get_full_name() or user.get_username()
        return Profile.objects.create(user=user, name=name[:100])


@transaction.atomic
def profile_set_public(*, user, name: str, role: str) -> Profile:
    """Set the name and role customers see on ``user``'s official replies and in the e-mails
    about them, and mark them confirmed. Raises ValidationError (on "name" or "role"),
    saving nothing, for a name that is the sign-in name, or no role from staff who answer.
    """
    name, role = name.strip(), role.strip()
    if not name:
        _refuse(_("Write the name customers will see."), "name")
    if name.casefold() == user.get_username().casefold():
        _refuse(
            _("Customers would see your sign-in name; write the name you want them to see."),
            "name",
        )
    if not role and comment_powers(user).answer:
        _refuse(_("Write your role, as customers will read it on your answers."), "role")
    profile = profile_for(user)
    profile.name, profile.role = name[:100], role[:100]
    profile.public_name_confirmed_at = timezone.now()
    profile.save(update_fields=["name", "role", "public_name_confirmed_at"])
    return profile


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        _refuse("Write something before posting.")
    if len(body) > settings.COMMENT_MAX_LENGTH:
        _refuse(
            f"Keep it under {settings.COMMENT_MAX_LENGTH:,} characters (this is {len(body):,})."
        )
    return body


def _hold_reason(*, author, body: str, official: bool) -> str:
    """Why a comment should wait for a moderator, or "" to publish it at once."""
    if official:
        return ""
    young = timezone.now() - author.date_joined < NEW_ACCOUNT_AGE
    if young and LINK.search(body):
        return "Links from accounts younger than a day"
    lowered = body.casefold()
    for word in settings.COMMENT_HOLD_WORDS:
        if word.casefold() in lowered:
            return f"Contains “{word}”"
    return ""


@transaction.atomic
def comment_post(*, faq: FAQ, author, body: str, parent: Comment | None = None) -> Comment:
    """Post a comment (or a reply to a top-level one) by a signed-in ``author``.

    It is an official response when ``author`` may answer officially (``comment_powers``).
    Raises ValidationError, saving nothing, when the thread is closed or the comment or
    its parent is not allowed.
    """
    faq = FAQ.objects.select_for_update().get(pk=faq.pk)
    if not faq.comments_open:
        _refuse("Comments on this FAQ are closed.")
    body = _clean_body(body)
    if parent is not None:
        if parent.faq_id != faq.pk:
            _refuse("That comment is not on this FAQ.", "parent")
        if parent.parent_id is not None:
            _refuse("Reply to the comment itself; replies have no replies.", "parent")
        if parent.status != CommentStatus.VISIBLE:
            _refuse("That comment is not shown, so it cannot be replied to.", "parent")
    profile = profile_for(author)
    official = comment_powers(author).answer
    if official and profile.public_name_confirmed_at is None:
        # Not signed with a sign-in name such as "admin": the name is asked for first.
        _refuse(
            _(
                "Set the name and role customers will see before answering: "
                "Who customers see, on the staff console."
            )
        )
    held = _hold_reason(author=author, body=body, official=official)
    comment = Comment.objects.create(
        faq=faq,
        parent=parent,
        author=author,
        author_name=profile.name,
        author_organisation=profile.organisation,
        author_role=profile.role if official else "",
        body=body,
        is_official=official,
        status=CommentStatus.HELD if held else CommentStatus.VISIBLE,
        held_reason=held,
    )
    start_after_commit(comment_notify, comment.pk)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, user, body: str) -> Comment:
    """Change one's own comment within the edit window; it is marked as edited."""
    if comment.author_id != user.pk:
        raise PermissionDenied("You can only edit your own comments.")
    if not comment.editable_by(user):
        _refuse(
            f"Comments can be edited for {settings.COMMENT_EDIT_MINUTES} minutes after posting."
        )
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    fields = ["body", "edited_at"]
    held = _hold_reason(author=user, body=comment.body, official=comment.is_official)
    if held and comment.status == CommentStatus.VISIBLE:
        comment.status, comment.held_reason = CommentStatus.HELD, held
        fields += ["status", "held_reason"]
    comment.save(update_fields=fields)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user) -> Comment:
    """Delete one's own comment: its text goes; a placeholder stays if it has replies."""
    if comment.author_id != user.pk:
        raise PermissionDenied("You can only delete your own comments.")
    comment.status = CommentStatus.REMOVED
    comment.body = ""
    comment.save(update_fields=["status", "body"])
    return comment


MODERATION = {
    "hide": CommentStatus.HIDDEN,
    "remove": CommentStatus.REMOVED,
    "unhide": CommentStatus.VISIBLE,
    "approve": CommentStatus.VISIBLE,
}


@transaction.atomic
def comment_moderate(*, comment: Comment, moderator, action: str, reason: str = "") -> Comment:
    """Hide, unhide, approve or remove a comment; hiding and removing need a reason."""
    if not comment_powers(moderator).moderate:
        raise PermissionDenied("Only comment moderators moderate comments.")
    if action not in MODERATION:
        _refuse(f"“{action}” is not a moderation action.", "action")
    reason = reason.strip()
    if action in {"hide", "remove"} and not reason:
        _refuse("Give a reason; it is kept for the record.", "reason")
    comment.status = MODERATION[action]
    comment.moderation_reason = reason or comment.moderation_reason
    comment.moderated_by = moderator
    comment.moderated_at = timezone.now()
    comment.save(update_fields=["status", "moderation_reason", "moderated_by", "moderated_at"])
    return comment


def faq_set_comments_open(*, faq: FAQ, user, is_open: bool) -> FAQ:
    if not comment_powers(user).close:
        raise PermissionDenied("Only staff who may change the FAQ open and close its comments.")
    faq.comments_open = is_open
    faq.save(update_fields=["comments_open", "updated_at"])
    return faq


@transaction.atomic
def comment_to_draft_section(*, comment: Comment) -> Section:
    """Turn a customer's question and the official reply into a draft FAQ section."""
    if comment.parent_id is not None or comment.is_official:
        _refuse("Choose a customer's question, not a reply.", "comment")
    replies = comment.replies.filter(is_official=True, status=CommentStatus.VISIBLE)
    answer = replies.order_by("created_at").first()
    if answer is None:
        _refuse("This question has no official reply yet.", "comment")
    question = " ".join(comment.body.split())
    position = (comment.faq.sections.aggregate(Max("position"))["position__max"] or 0) + 1
    return Section.objects.create(
        faq=comment.faq,
        position=position,
        heading=Truncator(question).chars(120),
        kind=SectionKind.PROSE,
        body=f"> {Truncator(question).words(80)}\n\n{answer.body}",
        is_draft=True,
        source_comment=comment,
    )
