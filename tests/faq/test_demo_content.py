"""The demo content holds the whole seed FAQ, as structured data, loaded idempotently."""

import html
import io
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from faq.models import FAQ, Comment, ImpactEntry, Section, TeamMember
from statuspage import uptime
from statuspage.models import (
    ChangeSource,
    Incident,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceStatus,
    StatusChange,
    StatusUpdate,
)
from statuspage.outbox.models import Message
from statuspage.services import service_status_set
from statuspage.subscriptions.models import Subscriber, Webhook

SEED = Path(__file__).parent.parent / "fixtures" / "dotmailer-maintenance-faq-2013.txt"
SEED_FAQ = "/faq/dotmailer-database-upgrade-2013/"

# Zendesk furniture and image file names in the copied page, not FAQ content.
NOT_CONTENT = re.compile(
    r"^(Avatar|Comments|Powered by Zendesk|Have more questions\? Submit a request|\S+\.(png|jpg))$",
    re.IGNORECASE,
)


def _normalise(text: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = re.sub(r"[•\s]+", " ", text)
    return text.replace(" - ", " – ").strip()


def _seed_paragraphs() -> list[str]:
    lines = [line.strip(" •\t") for line in SEED.read_text().splitlines()]
    return [line for line in lines if line and not NOT_CONTENT.match(line)]


def _entries(section: int):
    return ImpactEntry.objects.filter(
        faq__slug="dotmailer-database-upgrade-2013", section__number=section
    )


def test_seed_has_every_service_entry_of_section_1(demo):
    entries = _entries(1).select_related("service")
    assert [e.label for e in entries] == [f"1.{n}" for n in range(1, 9)]
    assert [e.service.name for e in entries] == [
        "dotMailer application",
        "dotMailer API",
        "dotSurvey",
        "Lead Vision",
        "Support forums",
        "Facebook application",
        "dotCommerce",
        "dotEditor",
    ]
    levels = {e.label: e.level for e in entries}
    assert levels["1.2"] == "unavailable"
    assert levels["1.4"] == "unaffected"
    assert levels["1.5"] == "degraded"


def test_seed_has_all_17_contact_and_campaign_entries_with_levels_and_advice(demo):
    entries = {e.label: e for e in _entries(2)}
    assert list(entries) == [f"2.{n}" for n in range(1, 18)]
    assert all(e.level and e.summary and e.details for e in entries.values())
    links = entries["2.2"]
    assert links.subject == "Links in emails"
    assert links.level == "unavailable"
    assert "untracked links still work" in links.summary
    assert "remove tracking" in links.advice
    assert entries["2.11"].subject == "Scheduled sends"
    assert entries["2.11"].level == "delayed"
    assert entries["2.11"].afterwards == "Sent shortly after the system comes back online."
    assert entries["2.17"].afterwards == "Resynchronise without any data loss."
    assert entries["2.10"].afterwards.startswith("Opt-outs take effect")
    assert entries["2.13"].level == "not_processed"


def test_seed_reporting_effects_are_entries_of_section_3(demo):
    entries = {e.subject: e.level for e in _entries(3)}
    assert entries == {
        "Email opens": "not_recorded",
        "Clicks in emails": "not_recorded",
        "Site and ROI tracking data": "not_recorded",
        "Bounce data": "unaffected",
    }


def test_seed_sections_team_and_exchange(demo):
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade-2013")
    assert [s.number for s in faq.sections.all() if s.number] == list(range(1, 9))
    assert faq.sections.get(number=5).heading == "You’ve said four hours, do you really mean it?"
    assert [(m.name, m.role) for m in faq.team.all()] == [
        ("John Adkins", "Head of Product Development"),
        ("Vic Girling", "Development Operations DBA"),
        ("Alex Webber", "Development Lead"),
        ("Andrew Gretton", "Development Lead"),
        ("Ben Ricketts", "Development Lead"),
    ]
    question, reply = faq.comments.order_by("created_at")
    assert (question.author_name, question.author_organisation) == ("Michael", "Spektrix")
    assert not question.is_official
    assert (reply.author_name, reply.parent, reply.is_official) == ("Stoo", question, True)
    assert reply.author.is_staff


def test_every_paragraph_of_the_seed_appears_on_its_faq_page(demo, client):
    page = _normalise(client.get(SEED_FAQ).content.decode())
    missing = []
    for paragraph in map(_normalise, _seed_paragraphs()):
        numbered = re.match(r"^(\d+\.\d+)\. (.+)$", paragraph)
        team = re.match(r"^.+?\.(?:png|jpg|PNG)(.+) — (.+)$", paragraph)
        if numbered:
            wanted = [numbered[1], numbered[2]]
        elif team:
            wanted = [team[1].strip(), team[2].strip()]
        else:
            wanted = [paragraph]
        missing += [text for text in wanted if text not in page]
    assert missing == []


def test_original_window_is_completed_and_a_copy_is_scheduled_ahead(demo):
    original = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade-2013")
    assert original.status == MaintenanceStatus.COMPLETED
    assert original.scheduled_start == datetime(2013, 10, 26, 10, tzinfo=UTC)
    assert original.scheduled_end == datetime(2013, 10, 26, 14, tzinfo=UTC)
    assert (original.time_zone, original.hashtag) == ("Europe/London", "#dMmaint")
    copy = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    assert copy.status == MaintenanceStatus.SCHEDULED
    days_ahead = (copy.scheduled_start - datetime.now(UTC)).days
    assert 3 <= days_ahead <= 10
    assert copy.faq.impact_entries.count() == original.faq.impact_entries.count() == 29


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 12, 2, 12, 0, tzinfo=UTC),  # a Wednesday afternoon: not this Saturday
        datetime(2026, 12, 2, 10, 59, tzinfo=UTC),  # a Wednesday morning: this Saturday
        datetime(2026, 12, 5, 11, 30, tzinfo=UTC),  # a Saturday, after 11:00
        datetime(2027, 3, 24, 12, 0, tzinfo=UTC),  # the clocks change before the Saturday
    ],
)
def test_the_copy_is_a_saturday_at_11_london_time_at_least_three_days_ahead(db, now):
    with time_machine.travel(now, tick=False):
        call_command("load_demo", stdout=io.StringIO())
    start = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade").scheduled_start
    assert now + timedelta(days=3) <= start <= now + timedelta(days=10)
    local = start.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert (local.weekday(), local.hour, local.minute) == (5, 11, 0)


