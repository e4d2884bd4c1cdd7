"""The record the pages show: each day's figures kept once it is over (a row only for a
service that was not wholly operational), bars and 90-day uptime per service and per folded
group, the incidents and windows of each day, months; a back-dated change opens its days."""

from datetime import UTC, date, datetime, timedelta

import pytest

from statuspage import history
from statuspage.models import ChangeSource, ClosedDay, ServiceDay
from statuspage.services import service_status_set
from statuspage.tasks import uptime_close_days
from tests.factories import IncidentFactory, MaintenanceWindowFactory, ServiceFactory

NOW = datetime(2030, 6, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
FIRST = TODAY - timedelta(days=89)


def at(days_ago: int, hh: int, mm: int = 0) -> datetime:
    day = TODAY - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)


def change(service, moment, status):
    service_status_set(service=service, status=status, at=moment, source=ChangeSource.API)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api(db, clock):
    return ServiceFactory(name="API")


@pytest.fixture
def forums(db, clock):
    return ServiceFactory(name="Forums")


def test_a_day_once_over_is_kept_with_a_row_only_for_what_was_not_operational(api, forums):
    change(api, at(3, 10), "major_outage")
    change(api, at(3, 12), "operational")
    history.close_days(FIRST, TODAY)
    assert ClosedDay.objects.count() == 89  # every day but today, which is not over
    row = ServiceDay.objects.get()
    assert (row.service, row.day) == (api, TODAY - timedelta(days=3))
    assert row.minutes == {"operational": 1320, "major_outage": 120}


def test_the_strip_shows_each_day_and_the_90_day_uptime(api, forums, django_assert_num_queries):
    change(api, at(3, 10), "major_outage")  # 120 minutes: a lot
    change(api, at(3, 12), "operational")
    change(api, at(1, 9), "partial_outage")  # 20 minutes at 0.3: 6, a little
    change(api, at(1, 9, 20), "operational")
    history.close_days(FIRST, TODAY)
    # Closed days, kept rows, today's changes, incidents, windows: whatever the services.
    with django_assert_num_queries(5):
        strips = history.strips({api.pk: [api], forums.pk: [forums]}, FIRST, TODAY)
    bars = strips[api.pk].bars
    assert len(bars) == 90
    assert (bars[-4].day, bars[-4].downtime, bars[-4].level) == (at(3, 0).date(), 120, "some")
    assert (bars[-2].downtime, bars[-2].level) == (pytest.approx(6), "little")
    assert (bars[-1].counted, bars[-1].level) == (720, "up")  # today, half over
    counted = 89 * 1440 + 720
    assert strips[api.pk].uptime_percent == pytest.approx(100 * (1 - 126 / counted))
    assert strips[forums.pk].uptime_percent == 100


def test_a_folded_group_shows_each_day_its_worst_service(api, forums):
    change(api, at(5, 10), "major_outage")
    change(api, at(5, 10, 30), "operational")  # 30
    change(forums, at(5, 11), "major_outage")
    change(forums, at(5, 14), "operational")  # 180: the worst that day
    change(forums, at(2, 11), "partial_outage")
    change(forums, at(2, 12), "operational")  # 18
    group = history.strips({"g": [api, forums]}, FIRST, TODAY)["g"]
    assert [bar.downtime for bar in group.bars if bar.downtime] == [180, pytest.approx(18)]
    assert group.bars[-6].level == "much"
    counted = 89 * 1440 + 720
    assert group.uptime_percent == pytest.approx(100 * (1 - 198 / counted))  # forums'


def test_each_day_links_the_incidents_and_windows_of_its_services(
    api, forums, django_assert_num_queries
):
    incident = IncidentFactory(
        title="API down", services=[api], started_at=at(4, 23), resolved_at=at(3, 1)
    )
    MaintenanceWindowFactory(
        title="Forum upgrade",
        services=[forums],
        status="completed",
        scheduled_start=at(2, 10),
        scheduled_end=at(2, 12),
        started_at=at(2, 10),
        completed_at=at(2, 11),
    )
    history.close_days(FIRST, TODAY)
    more = {s.pk: [s] for s in ServiceFactory.create_batch(20)}
    with django_assert_num_queries(5):  # whatever the services and their events
        strips = history.strips({api.pk: [api], forums.pk: [forums], **more}, FIRST, TODAY)
    api_days = {bar.day: [e.title for e in bar.events] for bar in strips[api.pk].bars}
    assert api_days[at(4, 0).date()] == api_days[at(3, 0).date()] == ["API down"]
    assert api_days[at(2, 0).date()] == []
    forum_days = {bar.day: [e.kind for e in bar.events] for bar in strips[forums.pk].bars}
    assert forum_days[at(2, 0).date()] == ["Maintenance"]
    assert strips[api.pk].bars[-5].events[0].url == incident.get_absolute_url()


def test_a_change_dated_in_a_kept_day_opens_it_and_the_days_since(api):
    history.close_days(FIRST, TODAY)
    assert ClosedDay.objects.filter(day__gte=at(5, 0).date()).count() == 5
    change(api, at(5, 8), "major_outage")  # written after the days were kept
    change(api, at(5, 9), "operational")
    assert not ClosedDay.objects.filter(day__gte=at(5, 0).date()).exists()
    strip = history.strips({api.pk: [api]}, FIRST, TODAY)[api.pk]
    assert strip.bars[-6].downtime == 60


def test_months_say_uptime_downtime_and_incidents_newest_first(api):
    change(api, datetime(2030, 5, 31, 23, 0, tzinfo=UTC), "major_outage")
    change(api, datetime(2030, 6, 1, 2, 0, tzinfo=UTC), "operational")
    IncidentFactory(services=[api], started_at=datetime(2030, 5, 31, 23, 0, tzinfo=UTC))
    months = history.by_month([api])[api.pk]
    assert len(months) == 12
    june, may = months[0], months[1]
    assert (june["start"], june["downtime"], june["incidents"]) == (date(2030, 6, 1), 120, 0)
    assert june["uptime_percent"] == pytest.approx(100 * (1 - 120 / (9 * 1440 + 720)))
    assert (may["start"], may["downtime"], may["incidents"]) == (date(2030, 5, 1), 60, 1)
    assert months[-1]["start"] == date(2029, 7, 1)


def test_the_hourly_task_keeps_the_days_just_over(api, settings):
    assert settings.CELERY_BEAT_SCHEDULE["uptime-close-days"]["schedule"] == 3600.0
    change(api, at(1, 10), "major_outage")
    change(api, at(1, 11), "operational")
    uptime_close_days.delay()
    # Back to the oldest month a service page shows, July 2029; today is not over.
    assert ClosedDay.objects.count() == (TODAY - date(2029, 7, 1)).days
    assert ServiceDay.objects.get().day == at(1, 0).date()
