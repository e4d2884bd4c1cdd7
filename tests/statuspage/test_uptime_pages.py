"""The record on the pages, through HTTP: each service's 90 bars and uptime on `/` (a
folded group's, its worst service's), each bar's words in the page for readers without
JavaScript, the service page's months, and `/uptime/` for an SLA report."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from statuspage.models import ChangeSource
from statuspage.selectors import HOME_SERVICES_LISTED
from statuspage.services import service_status_set
from tests.factories import IncidentFactory, ServiceFactory, ServiceGroupFactory

NOW = datetime(2030, 6, 10, 12, 0, tzinfo=UTC)


def at(days_ago: int, hh: int, mm: int = 0) -> datetime:
    return NOW.replace(hour=hh, minute=mm) - timedelta(days=days_ago)


def down(service, start: datetime, minutes: int, status: str = "major_outage") -> None:
    for moment, to in ((start, status), (start + timedelta(minutes=minutes), "operational")):
        service_status_set(service=service, status=to, at=moment, source=ChangeSource.API)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def _strip(page: str, name: str) -> str:
    """The bars of the row named ``name``."""
    match = re.search(rf'aria-label="{re.escape(name)}, day by day \(UTC\)">(.*?)</ol>', page)
    assert match, f"no bars for {name}"
    return match.group(1)


def test_each_service_on_the_home_page_has_its_90_days(db, client):
    api = ServiceFactory(name="API")
    ServiceFactory(name="Forums")
    down(api, at(3, 10), 120)
    incident = IncidentFactory(
        title="API unavailable", services=[api], started_at=at(3, 10), resolved_at=at(3, 12)
    )
    page = client.get("/").content.decode()
    bars = _strip(page, "API")
    assert bars.count("<li ") == 90
    assert (bars.count('class="much"'), bars.count('class="some"')) == (0, 1)
    # The day's words, in the page as they are: date, downtime, the day's incident, linked.
    assert (
        '<li class="some" tabindex="0"><span><b>Fri 7 Jun 2030</b> <i aria-hidden="true"></i>'
        "120 minutes of downtime"
        f'<span>Incident: <a href="{incident.get_absolute_url()}">API unavailable</a></span>'
    ) in bars
    assert '<li class="up" tabindex="-1"><span><b>Mon 10 Jun 2030</b>' in bars
    counted = 89 * 1440 + 720
    percent = round(100 * (1 - 120 / counted), 2)
    assert f"{percent}% uptime over 90 days" in page
    assert _strip(page, "Forums").count('class="up"') == 90
    assert "100% uptime over 90 days" in page
    assert "Each bar is a UTC day of the last 90." in page


def test_a_folded_group_shows_its_worst_service_each_day(db, client):
    group = ServiceGroupFactory(name="Mail")
    services = ServiceFactory.create_batch(HOME_SERVICES_LISTED + 1, group=group)
    down(services[0], at(5, 10), 30)
    down(services[1], at(5, 11), 300, status="partial_outage")  # 90 minutes of downtime
    page = client.get("/").content.decode()
    bars = _strip(page, "Mail")
    assert bars.count("<li ") == 90
    assert "90 minutes of downtime" in bars
    assert "30 minutes" not in bars
    assert f'aria-label="{services[0].name}, day by day' not in page  # one row, not 31
    # Unfolded: each of the group's services with its own bars.
    assert f'href="/services/?group={group.pk}">Each of its 31 services, with their bars' in page
    unfolded = client.get(f"/services/?group={group.pk}").content.decode()
    assert "120 minutes of downtime" not in unfolded
    assert "30 minutes of downtime" in _strip(unfolded, services[0].name)
    assert "90 minutes of downtime" in _strip(unfolded, services[1].name)
    assert client.get("/services/?group=9999").status_code == 404


def test_the_service_page_shows_its_bars_and_its_months(db, client):
    api = ServiceFactory(name="API", slug="api")
    down(api, datetime(2030, 5, 31, 23, 0, tzinfo=UTC), 120)  # an hour in May, an hour in June
    IncidentFactory(services=[api], started_at=datetime(2030, 5, 31, 23, 0, tzinfo=UTC))
    page = client.get("/services/api/").content.decode()
    assert _strip(page, "API").count("60 minutes of downtime") == 2
    rows = re.findall(r'<tr><th scope="row">(\w+ \d+)</th><td>([^<]*)</td><td>([^<]*)</td>', page)
    assert len(rows) == 12
    june, may = rows[0], rows[1]
    assert june == ("Jun 2030", f"{round(100 * (1 - 60 / (9 * 1440 + 720)), 2)}%", "60 min")
    assert may == ("May 2030", f"{round(100 * (1 - 60 / (31 * 1440)), 2)}%", "60 min")
    assert "30% of every minute in partial outage" in page
    assert "planned maintenance announced in advance count as up" in page


def test_downtime_older_than_the_bars_is_in_the_months_only(db, client):
    api = ServiceFactory(name="API", slug="api")
    down(api, at(100, 10), 45)  # 1 March 2030: before the 90 days, within the 12 months
    page = client.get("/services/api/").content.decode()
    assert "minutes of downtime" not in _strip(page, "API")
    assert '<tr><th scope="row">Mar 2030</th>' in page
    assert "<td>45 min</td>" in page


def test_the_uptime_page_lists_every_service_by_month(db, client):
    api, forums = ServiceFactory(name="API"), ServiceFactory(name="Forums")
    down(api, at(40, 10), 60)
    response = client.get("/uptime/")
    assert response.status_code == 200
    page = response.content.decode()
    assert re.findall(r"<th scope=\"col\">(\w+ \d+)</th>", page)[:2] == ["Jun 2030", "May 2030"]
    assert f'<a href="{api.get_absolute_url()}">API</a>' in page
    assert f'<a href="{forums.get_absolute_url()}">Forums</a>' in page
    may = round(100 * (1 - 60 / (31 * 1440)), 2)
    assert f'{may}%<span class="uptime-table__down">60 min down</span>' in page