def _counts():
    return [
        model.objects.count()
        for model in (
            Service,
            MaintenanceWindow,
            FAQ,
            Section,
            ImpactEntry,
            TeamMember,
            Comment,
            Incident,
            StatusUpdate,
            StatusChange,
        )
    ]


def test_loading_twice_creates_nothing_twice(demo):
    before = _counts()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == before == [8, 2, 2, 22, 58, 5, 4, 6, 23, 17]


@pytest.mark.django_db
def test_the_copy_moves_ahead_once_its_date_has_passed():
    with time_machine.travel(datetime(2026, 11, 28, 12, tzinfo=UTC)):
        call_command("load_demo", stdout=io.StringIO())
    first = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade").scheduled_start
    assert first == datetime(2026, 12, 5, 11, tzinfo=UTC)  # 11:00 GMT is 11:00 UTC
    with time_machine.travel(datetime(2027, 6, 1, 12, tzinfo=UTC)):
        call_command("load_demo", stdout=io.StringIO())
    moved = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    assert moved.scheduled_start == datetime(2027, 6, 5, 10, tzinfo=UTC)  # 11:00 BST
    assert "Saturday 5 June 2027" in moved.faq.sections.get(position=1).body
    assert "(10:00 – 14:00 UTC)" in moved.faq.sections.get(position=1).body
    assert _counts() == [8, 2, 2, 22, 58, 5, 4, 6, 23, 17]


