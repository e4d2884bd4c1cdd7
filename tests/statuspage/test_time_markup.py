"""Every ``<time>`` element carries a ``datetime`` HTML accepts: UTC to the second. Django's
``date:'c'`` gave microseconds (``2026-12-01T15:56:02.818031+00:00``), which it does not."""

import re

import pytest

from faq.models import FAQ, CommentStatus
from statuspage import services
from statuspage.models import MaintenanceWindow
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

SLUG = "dotmailer-database-upgrade"
VALID = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")


def test_every_time_element_has_a_datetime_html_accepts(demo, client):
    window = MaintenanceWindow.objects.get(slug=SLUG)
    services.update_post(event=window, author=None, body="Under way.")  # now: microseconds
    CommentFactory(faq=FAQ.objects.get(slug=SLUG), status=CommentStatus.VISIBLE)
    seen = []
    for path in ["/", f"/maintenance/{SLUG}/", f"/faq/{SLUG}/"]:
        page = client.get(path)
        assert page.status_code == 200, path
        values = re.findall(r'<time[^>]*\sdatetime="([^"]*)"', page.content.decode())
        assert values, path
        assert [v for v in values if not VALID.fullmatch(v)] == [], path
        seen += values
    assert len(seen) > 5
