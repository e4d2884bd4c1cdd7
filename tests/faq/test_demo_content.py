"""The demo content holds the whole seed FAQ, as structured data, loaded idempotently."""

import html
import io
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from faq.models import FAQ, Comment, ImpactEntry, Section, TeamMember
from statuspage.models import MaintenanceStatus, MaintenanceWindow, Service

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
        for model in (Service, MaintenanceWindow, FAQ, Section, ImpactEntry, TeamMember, Comment)
    ]


def test_loading_twice_creates_nothing_twice(demo):
    before = _counts()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == before == [8, 2, 2, 22, 58, 5, 4]


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
    assert _counts() == [8, 2, 2, 22, 58, 5, 4]
