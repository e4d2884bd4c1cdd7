"""What a member of staff may do in a FAQ's comment thread, from the public page.

The same permissions the admin asks for, of the same verified sign-in: a staff member
who signed in on the customers' form without their authenticator code, or who lacks the
permission, is a plain customer here.
"""

from dataclasses import dataclass

from statuspage.security.twofactor import verified_staff


@dataclass(frozen=True)
class CommentPowers:
    see_all: bool = False  # held and hidden comments, with the reasons (faq.view_comment)
    moderate: bool = False  # hide, unhide, approve, remove (faq.change_comment)
    close: bool = False  # close and reopen a FAQ's thread (faq.change_faq)
    answer: bool = False  # reply with the Official response badge (faq.reply_officially)
    # Staff signed in without the second factor: told where to get their powers.
    verify_first: bool = False


NO_POWERS = CommentPowers()


def comment_powers(user) -> CommentPowers:
    """``user``'s powers over comment threads; none unless verified staff."""
    if not verified_staff(user):
        return CommentPowers(verify_first=user.is_active and user.is_staff)
    return CommentPowers(
        see_all=user.has_perm("faq.view_comment"),
        moderate=user.has_perm("faq.change_comment"),
        close=user.has_perm("faq.change_faq"),
        answer=user.has_perm("faq.reply_officially"),
    )
