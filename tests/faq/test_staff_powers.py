"""Staff powers on the public FAQ page ask what the admin asks: the same verified sign-in
(two-factor) and the same permissions. Over HTTP, as a browser would.
"""

import pytest
from django.contrib.auth.models import Group
from django.test import Client, TestCase
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from faq.models import Comment, CommentStatus
from statuspage.security.permissions import COMMENT_MODERATORS, STATUS_EDITORS
from tests.factories import PASSWORD, CommentFactory, FAQFactory, StaffFactory, UserFactory


@pytest.fixture
def faq(db):
    return FAQFactory()


@pytest.fixture
def thread(faq):
    """A visible question, and a comment held for review."""
    question = CommentFactory(faq=faq, body="Why a Saturday?")
    held = CommentFactory(
        faq=faq,
        body="Buy cheap watches at spam.example",
        status=CommentStatus.HELD,
        held_reason="Links from accounts younger than a day",
    )
    return question, held


def _staff(username: str, *, group: str | None = None, superuser: bool = False):
    user = StaffFactory(username=username, is_superuser=superuser)  # role "Support"
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _with_app(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def _customers_sign_in(username: str) -> Client:
    browser = Client()
    response = browser.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password is right"
    return browser


def _admin_sign_in(username: str, device: TOTPDevice) -> Client:
    browser = Client()
    code = f"{totp(device.bin_key):06d}"
    response = browser.post(
        "/admin/login/", {"username": username, "password": PASSWORD, "code": code}
    )
    assert response.status_code == 302
    return browser


def _post(browser, url: str, data: dict):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return browser.post(url, data)


def _moderate(browser, faq, comment, action="hide"):
    url = f"{faq.get_absolute_url()}comments/{comment.pk}/moderate/"
    return _post(browser, url, {"action": action, "reason": "Off topic"})


def _reply(browser, faq, parent):
    return _post(
        browser, f"{faq.get_absolute_url()}comments/", {"body": "Quieter.", "parent": parent.pk}
    )


def _page(browser, faq) -> str:
    return browser.get(faq.get_absolute_url()).content.decode()


# --- two-factor: the customers' form gives a customer's powers, no more ------------------------


def test_staff_with_an_app_who_sign_in_on_the_customers_form_are_plain_customers(faq, thread):
    question, held = thread
    superuser = _staff("boss", superuser=True)
    _with_app(superuser)
    browser = _customers_sign_in("boss")

    page = _page(browser, faq)
    assert "Buy cheap watches" not in page
    assert "Links from accounts younger than a day" not in page
    assert "comments/toggle/" not in page
    assert "/moderate/" not in page
    assert "Reply as staff" not in page
    assert "sign in to the admin with your authenticator code" in page

    assert _moderate(browser, faq, question).status_code == 403
    assert _moderate(browser, faq, held, action="approve").status_code == 403
    assert browser.post(f"{faq.get_absolute_url()}comments/toggle/").status_code == 403
    question.refresh_from_db(), held.refresh_from_db(), faq.refresh_from_db()
    assert (question.status, held.status, faq.comments_open) == ("visible", "held", True)

    _reply(browser, faq, question)
    reply = Comment.objects.get(parent=question)
    assert (reply.is_official, reply.author_role) == (False, "")

    preview = browser.post("/markdownx/markdownify/", {"content": "**hi**"})
    assert preview.status_code == 403
    upload = browser.post("/markdownx/upload/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert upload.status_code == 403


def test_the_same_staff_signed_in_with_their_code_have_their_powers(faq, thread):
    question, held = thread
    superuser = _staff("boss", superuser=True)
    browser = _admin_sign_in("boss", _with_app(superuser))

    page = _page(browser, faq)
    assert "Buy cheap watches" in page
    assert "Links from accounts younger than a day" in page
    assert "Reply as staff" in page
    assert _moderate(browser, faq, held, action="approve").status_code == 302
    held.refresh_from_db()
    assert held.status == "visible"
    _reply(browser, faq, question)
    assert Comment.objects.get(parent=question).is_official
    assert browser.post("/markdownx/markdownify/", {"content": "**hi**"}).status_code == 200


def test_required_two_factor_applies_on_the_public_page_too(faq, thread, settings):
    settings.STAFF_REQUIRE_2FA = True
    question, _ = thread
    _staff("boss", superuser=True)  # no app yet
    browser = _customers_sign_in("boss")
    assert _moderate(browser, faq, question).status_code == 403
    _reply(browser, faq, question)
    assert not Comment.objects.get(parent=question).is_official


# --- permissions: the admin's, not is_staff ---------------------------------------------------


def test_status_editors_answer_officially_but_do_not_moderate(faq, thread):
    question, held = thread
    _staff("duty", group=STATUS_EDITORS)
    browser = _customers_sign_in("duty")  # no app: the admin would let them in too

    page = _page(browser, faq)
    assert "Buy cheap watches" not in page
    assert "Links from accounts younger than a day" not in page
    assert "/moderate/" not in page
    assert "comments/toggle/" not in page
    assert "Reply as staff" in page

    assert _moderate(browser, faq, question).status_code == 403
    assert _moderate(browser, faq, held, action="approve").status_code == 403
    assert browser.post(f"{faq.get_absolute_url()}comments/toggle/").status_code == 403
    question.refresh_from_db(), held.refresh_from_db(), faq.refresh_from_db()
    assert (question.status, held.status, faq.comments_open) == ("visible", "held", True)

    _reply(browser, faq, question)
    reply = Comment.objects.get(parent=question)
    assert (reply.is_official, reply.author_role) == (True, "Support")


def test_comment_moderators_see_held_comments_moderate_and_close_threads(faq, thread):
    question, _ = thread
    _staff("mod", group=COMMENT_MODERATORS)
    browser = _customers_sign_in("mod")

    page = _page(browser, faq)
    assert "Buy cheap watches" in page
    assert "Links from accounts younger than a day" in page
    assert _moderate(browser, faq, question).status_code == 302
    question.refresh_from_db()
    assert (question.status, question.moderation_reason) == ("hidden", "Off topic")
    assert browser.post(f"{faq.get_absolute_url()}comments/toggle/").status_code == 302
    faq.refresh_from_db()
    assert not faq.comments_open


def test_staff_without_a_group_have_no_powers_on_the_page(faq, thread):
    question, _ = thread
    _staff("intern")  # is_staff, no permission
    browser = _customers_sign_in("intern")
    assert _moderate(browser, faq, question).status_code == 403
    _reply(browser, faq, question)
    assert not Comment.objects.get(parent=question).is_official


def test_the_admins_moderation_actions_need_the_change_permission(faq, thread):
    _, held = thread
    viewer = _staff("auditor")
    viewer.user_permissions.add(*_permissions("view_comment"))
    browser = _customers_sign_in("auditor")
    response = browser.post(
        "/admin/faq/comment/", {"action": "approve", "_selected_action": [held.pk]}
    )
    held.refresh_from_db()
    assert held.status == "held"
    assert response.status_code in {200, 302}
    page = browser.get("/admin/faq/comment/").content.decode()
    assert 'value="approve"' not in page


def _permissions(*codenames):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(content_type__app_label="faq", codename__in=codenames)


def test_customers_cannot_moderate(faq, thread):
    question, _ = thread
    UserFactory(username="pat@example.com")
    browser = _customers_sign_in("pat@example.com")
    assert _moderate(browser, faq, question).status_code == 403
