"""Service history and uptime: every status change is one row, written in order by the
services layer; uptime comes from the minutes in each status, with figures worked out by
hand here (major outage counts whole, partial outage 0.3, degraded and maintenance not)."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from statuspage import uptime
from statuspage.models import ChangeSource, StatusChange
from statuspage.services import service_status_set, update_post
from tests.factories import IncidentFactory, ServiceFactory, StaffFactory

D1, D2, D3 = date(2030, 3, 1), date(2030, 3, 2), date(2030, 3, 3)
END_OF_D3 = datetime(2030, 3, 4, tzinfo=UTC)


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=UTC)


def history(service, *changes) -> None:
    for moment, status in changes:
        service_status_set(service=service, status=status, at=moment, source=ChangeSource.API)


def figures(service, first=D1, last=D3, now=END_OF_D3):
    return uptime.days([service], first, last, now=now)[service.pk]


@pytest.fixture
def service(db):
    return ServiceFactory(name="API")


def test_an_outage_across_midnight_counts_on_both_days(service):
    history(service, (at(D1, 23), "major_outage"), (at(D2, 1, 30), "operational"))
    d1, d2, d3 = figures(service)
    assert (d1.downtime, d2.downtime, d3.downtime) == (60, 90, 0)
    assert d1.uptime_percent == pytest.approx(100 * (1 - 60 / 1440))  # 95.833…
    assert d2.uptime_percent == pytest.approx(100 * (1 - 90 / 1440))  # 93.75
    assert d3.uptime_percent == 100
    assert d1.minutes == {"operational": 1380, "major_outage": 60}
    whole = uptime.total([d1, d2, d3])
    assert whole.downtime == 150
    assert whole.uptime_percent == pytest.approx(100 * (1 - 150 / 4320))


def test_partial_outage_counts_three_tenths_and_maintenance_and_degraded_count_as_up(service):
    history(
        service,
        (at(D1, 10), "partial_outage"),  # 100 minutes: 30 minutes down
        (at(D1, 11, 40), "operational"),
        (at(D2, 10), "under_maintenance"),  # 4 hours, announced: up
        (at(D2, 14), "degraded_performance"),  # 2 hours: up
        (at(D2, 16), "operational"),
    )
    d1, d2, _d3 = figures(service)
    assert d1.downtime == pytest.approx(30)
    assert (d2.downtime, d2.uptime_percent) == (0, 100)
    assert d2.minutes["under_maintenance"] == 240


def test_the_partial_weight_is_a_setting(service, settings):
    settings.UPTIME_PARTIAL_WEIGHT = 0.5
    history(service, (at(D1, 10), "partial_outage"), (at(D1, 11, 40), "operational"))
    assert figures(service)[0].downtime == 50


def test_changes_that_follow_each_other_closely_each_count_their_own_minutes(service):
    history(
        service,
        (at(D1, 10), "major_outage"),  # 20 minutes whole
        (at(D1, 10, 20), "partial_outage"),  # 40 minutes at 0.3: 12
        (at(D1, 11), "degraded_performance"),
        (at(D1, 11), "major_outage"),  # at the same second: no time in degraded
        (at(D1, 11, 10), "operational"),  # 10 more minutes whole
    )
    d1 = figures(service)[0]
    assert d1.downtime == pytest.approx(20 + 12 + 10)
    assert d1.minutes.get("degraded_performance", 0) == 0


def test_a_change_at_one_second_to_midnight_and_one_at_midnight_fall_on_their_own_days(service):
    history(service, (at(D1, 23, 59, 59), "major_outage"), (at(D2, 0, 0, 0), "operational"))
    d1, d2, _d3 = figures(service)
    assert d1.downtime == pytest.approx(1 / 60)  # one second
    assert d2.downtime == 0


def test_days_are_utc_days_whatever_the_clocks_do_in_london(service):
    # 31 March 2030: the UK's clocks go forward at 01:00 UTC. UTC days are 1440 minutes.
    spring = date(2030, 3, 31)
    history(service, (at(spring, 0, 30), "major_outage"), (at(spring, 1, 30), "operational"))
    day = figures(service, spring, spring, now=datetime(2030, 4, 1, tzinfo=UTC))[0]
    assert (day.counted, day.downtime) == (1440, 60)


def test_today_counts_until_now_and_the_future_not_at_all(service):
    history(service, (at(D2, 6), "major_outage"))
    d1, d2, d3 = figures(service, now=at(D2, 12))
    assert d1.uptime_percent == 100
    assert (d2.counted, d2.downtime) == (720, 360)  # half the minutes so far were down
    assert (d3.uptime_percent, d3.counted) == (None, 0)


def test_before_the_first_change_the_status_is_the_one_it_moved_from(service):
    history(service, (at(D2, 12), "major_outage"))  # was operational until then
    d1, d2, d3 = figures(service)
    assert d1.minutes == {"operational": 1440}
    assert d2.downtime == 720
    assert d3.downtime == 1440  # still down: the status now


def test_months_add_up_their_days(service):
    history(service, (at(date(2030, 2, 28), 23), "major_outage"), (at(D1, 1), "operational"))
    periods = figures(service, date(2030, 2, 27), D1, now=at(D2, 0))
    february, march = uptime.months(periods)
    assert (february.start, february.downtime, february.counted) == (date(2030, 2, 1), 60, 2880)
    assert (march.start, march.downtime, march.counted) == (D1, 60, 1440)


# --- the history as the services layer writes it ----------------------------------------------


def test_a_change_dated_before_the_last_one_is_refused_and_nothing_changes(service):
    history(service, (at(D2, 12), "major_outage"))
    with pytest.raises(ValidationError, match="cannot be dated before it"):
        history(service, (at(D2, 11), "operational"))
    service.refresh_from_db()
    assert service.status == "major_outage"
    assert StatusChange.objects.count() == 1


def test_an_unknown_status_is_refused(service):
    with pytest.raises(ValidationError, match="not a service status"):
        history(service, (at(D1, 1), "on_fire"))
    assert not StatusChange.objects.exists()


def test_an_update_writes_the_history_with_its_source_and_author(service):
    author = StaffFactory()
    incident = IncidentFactory(services=[service])
    update = update_post(
        event=incident,
        author=author,
        body="The API is down.",
        service_statuses={service: "major_outage"},
    )
    change = StatusChange.objects.get()
    assert (change.old_status, change.new_status) == ("operational", "major_outage")
    assert (change.source, change.update, change.actor) == ("update", update, author)
    assert change.at == update.published_at


def test_the_admin_writes_a_status_change_into_the_history(db, client, service):
    staff = StaffFactory()
    client.force_login(staff)
    url = f"/admin/statuspage/service/{service.pk}/change/"
    data = {
        "name": service.name,
        "slug": service.slug,
        "description": "",
        "position": 0,
        "status": "partial_outage",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.new_status, change.source, change.actor) == ("partial_outage", "admin", staff)
    # The history is read only, even for a superuser.
    assert client.get(f"/admin/statuspage/statuschange/{change.pk}/change/").status_code == 200
    response = client.post(f"/admin/statuspage/statuschange/{change.pk}/change/", {})
    assert response.status_code == 403
    assert client.get("/admin/statuspage/statuschange/add/").status_code == 403
