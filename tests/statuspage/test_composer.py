"""The composer (the admin's "Post an update"): update templates offered for the window's
moment and filled from it, each channel's preview, and a form refused when another member
of staff moved the event on meanwhile, with the words kept."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from statuspage.models import MaintenanceWindow, StatusUpdate, UpdateTemplate
from statuspage.services import update_post
from tests.factories import (
    MaintenanceWindowFactory,
    ServiceFactory,
    StaffFactory,
)

NOW = datetime(2030, 6, 1, 12, 7, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def _window(**kwargs) -> MaintenanceWindow:
    defaults = {
        "title": "Database upgrade",
        "scheduled_start": NOW + timedelta(minutes=10),
        "scheduled_end": NOW + timedelta(hours=4),
        "time_zone": "Europe/London",
        "hashtag": "#dMmaint",
        "services": [ServiceFactory()],
    }
    return MaintenanceWindowFactory(**{**defaults, **kwargs})


def _compose_url(window, template: str = "") -> str:
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    return f"{url}?template={template}" if template else url


def _form_data(response) -> dict:
    """What the browser would post back: the form's fields as the page filled them."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list):  # a bound date and time, as posted
            data[f"{name}_0"], data[f"{name}_1"] = (part or "" for part in value)
        elif isinstance(value, datetime):
            data[f"{name}_0"], data[f"{name}_1"] = f"{value:%Y-%m-%d}", f"{value:%H:%M:%S}"
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


# --- the templates, offered and filled ------------------------------------------------------


def test_the_console_offers_the_templates_that_fit_each_window(editor):
    coming = _window()
    under_way = _window(
        title="Mail relay move",
        status="in_progress",
        scheduled_start=NOW - timedelta(hours=1),
        started_at=NOW - timedelta(hours=1),
    )
    page = editor.get("/admin/").content.decode()
    coming_links = re.findall(rf"{coming.pk}/post-update/\?template=(\w+)", page)
    assert coming_links == ["started", "postponed"]
    running = re.findall(rf"{under_way.pk}/post-update/\?template=(\w+)", page)
    assert running == ["on_schedule", "running_late", "extended", "verifying", "completed",
                       "rolled_back"]  # fmt: skip


def test_a_template_fills_the_composer_from_the_window(editor):
    window = _window()
    response = editor.get(_compose_url(window, "started"))
    form = response.context["form"]
    body = form["body"].value()
    assert body.startswith("The maintenance has started: Database upgrade.")
    # The planned end as readers see it: the window's zone, then UTC.
    assert "1 Jun 2030, 17:07 UK time (16:07 UTC)" in body
    assert f"http://testserver{window.get_absolute_url()}" in body or window.slug in body
    assert form["status"].value() == "in_progress"
    # Starting ten minutes early needs no confirmation (the setting is 30 minutes).
    response = editor.post(_compose_url(window), _form_data(response))
    assert response.status_code == 302, response.context["form"].errors
    window.refresh_from_db()
    assert window.status == "in_progress"
    assert window.updates.get().body == body


def test_a_template_that_does_not_fit_the_moment_is_not_applied(editor):
    window = _window()
    form = editor.get(_compose_url(window, "completed")).context["form"]
    assert form["body"].value() in (None, "")
    assert form["status"].value() == "scheduled"


def test_running_late_proposes_a_new_end_and_posting_it_moves_the_window(editor):
    window = _window(
        status="in_progress",
        scheduled_start=NOW - timedelta(hours=4),
        scheduled_end=NOW - timedelta(minutes=2),
        started_at=NOW - timedelta(hours=4),
    )
    sequence = window.sequence
    response = editor.get(_compose_url(window, "running_late"))
    form = response.context["form"]
    # The next quarter hour from now (12:15 UTC), and 30 minutes more.
    assert form["new_end"].value() == datetime(2030, 6, 1, 12, 45, tzinfo=UTC)
    late = "by Sat 1 Jun 2030, 13:45 UK time (12:45 UTC) instead of Sat 1 Jun 2030, 13:05"
    assert late in form["body"].value()
    data = _form_data(response)
    response = editor.post(_compose_url(window), data)
    assert response.status_code == 302, response.context["form"].errors
    window.refresh_from_db()
    assert window.status == "in_progress"
    assert window.scheduled_end == datetime(2030, 6, 1, 12, 45, tzinfo=UTC)
    assert window.sequence == sequence + 1  # calendars replace their copy


