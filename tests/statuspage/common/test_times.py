"""Window times read in the customer's zone with UTC beside it."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from statuspage.common.times import describe_window, utc_time

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("start", "end", "zone", "label", "expected"),
    [
        (
            datetime(2013, 10, 26, 10, tzinfo=UTC),
            datetime(2013, 10, 26, 14, tzinfo=UTC),
            LONDON,
            "UK time",
            "Saturday 26 October 2013, 11:00–15:00 UK time (10:00–14:00 UTC)",
        ),
        (
            datetime(2026, 12, 5, 11, tzinfo=UTC),
            datetime(2026, 12, 5, 15, tzinfo=UTC),
            LONDON,
            "",
            "Saturday 5 December 2026, 11:00–15:00 GMT (11:00–15:00 UTC)",
        ),
        (
            datetime(2026, 12, 5, 23, tzinfo=UTC),
            datetime(2026, 12, 6, 2, tzinfo=UTC),
            ZoneInfo("Asia/Tokyo"),
            "",
            "Sunday 6 December 2026, 08:00–11:00 JST (Sat 5 Dec 23:00 – Sun 6 Dec 02:00 UTC)",
        ),
        (
            datetime(2026, 12, 5, 3, tzinfo=UTC),
            datetime(2026, 12, 5, 7, tzinfo=UTC),
            UTC,
            "",
            "Saturday 5 December 2026, 03:00–07:00 UTC",
        ),
        (
            # The night the clocks go back: 00:30 BST to 01:30 GMT is two hours.
            datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            LONDON,
            "UK time",
            "Sunday 25 October 2026, 00:30–01:30 UK time (Sat 24 Oct 23:30 – Sun 25 Oct 01:30 UTC)",
        ),
    ],
)
def test_describe_window(start, end, zone, label, expected):
    assert describe_window(start, end, zone, label) == expected


def test_a_moment_for_staff_is_shown_in_utc_and_says_so():
    moment = datetime(2013, 10, 26, 11, 5, tzinfo=LONDON)  # British Summer Time
    assert utc_time(moment) == "Sat 26 Oct 2013, 10:05 UTC"
