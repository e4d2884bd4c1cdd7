"""Moderating comments from the admin: the review queue, reasons, FAQ sections from threads."""

import pytest
from django.test import Client

from faq.models import Comment, Section
from tests.factories import CommentFactory, FAQFactory


@pytest.fixture
def faq(db):
    return FAQFactory()


def test_the_review_queue_lists_only_held_comments(faq, staff_client):
    CommentFactory(faq=faq, body="Shown already")
    CommentFactory(faq=faq, body="Waiting for review", status="held", held_reason="Links")
    page = staff_client.get("/admin/faq/heldcomment/").content.decode()
    assert "Waiting for review" in page
    assert "Shown already" not in page


def test_approving_from_the_queue_shows_the_comment(faq, staff_client, client):
    held = CommentFactory(faq=faq, body="Waiting for review", status="held")
    staff_client.post(
        "/admin/faq/heldcomment/", {"action": "approve", "_selected_action": [held.pk]}
    )
    held.refresh_from_db()
    assert held.status == "visible"
    assert "Waiting for review" in client.get(faq.get_absolute_url()).content.decode()


def test_hiding_from_the_admin_asks_for_a_reason_and_keeps_it(faq, staff_client):
    comment = CommentFactory(faq=faq)
    data = {"action": "hide", "_selected_action": [comment.pk]}
    response = staff_client.post("/admin/faq/comment/", data)
    assert "Hide the selected comments: why?" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "visible"
    response = staff_client.post("/admin/faq/comment/", {**data, "apply": "1", "reason": ""})
    assert "This field is required." in response.content.decode()
    staff_client.post("/admin/faq/comment/", {**data, "apply": "1", "reason": "Off topic"})
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == ("hidden", "Off topic")


def test_a_question_and_its_official_reply_become_a_draft_faq_section(faq, staff_client):
    question = CommentFactory(faq=faq, body="Why not overnight?")
    CommentFactory(
        faq=faq, parent=question, is_official=True, author_name="Stoo", body="Mornings peak."
    )
    staff_client.post(
        "/admin/faq/comment/", {"action": "draft_faq_section", "_selected_action": [question.pk]}
    )
    section = Section.objects.get(source_comment=question)
    assert section.is_draft
    assert section.heading == "Why not overnight?"
    assert section.body == "> Why not overnight?\n\nMornings peak."
    page = Client().get(faq.get_absolute_url()).content.decode()
    assert 'id="section-' not in page.split("Why not overnight?")[0].split("Contents")[-1]
    assert page.count("Why not overnight?") == 1, page  # in the thread, not as a section


def test_a_question_without_an_official_reply_is_not_turned_into_a_section(faq, staff_client):
    question = CommentFactory(faq=faq, body="Anyone?")
    response = staff_client.post(
        "/admin/faq/comment/",
        {"action": "draft_faq_section", "_selected_action": [question.pk]},
        follow=True,
    )
    assert "This question has no official reply yet." in response.content.decode()
    assert not Section.objects.filter(source_comment=question).exists()


def test_comments_cannot_be_added_or_rewritten_in_the_admin(faq, staff_client):
    comment = CommentFactory(faq=faq, body="Original")
    assert staff_client.get("/admin/faq/comment/add/").status_code == 403
    staff_client.post(f"/admin/faq/comment/{comment.pk}/change/", {"body": "Rewritten"})
    assert Comment.objects.get().body == "Original"
