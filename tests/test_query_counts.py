"""Public pages run a fixed number of SQL queries, however much data there is."""

import pytest

from faq.models import FAQ
from statuspage.models import MaintenanceStatus
from tests.factories import (
    CommentFactory,
    FAQFactory,
    ImpactEntryFactory,
    MaintenanceWindowFactory,
    SectionFactory,
    ServiceFactory,
    ServiceGroupFactory,
    TeamMemberFactory,
)

HOME_QUERIES = 4  # services+groups; current windows+FAQs; their services; past windows
FAQ_QUERIES = 6  # FAQ+window; entries+services+sections; sections; window services; team; comments
FAQ_PATH = "/faq/dotmailer-database-upgrade/"


def _grow_tenfold() -> None:
    """Add nine times the demo's services, windows, entries, team and comments."""
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade")
    groups = ServiceGroupFactory.create_batch(9 * 4)
    services = [ServiceFactory(group=groups[i % len(groups)]) for i in range(9 * 8)]
    for i in range(9 * 2):
        window = MaintenanceWindowFactory(
            services=services[i : i + 5],
            status=MaintenanceStatus.SCHEDULED if i % 2 else MaintenanceStatus.COMPLETED,
        )
        FAQFactory(window=window)
    section = SectionFactory(faq=faq, number=90, position=90)
    for i in range(9 * 29):
        ImpactEntryFactory(section=section, number=i + 1, service=services[i % len(services)])
    faq.team.add(*TeamMemberFactory.create_batch(9 * 5))
    for _ in range(9 * 2):
        CommentFactory(faq=faq)


@pytest.mark.parametrize("grow", [False, True], ids=["demo size", "tenfold"])
def test_home_query_count_is_flat(demo, client, django_assert_num_queries, grow):
    if grow:
        _grow_tenfold()
    with django_assert_num_queries(HOME_QUERIES):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("grow", [False, True], ids=["demo size", "tenfold"])
def test_faq_page_query_count_is_flat(demo, client, django_assert_num_queries, grow):
    if grow:
        _grow_tenfold()
    with django_assert_num_queries(FAQ_QUERIES):
        response = client.get(FAQ_PATH)
    assert response.status_code == 200
    assert response.content.decode().count('class="impact impact--') == (290 if grow else 29)


@pytest.mark.parametrize("grow", [False, True], ids=["demo size", "tenfold"])
def test_service_and_maintenance_pages_query_counts_are_flat(
    demo, client, django_assert_num_queries, grow
):
    if grow:
        _grow_tenfold()
    with django_assert_num_queries(3):
        assert client.get("/services/dotmailer-api/").status_code == 200
    with django_assert_num_queries(2):
        assert client.get("/maintenance/dotmailer-database-upgrade/").status_code == 200
