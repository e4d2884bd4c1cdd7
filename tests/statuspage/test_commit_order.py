"""Two updates published at the same moment are dated in the order they commit: the order
of the page, the feeds and X's thread (the outbox's rows), whoever read the clock first."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from statuspage import services
from statuspage.models import MaintenanceWindowQuerySet, StatusUpdate
from tests.factories import MaintenanceWindowFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks: writers wait for the whole database instead",
    ),
]
LOCK = MaintenanceWindowQuerySet.select_for_update


def _slow_for_the_first(self, *args, **kwargs):
    """The first update is held up just before it takes the event, as a busy worker is."""
    if threading.current_thread().name == "first":
        time.sleep(0.5)
    return LOCK(self, *args, **kwargs)


def test_updates_are_dated_in_the_order_they_commit():
    window = MaintenanceWindowFactory(hashtag="")

    def post(body: str) -> None:
        services.update_post(event=window, author=None, body=body)
        connection.close()

    first = threading.Thread(target=post, args=["Asked first."], name="first")
    second = threading.Thread(target=post, args=["Asked second, done first."], name="second")
    with mock.patch.object(MaintenanceWindowQuerySet, "select_for_update", _slow_for_the_first):
        first.start()
        time.sleep(0.1)
        second.start()
        first.join(), second.join()

    by_date = [u.body for u in StatusUpdate.objects.order_by("display_at")]
    by_row = [u.body for u in StatusUpdate.objects.order_by("pk")]
    assert by_date == by_row == ["Asked second, done first.", "Asked first."]