def test_postponed_proposes_the_same_time_of_day_at_least_fourteen_days_on(editor):
    window = _window()
    response = editor.get(_compose_url(window, "postponed"))
    form = response.context["form"]
    assert form["new_start"].value() == window.scheduled_start + timedelta(days=14)
    assert form["new_end"].value() == window.scheduled_end + timedelta(days=14)
    response = editor.post(_compose_url(window), _form_data(response))
    assert response.status_code == 302, response.context["form"].errors
    window.refresh_from_db()
    assert (window.status, window.scheduled_start) == (
        "postponed",
        NOW + timedelta(days=14, minutes=10),
    )


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Done by {finish}.", "“{finish}” is not a placeholder"),
        ("{title.__class__}", "“{title.__class__}” is not a placeholder"),
        ("Costs {0} minutes", "“{0}” is not a placeholder"),
        ("A brace { alone", "A brace is not closed"),
    ],
)
def test_a_template_with_an_unknown_placeholder_is_refused_naming_it(db, client, body, named):
    client.force_login(StaffFactory(is_superuser=True))
    template = UpdateTemplate.objects.get(kind="started")
    before = template.body
    url = f"/admin/statuspage/updatetemplate/{template.pk}/change/"
    response = client.post(url, {"body": body})
    assert response.status_code == 200
    assert named in response.content.decode().replace("&ldquo;", "“").replace("&rdquo;", "”")
    template.refresh_from_db()
    assert template.body == before
    # Known placeholders and doubled braces are fine.
    response = client.post(url, {"body": "{title} ends by {end}; {{not a placeholder}}."})
    assert response.status_code == 302


# --- each channel's preview -------------------------------------------------------------------


def test_the_preview_shows_each_channel_as_it_will_read(editor):
    window = _window()
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/preview/"
    preview = editor.post(
        url, {"body": "Work **has started**. <script>alert(1)</script>", "status": "in_progress"}
    ).json()
    assert "<strong>has started</strong>" in preview["public"]
    assert "<script>" not in preview["public"]
    assert "In progress" in preview["public"]
    assert preview["email"]["subject"] == "[dotMailer status] Database upgrade: In progress"
    first = preview["email"]["text"].splitlines()
    assert first[0] == "Planned maintenance: Database upgrade"
    assert first[1].startswith("In progress: Work has started.")
    assert preview["x"]["text"].endswith(f"{window.get_absolute_url()} #dMmaint")
    assert StatusUpdate.objects.count() == 0  # a preview saves nothing


def test_without_a_hashtag_there_is_no_x_preview(editor):
    window = _window(hashtag="")
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/preview/"
    assert editor.post(url, {"body": "Hi", "status": "scheduled"}).json()["x"] is None


# --- a form another member of staff overtook --------------------------------------------------


def test_a_stale_form_is_refused_with_what_changed_and_the_words_kept(editor):
    window = _window()
    response = editor.get(_compose_url(window, "started"))
    data = _form_data(response)
    data["body"] = "We have started the upgrade; the API is off for four hours."
    # Meanwhile, a colleague starts the window.
    colleague = StaffFactory(username="ana", first_name="Ana", last_name="Lima")
    update_post(event=window, author=colleague, body="Starting now.", status="in_progress")

    response = editor.post(_compose_url(window), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "While you were writing, this changed:" in page
    assert "Ana Lima posted “Starting now.”" in page.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert "It moved from Scheduled to In progress." in page
    assert data["body"] in page  # nothing lost
    assert window.updates.count() == 1
    # Having read it, posting the same form again goes through.
    again = _form_data(response)
    again["status"] = "in_progress"
    response = editor.post(_compose_url(window), again)
    assert response.status_code == 302, response.context["form"].errors
    assert window.updates.count() == 2


def test_under_way_the_composer_says_what_completing_puts_back(editor):
    window = _window(scheduled_start=NOW - timedelta(minutes=5))
    service = window.services.get()
    update_post(event=window, author=StaffFactory(), body="Started.", status="in_progress")
    service.refresh_from_db()
    assert service.status == "under_maintenance"  # no FAQ: every service is

    form = editor.get(_compose_url(window)).context["form"]
    label = dict(form.fields[f"service_{service.pk}"].choices)[""]
    assert label == "No change (Under maintenance) · completing: back to Operational"
