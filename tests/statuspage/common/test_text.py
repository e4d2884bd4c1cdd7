"""Staff Markdown renders harmlessly everywhere, and the editor's endpoints are staff-only."""

import pytest

from tests.factories import (
    CommentFactory,
    FAQFactory,
    ImpactEntryFactory,
    MaintenanceWindowFactory,
    SectionFactory,
    TeamMemberFactory,
)
from tests.xss import XSS_CORPUS, audit


@pytest.mark.django_db
@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_markdown_and_text_fields_render_harmlessly(client, payload):
    window = MaintenanceWindowFactory(title=payload, summary=payload)
    faq = FAQFactory(window=window, title=payload, introduction=payload)
    section = SectionFactory(faq=faq, heading=payload, body=payload)
    ImpactEntryFactory(
        section=section, subject=payload, summary=payload, details=payload, advice=payload,
        afterwards=payload,
    )  # fmt: skip
    faq.team.add(TeamMemberFactory(name=payload, role=payload, bio=payload))
    CommentFactory(faq=faq, author_name=payload, author_organisation=payload, body=payload)
    for path in ["/", faq.get_absolute_url(), window.get_absolute_url()]:
        response = client.get(path)
        assert response.status_code == 200
        assert audit(response.content.decode()) == [], path


def test_the_auditor_catches_what_it_looks_for():
    assert audit('<a href=" JavaScript:x">') == ["a[href= JavaScript:x]"]
    assert audit("<img src=x onerror=alert(1)>") == ["img[onerror]"]
    assert audit("<script>x</script>") == ["<script>"]


@pytest.mark.django_db
def test_markdown_keeps_ordinary_formatting(client):
    section = SectionFactory(body="**bold** [docs](https://example.com/a) `code`\n\n- one\n- two")
    page = client.get(section.faq.get_absolute_url()).content.decode()
    assert "<strong>bold</strong>" in page
    assert '<a href="https://example.com/a" rel="noopener noreferrer">docs</a>' in page
    assert "<li>one</li>" in page


PREVIEW = "/markdownx/markdownify/"
UPLOAD = "/markdownx/upload/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PREVIEW, UPLOAD])
def test_editor_endpoints_refuse_anonymous_and_customers(client, path):
    response = client.post(path, {"content": "**hi**"})
    assert response.status_code == 403
    assert response.json() == {"error": "Only signed-in staff may use the editor."}
    client.force_login(CommentFactory().author)
    assert client.post(path, {"content": "**hi**"}).status_code == 403


def test_editor_preview_uses_the_same_sanitiser_as_the_pages(staff_client):
    response = staff_client.post(PREVIEW, {"content": "**hi** <script>x</script>[a](javascript:b)"})
    assert response.status_code == 200
    assert (
        response.content.decode() == '<p><strong>hi</strong> <a rel="noopener noreferrer">a</a></p>'
    )


def test_editor_preview_without_content_is_a_400(staff_client):
    assert staff_client.post(PREVIEW, {}).status_code == 400


def test_editor_upload_refuses_svg(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    svg = SimpleUploadedFile("x.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml")
    response = staff_client.post(
        UPLOAD, {"image": svg}, headers={"x-requested-with": "XMLHttpRequest"}
    )
    assert response.status_code == 400
