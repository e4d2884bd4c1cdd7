"""The static mirror: the whole public site as plain files whose links work."""

import io
import json
import re
from pathlib import Path

import icalendar
import pytest
from django.core.management import call_command
from django.test import TestCase

from statuspage import services
from statuspage.models import MaintenanceWindow

# Addresses that only the live site can answer: forms, accounts, the admin.
DYNAMIC = ("/admin/", "/accounts/", "/subscribe/", "/markdownx/", "/subscriptions/")


def _export(target: Path) -> str:
    out = io.StringIO()
    call_command("export_static", str(target), stdout=out)
    return out.getvalue()


def _resolve(root: Path, href: str) -> Path:
    path = href.split("#")[0].split("?")[0]
    return root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))


def test_export_writes_pages_api_feeds_calendar_and_assets(demo, tmp_path):
    target = tmp_path / "mirror"
    assert "Wrote" in _export(target)
    home = (target / "index.html").read_text()
    assert "All systems operational" in home
    faq = (target / "faq/dotmailer-database-upgrade-2013/index.html").read_text()
    assert "Tracked links show a maintenance error" in faq
    summary = json.loads((target / "api/v2/summary.json").read_text())
    assert summary["page"]["name"] == "dotMailer status"
    calendar = icalendar.Calendar.from_ical((target / "maintenance.ics").read_bytes())
    assert len(calendar.walk("VEVENT")) >= 1
    assert (target / "history.atom").read_text().startswith("<?xml")
    assert (target / "static/css/site.css").is_file()


def test_every_link_in_the_mirror_leads_to_a_file(demo, tmp_path):
    target = tmp_path / "mirror"
    _export(target)
    broken = []
    for page in target.rglob("*.html"):
        for href in re.findall(r'(?:href|src)="(/[^"]*)"', page.read_text()):
            if href.startswith(DYNAMIC) or href.split("#")[0].split("?")[0] in {"", "/"}:
                continue
            if not _resolve(target, href).is_file():
                broken.append((str(page.relative_to(target)), href))
    assert broken == []


def test_drafts_stay_out_of_the_mirror(demo, tmp_path):
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    services.update_post(event=window, author=None, body="SECRET DRAFT", publish=False)
    target = tmp_path / "mirror"
    _export(target)
    for file in target.rglob("*"):
        if file.is_file() and file.suffix in {".html", ".json", ".atom", ".rss", ".ics"}:
            assert "SECRET DRAFT" not in file.read_text(), file


def test_a_configured_mirror_is_refreshed_after_a_publish(demo, tmp_path, settings):
    settings.STATIC_MIRROR_DIR = str(tmp_path / "mirror")
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.update_post(event=window, author=None, body="Copying the data now.")
    page = (tmp_path / "mirror/maintenance/dotmailer-database-upgrade/index.html").read_text()
    assert "Copying the data now." in page


def test_one_save_of_many_rows_refreshes_the_mirror_once(demo, tmp_path, settings, monkeypatch):
    from statuspage.publishing import tasks

    settings.STATIC_MIRROR_DIR = str(tmp_path / "mirror")
    exports = []
    monkeypatch.setattr(tasks.mirror, "export", lambda target: exports.append(target) or [])
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    with TestCase.captureOnCommitCallbacks(execute=True):
        # Starting a window writes the window, an update and five service changes.
        services.maintenance_transition(window=window, to="in_progress", author=None)
    assert len(exports) == 1


@pytest.mark.django_db(transaction=True)
def test_every_update_in_a_row_reaches_the_mirror(demo, tmp_path, settings):
    """Each publish commits on its own, as in production; the mirror shows every one (it
    once stopped refreshing after a web process's first transaction)."""
    settings.STATIC_MIRROR_DIR = str(tmp_path / "mirror")
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    page = tmp_path / "mirror/maintenance/dotmailer-database-upgrade/index.html"
    for number in range(1, 7):
        services.update_post(event=window, author=None, body=f"Progress note number {number}.")
        assert f"Progress note number {number}." in page.read_text(), number
