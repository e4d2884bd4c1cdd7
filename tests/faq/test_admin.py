"""Staff edit FAQs, impact entries and windows in the admin; bad input is refused clearly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faq.models import FAQ, ImpactEntry
from statuspage.models import MaintenanceWindow, ServiceGroup
from tests.admin_forms import form_data


@pytest.fixture
def faq_form(demo, staff_client):
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade-2013")
    url = f"/admin/faq/faq/{faq.pk}/change/"
    response = staff_client.get(url)
    assert response.status_code == 200
    return url, form_data(response.content.decode())


def _entry_prefix(data: dict, label: str) -> str:
    """The inline form prefix of the entry numbered ``label`` (e.g. "2.3")."""
    entries = {
        e.pk: e.label
        for e in ImpactEntry.objects.filter(faq__slug="dotmailer-database-upgrade-2013")
    }
    for key, value in data.items():
        is_entry = key.startswith("impact_entries-") and key.endswith("-id") and value
        if is_entry and entries[int(value)] == label:
            return key.removesuffix("-id")
    raise LookupError(label)


def test_faq_change_page_has_entries_inline_with_the_markdown_editor(faq_form, staff_client):
    url, data = faq_form
    assert data["impact_entries-TOTAL_FORMS"] == "29"
    page = staff_client.get(url).content.decode()
    assert "markdownx-editor" in page
    assert "markdownx-preview" in page


def test_an_unchanged_faq_saves_and_keeps_its_team(faq_form, staff_client):
    url, data = faq_form
    assert len(data["team"]) == 5
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert FAQ.objects.get(slug="dotmailer-database-upgrade-2013").team.count() == 5


def test_editing_an_entry_changes_the_public_page(faq_form, staff_client, client):
    url, data = faq_form
    prefix = _entry_prefix(data, "2.11")
    data[f"{prefix}-summary"] = "Queued and sent once we are back."
    assert staff_client.post(url, data).status_code == 302
    page = client.get("/faq/dotmailer-database-upgrade-2013/").content.decode()
    assert "Queued and sent once we are back." in page


def test_entry_without_subject_or_service_is_refused(faq_form, staff_client):
    url, data = faq_form
    prefix = _entry_prefix(data, "1.4")
    data[f"{prefix}-subject"] = ""
    data[f"{prefix}-service"] = ""
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Give a subject, or choose the service the entry is about." in response.content.decode()
    assert ImpactEntry.objects.get(section__number=1, number=4, faq__slug__endswith="2013").service


def test_entry_without_level_is_refused(faq_form, staff_client):
    url, data = faq_form
    data[f"{_entry_prefix(data, '2.2')}-level"] = ""
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_duplicate_entry_number_in_one_faq_is_refused(faq_form, staff_client):
    url, data = faq_form
    prefix = _entry_prefix(data, "2.4")
    data[f"{prefix}-number"] = "3"
    data[f"{prefix}-summary"] = "Must not be saved."
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert (
        "Entry 2.3 appears twice; each entry number must be unique in the FAQ."
        in response.content.decode()
    )
    assert not ImpactEntry.objects.filter(summary="Must not be saved.").exists()


def _window_form(staff_client, **changes) -> dict:
    data = form_data(staff_client.get("/admin/statuspage/maintenancewindow/add/").content.decode())
    data.update(
        title="Network upgrade",
        slug="network-upgrade",
        summary="Routers are replaced.",
        scheduled_start_0="2030-06-01",
        scheduled_start_1="10:00:00",
        scheduled_end_0="2030-06-01",
        scheduled_end_1="14:00:00",
        time_zone="Europe/London",
        status="scheduled",
    )
    data.update(changes)
    return data


def test_window_is_added_with_valid_times(staff_client):
    response = staff_client.post(
        "/admin/statuspage/maintenancewindow/add/", _window_form(staff_client)
    )
    assert response.status_code == 302
    assert MaintenanceWindow.objects.get(slug="network-upgrade").planned_duration.seconds == 14400


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scheduled_end_1": "09:00:00"}, "The planned end must be after the planned start."),
        ({"scheduled_end_1": "10:00:00"}, "The planned end must be after the planned start."),
        ({"time_zone": "Mars/Olympus"}, "is not a time zone name; use one such as Europe/London."),
        ({"hashtag": "dM maint"}, "A hashtag is # followed by letters, digits or underscores"),
    ],
)
def test_window_with_bad_input_is_refused_with_a_clear_message(staff_client, changes, message):
    response = staff_client.post(
        "/admin/statuspage/maintenancewindow/add/", _window_form(staff_client, **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MaintenanceWindow.objects.filter(slug="network-upgrade").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/statuspage/service/",
        "/admin/statuspage/servicegroup/{group}/change/",
        "/admin/statuspage/maintenancewindow/",
        "/admin/faq/faq/",
        "/admin/faq/faq/add/",
        "/admin/faq/teammember/",
        "/admin/faq/comment/",
        "/admin/faq/profile/",
        "/admin/console/who-customers-see/",
    ],
)
def test_admin_pages_open(demo, staff_client, path):
    # Ids are the database's to choose (PostgreSQL's sequences do not rewind after a test).
    path = path.format(group=ServiceGroup.objects.order_by("pk").first().pk)
    assert staff_client.get(path).status_code == 200


def test_faq_change_page_queries_do_not_grow_with_entries(faq_form, staff_client):
    url, _ = faq_form
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade-2013")
    section = faq.sections.get(number=2)
    with CaptureQueriesContext(connection) as before:
        staff_client.get(url)
    ImpactEntry.objects.bulk_create(
        ImpactEntry(faq=faq, section=section, number=50 + n, subject=f"Extra {n}", level="delayed")
        for n in range(20)
    )
    with CaptureQueriesContext(connection) as after:
        staff_client.get(url)
    assert len(after) == len(before)
