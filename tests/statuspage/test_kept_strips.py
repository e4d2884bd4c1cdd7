"""`/`'s bars as kept drawn (statuspage/strips.py), through HTTP: read in one query once
drawn, the same as drawn afresh, brought up to the minute without drawing again, and drawn
afresh after any committed change they read and on a new UTC day."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from statuspage.models import KeptStrip
from statuspage.services import service_status_set
from statuspage.tasks import uptime_close_days
from tests.factories import IncidentFactory, ServiceFactory
from tests.statuspage.test_uptime_pages import _strip

NOW = datetime(2030, 6, 10, 12, 0, tzinfo=UTC)
HISTORY_TABLES = ["statuschange", "serviceday", "closedday", "incident_services"]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def api(db, clock):
    return ServiceFactory(name="API")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write as committed: what it asks to be done once it commits, done."""

    def run(write) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            write()

    return run


def _home(client) -> str:
    cache.clear()  # a cold render: the page is not kept, the bars are
    return client.get("/").content.decode()


def _kept_home(client) -> str:
    """`/`, asserting that its bars are read as kept: one query, and no history."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()
    read = [query["sql"] for query in queries.captured_queries]
    assert sum("statuspage_keptstrip" in sql for sql in read) == 1
    assert not [sql for sql in read if any(f"statuspage_{t}" in sql for t in HISTORY_TABLES)]
    return page


def _set(service, status: str, at: datetime):
    return lambda: service_status_set(service=service, status=status, at=at, source="api")


def test_kept_bars_are_the_bars_drawn_afresh_and_read_in_one_query(api, client, commit):
    commit(_set(api, "partial_outage", NOW - timedelta(days=3)))
    drawn = _home(client)
    assert KeptStrip.objects.filter(key=f"service:{api.pk}").count() == 1
    assert _kept_home(client) == drawn
    KeptStrip.objects.all().delete()
    assert _home(client) == drawn


def test_today_s_downtime_grows_without_drawing_again(api, client, clock, commit):
    commit(_set(api, "major_outage", NOW - timedelta(hours=1)))
    assert "60 minutes of downtime" in _strip(_home(client), "API")
    clock.move_to(NOW + timedelta(minutes=30), tick=False)
    page = _kept_home(client)
    assert "90 minutes of downtime" in _strip(page, "API")
    counted = 89 * 1440 + 750
    assert f"{round(100 * (1 - 90 / counted), 2)}% uptime over 90 days" in page


@pytest.mark.parametrize("change", ["status", "new incident", "title"])
def test_a_committed_change_the_bars_read_draws_them_again(change, api, client, clock, commit):
    made = []
    commit(lambda: made.append(IncidentFactory(
        title="API slow", services=[api], started_at=NOW - timedelta(days=2, hours=1),
        resolved_at=NOW - timedelta(days=2),
    )))  # fmt: skip
    incident = made[0]
    assert "API slow" in _strip(_home(client), "API")

    def retitle() -> None:
        incident.title = "API very slow"
        incident.save()

    writes = {
        "status": _set(api, "major_outage", NOW),
        "new incident": lambda: IncidentFactory(title="API down", services=[api], started_at=NOW),
        "title": retitle,
    }
    commit(writes[change])
    clock.move_to(NOW + timedelta(minutes=10), tick=False)
    after = _strip(_home(client), "API")
    expected = {
        "status": "10 minutes of downtime",
        "new incident": "API down",
        "title": "API very slow",
    }
    assert expected[change] in after


def test_an_uncommitted_change_leaves_them_as_kept(api, client, clock):
    _home(client)
    service_status_set(service=api, status="major_outage", at=NOW, source="api")
    clock.move_to(NOW + timedelta(minutes=10), tick=False)
    assert "minutes of downtime" not in _strip(_kept_home(client), "API")  # until it commits


def test_a_new_utc_day_draws_the_bars_again(api, client, clock, commit):
    commit(_set(api, "major_outage", NOW))
    _home(client)
    clock.move_to(NOW.replace(hour=23, minute=59), tick=False)
    today = _strip(_kept_home(client), "API")
    assert "719 minutes of downtime" in today  # 12:00 to 23:59, to the minute
    clock.move_to(NOW + timedelta(days=1, hours=-11), tick=False)  # 01:00 the next day
    tomorrow = _strip(_home(client), "API")
    assert tomorrow.count("<li ") == 90
    assert '<b>Mon 10 Jun 2030</b> <i aria-hidden="true"></i>720 minutes of downtime' in tomorrow
    assert '<b>Tue 11 Jun 2030</b> <i aria-hidden="true"></i>60 minutes of downtime' in tomorrow


def test_the_hourly_task_forgets_the_rows_drawn_before_today(api, client, clock):
    _home(client)
    other = ServiceFactory(name="Forums")
    _home(client)  # drawn again with Forums: still today's
    clock.move_to(NOW + timedelta(days=1), tick=False)
    uptime_close_days()
    assert not KeptStrip.objects.exists()
    _home(client)
    assert set(KeptStrip.objects.values_list("key", flat=True)) == {
        f"service:{api.pk}",
        f"service:{other.pk}",
    }