# --- the past 90 days ---------------------------------------------------------------------------


def test_past_incidents_of_the_last_90_days_are_published_and_resolved(demo):
    now = datetime.now(UTC)
    incidents = list(Incident.objects.past().prefetch_related("services", "updates"))
    assert len(incidents) == Incident.objects.count() == 6
    assert all(now - timedelta(days=90) < i.started_at < now - timedelta(days=7) for i in incidents)
    assert len({i.impact for i in incidents}) >= 3
    assert len({s.name for i in incidents for s in i.services.all()}) >= 4
    for incident in incidents:
        updates = sorted(incident.updates.all(), key=lambda u: u.display_at)
        assert 2 <= len(updates) <= 4
        assert updates[0].status == IncidentStatus.INVESTIGATING
        assert updates[-1].status == IncidentStatus.RESOLVED
        assert all(u.published_at == u.display_at for u in updates)
        assert incident.started_at < incident.published_at == updates[0].published_at
        assert incident.resolved_at == updates[-1].published_at


def test_the_bars_show_downtime_and_every_service_is_operational_now(demo):
    services = list(Service.objects.all())
    today = datetime.now(UTC).date()
    days = uptime.days(services, today - timedelta(days=89), today)
    down = {s.name for s in services if any(day.downtime > 0 for day in days[s.pk])}
    assert len(down) >= 3
    assert {s.status for s in services} == {ServiceStatus.OPERATIONAL}
    # The API: two hours out, then 44 minutes of the outage across midnight UTC, on two days.
    api = Service.objects.get(name="dotMailer API")
    downtimes = [round(day.downtime) for day in days[api.pk] if day.downtime]
    assert sum(downtimes) == 120 + 44
    assert len(downtimes) == 3


def test_the_history_is_written_at_the_times_of_the_updates_that_made_it(demo):
    changes = StatusChange.objects.select_related("update")
    assert changes.exists()
    for change in changes:
        assert change.source == ChangeSource.UPDATE
        assert change.at == change.update.published_at
        assert change.update.service_changes.filter(
            service=change.service_id, old_status=change.old_status, new_status=change.new_status
        ).exists()


@pytest.mark.django_db
def test_loading_the_demo_tells_nobody_about_its_past_incidents():
    Subscriber.objects.create(email="ann@example.com", confirmed_at=datetime.now(UTC))
    Webhook.objects.create(
        url="https://hooks.example.com/",
        email="ops@example.com",
        secret="s",
        confirmed_at=datetime.now(UTC),
    )
    call_command("load_demo", stdout=io.StringIO())
    assert StatusUpdate.objects.exists()
    assert not Message.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_service_changed_since_the_first_incident_keeps_its_own_history(client):
    """A site in use before the demo: its history is refused nothing and rewritten nowhere."""
    api = Service.objects.create(name="dotMailer API", slug="dotmailer-api")
    for status, hour in [(ServiceStatus.DEGRADED_PERFORMANCE, 8), (ServiceStatus.OPERATIONAL, 9)]:
        at = datetime(2026, 11, 30, hour, tzinfo=UTC)
        service_status_set(service=api, status=status, at=at, source=ChangeSource.ADMIN)
    forums = Service.objects.create(
        name="Support forums", slug="support-forums", status=ServiceStatus.PARTIAL_OUTAGE
    )
    with time_machine.travel(datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False):
        call_command("load_demo", stdout=io.StringIO())
    assert Incident.objects.count() == 6
    assert api.history.count() == 2
    assert not forums.history.exists()
    forums.refresh_from_db()
    assert forums.status == ServiceStatus.PARTIAL_OUTAGE
    assert Service.objects.get(name="dotMailer application").history.count() == 4
    page = client.get("/incidents/dotmailer-api-unavailable/").content.decode()
    assert "Tue 22 Sep 2026, 14:47 UK time (13:47 UTC)" in _normalise(page)
