"""The staff console on the admin's front page: what is under way or coming with its times,
who has not been told for a while, the customers waiting for an answer (answered from
there), what failed to go out, and the rest of the admin in the words staff use."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faq.models import Comment
from statuspage.outbox.models import Message, MessageState
from tests.factories import (
    CommentFactory,
    FAQFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    StaffFactory,
    StatusUpdateFactory,
    UserFactory,
)

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def _window_under_way(started_minutes_ago: int, ends_in=timedelta(hours=2), **kwargs):
    return MaintenanceWindowFactory(
        title="Database upgrade",
        status="in_progress",
        scheduled_start=NOW - timedelta(minutes=started_minutes_ago),
        scheduled_end=NOW + ends_in,
        started_at=NOW - timedelta(minutes=started_minutes_ago),
        time_zone="Europe/London",
        **kwargs,
    )


def test_a_window_under_way_shows_its_times_and_a_nudge_when_nobody_was_told(editor, clock):
    window = _window_under_way(90)
    StatusUpdateFactory(maintenance=window, display_at=NOW - timedelta(minutes=45))

    page = editor.get("/admin/").text

    assert "Under way" in page
    assert "Database upgrade" in page
    assert "(10:30–14:00 UTC)" in page  # planned, in its zone and UTC
    assert "Running for 1 hour 30 min" in page
    assert "2 hours left of the plan" in page
    assert "Last update 45\xa0minutes ago" in page
    assert "time to tell people how it is going" in page
    assert f'href="/admin/statuspage/maintenancewindow/{window.pk}/post-update/"' in page


def test_a_window_told_recently_is_not_nudged_and_an_overrun_is_said(editor, clock):
    window = _window_under_way(300, ends_in=-timedelta(hours=1))  # planned 4 hours, in 5
    StatusUpdateFactory(maintenance=window, display_at=NOW - timedelta(minutes=10))

    page = editor.get("/admin/").text

    assert "time to tell people" not in page
    assert "1 hour past the planned end" in page
    assert "left of the plan" not in page
    assert "Last update 10\xa0minutes ago" in page


def test_coming_windows_and_open_incidents_each_have_their_button(editor, clock):
    coming = MaintenanceWindowFactory(
        title="Network move",
        scheduled_start=NOW + timedelta(days=3),
        scheduled_end=NOW + timedelta(days=3, hours=4),
    )
    incident = IncidentFactory(title="Slow sends", started_at=NOW - timedelta(minutes=50))

    page = editor.get("/admin/").text

    assert "Coming next" in page
    assert "Network move" in page
    assert f"/admin/statuspage/maintenancewindow/{coming.pk}/post-update/" in page
    assert "Slow sends" in page
    assert "No update posted yet" in page
    assert f"/admin/statuspage/incident/{incident.pk}/post-update/" in page
    assert "time to tell people how it is going" in page  # open 50 minutes, nothing said


def _question(**kwargs):
    customer = UserFactory(username=kwargs.pop("username", "pat"))
    return CommentFactory(author=customer, **kwargs)


def test_questions_waiting_are_listed_oldest_first_and_answered_from_the_console(editor, clock):
    faq = FAQFactory(title="Database upgrade FAQ")
    late = _question(faq=faq, username="lee", body="Why on a Saturday?", created_at=NOW)
    early = _question(faq=faq, body="Will the API be down?", created_at=NOW - timedelta(hours=1))
    answered = _question(faq=faq, username="kim", body="Old one", created_at=NOW)
    CommentFactory(faq=faq, parent=answered, is_official=True, body="Answered.")

    page = editor.get("/admin/").text
    assert "2 questions waiting for an answer" in page
    assert page.index("Will the API be down?") < page.index("Why on a Saturday?")
    assert "Old one" not in page

    answer = editor.post(
        f"/admin/console/answer/{early.pk}/", {"body": "Yes, from 11:00 to 15:00."}, follow=True
    )
    assert "Answered Pat on the FAQ." in answer.text
    assert "A question waiting for an answer" in answer.text
    reply = Comment.objects.get(parent=early)
    assert (reply.is_official, reply.body) == (True, "Yes, from 11:00 to 15:00.")
    assert "Why on a Saturday?" in answer.text
    assert "Will the API be down?" not in answer.text
    assert late.replies.count() == 0


def test_an_empty_answer_comes_back_with_the_reason_and_nothing_is_posted(editor, clock):
    question = _question(faq=FAQFactory(), body="Will the API be down?")

    page = editor.post(f"/admin/console/answer/{question.pk}/", {"body": "  "})

    assert page.status_code == 200
    assert 'class="errornote"' in page.text
    assert question.replies.count() == 0


def test_an_answer_keeps_what_was_typed_when_the_thread_was_closed_meanwhile(editor, clock):
    question = _question(faq=FAQFactory(), body="Will the API be down?")
    question.faq.comments_open = False
    question.faq.save()

    page = editor.post(f"/admin/console/answer/{question.pk}/", {"body": "Yes, it will."})

    assert page.status_code == 200
    assert "closed" in page.text
    assert question.replies.count() == 0


def test_staff_who_may_not_answer_get_no_form_and_are_refused(clock, db, client):
    question = _question(faq=FAQFactory(), body="Will the API be down?")
    client.force_login(UserFactory(username="viewer", is_staff=True))

    assert "Your official answer" not in client.get("/admin/").text
    refused = client.post(f"/admin/console/answer/{question.pk}/", {"body": "Yes."})

    assert refused.status_code == 403
    assert question.replies.count() == 0


def test_what_failed_to_go_out_and_who_listens(clock, db, client):
    client.force_login(StaffFactory())
    Message.objects.create(channel="email", topic="t1", body="x", state=MessageState.FAILED)
    Message.objects.create(channel="x", topic="t2", body="x", state=MessageState.UNCONFIRMED)

    page = client.get("/admin/").text

    assert "1 notification failed this week" in page
    assert "/admin/statuspage/notification/?state__exact=failed" in page
    assert "1 post to check on X" in page


def test_the_rest_of_the_admin_is_grouped_in_the_words_staff_use(db, client):
    client.force_login(StaffFactory())

    page = client.get("/admin/").text

    for group in ("Status", "FAQs and comments", "Subscribers", "Staff and security"):
        assert f">{group}</a>" in page
    assert "Authenticator apps" in page
    assert "Otp_Totp" not in page
    assert "Axes" not in page


def test_the_console_asks_the_database_a_fixed_number_of_times(clock, db, client):
    client.force_login(StaffFactory())
    faq = FAQFactory()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    _window_under_way(30)
    IncidentFactory()
    _question(faq=faq)
    few = queries()
    for n in range(5):
        window = _window_under_way(30, slug=f"w-{n}")
        StatusUpdateFactory(maintenance=window)
        IncidentFactory()
        _question(faq=faq, username=f"c{n}")
    assert queries() == few


def _demo_window():
    from statuspage.models import MaintenanceWindow

    return MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")


def test_starting_a_window_sets_each_service_as_its_faq_says_and_completing_restores(demo, editor):
    from statuspage.models import Service

    window = _demo_window()
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"
    form = editor.get(url).text
    assert "No change (Operational) · starting: Degraded performance" in form  # the forums
    assert "No change (Operational) · starting: Under maintenance" in form

    started = editor.post(
        url, {"body": "Started.", "status": "in_progress", "publish": "on", "confirm_timing": "on"}
    )
    assert started.status_code == 302

    statuses = dict(Service.objects.values_list("name", "status"))
    assert statuses["Support forums"] == "degraded_performance"  # FAQ entry 1.5: degraded
    assert statuses["dotMailer API"] == "under_maintenance"
    assert statuses["Lead Vision"] == "operational"  # not the window's, and unaffected
    editor.post(
        url, {"body": "Done.", "status": "completed", "publish": "on", "confirm_timing": "on"}
    )
    assert set(Service.objects.values_list("status", flat=True)) == {"operational"}


def test_a_chosen_status_wins_over_the_faq_when_starting(demo, editor):
    from statuspage.models import Service

    window = _demo_window()
    forums = Service.objects.get(name="Support forums")
    editor.post(
        f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/",
        {
            "body": "Started.",
            "status": "in_progress",
            "publish": "on",
            "confirm_timing": "on",
            f"service_{forums.pk}": "operational",
        },
    )
    forums.refresh_from_db()
    assert forums.status == "operational"


def test_completing_after_the_planned_end_asks_first(editor, clock):
    window = _window_under_way(300, ends_in=-timedelta(hours=1))
    url = f"/admin/statuspage/maintenancewindow/{window.pk}/post-update/"

    refused = editor.post(url, {"body": "All done.", "status": "completed", "publish": "on"})

    assert refused.status_code == 200
    assert "The planned end" in refused.text
    assert "All done." in refused.text
    window.refresh_from_db()
    assert window.status == "in_progress"


def test_admin_lists_show_times_in_the_events_zone_and_utc(demo, editor):
    windows = editor.get("/admin/statuspage/maintenancewindow/").text
    # The demo's window is next Saturday, 11:00–15:00 UK time, whatever the UTC offset then.
    assert re.search(r"day \d+ \w+ \d{4}, 11:00–15:00 UK time \(\d\d:00–\d\d:00 UTC\)", windows)
    IncidentFactory(title="Slow sends", started_at=NOW - timedelta(hours=1))
    incidents = editor.get("/admin/statuspage/incident/").text
    assert "11:00 UTC" in incidents


def test_an_update_posted_this_minute_is_just_now(editor, clock):
    window = _window_under_way(0)
    StatusUpdateFactory(maintenance=window, display_at=NOW)

    page = editor.get("/admin/").text

    assert "Last update just now" in page
    assert "Running for under a minute" in page
