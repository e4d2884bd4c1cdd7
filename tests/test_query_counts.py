"""Public pages run a fixed number of SQL queries, however much data there is."""

import pytest
from django.core.cache import cache

from faq.models import FAQ
from statuspage import services
from statuspage.models import MaintenanceStatus, MaintenanceWindow
from statuspage.tasks import uptime_close_days
from tests.factories import (
    CommentFactory,
    FAQFactory,
    ImpactEntryFactory,
    IncidentFactory,
    MaintenanceWindowFactory,
    SectionFactory,
    ServiceFactory,
    ServiceGroupFactory,
    TeamMemberFactory,
    add_published_updates,
)

# The daily bars (statuspage/strips.py): the rows kept drawn. A row is drawn afresh when its
# history changes, on a new day and in another language, and that render reads more: the
# history's stamp; days kept; the kept days; today's changes; today's history (a window is
# under way); the days' incidents with their services; the days' windows with their
# services; the rows written (and folded, every service's state)
BARS_QUERIES = 1
DRAWING_QUERIES = 8
# service statuses counted per group; the services listed; incidents; their services;
# their updates; windows+FAQs; their services; their updates; their services' worst impact
# levels; past windows+FAQs; the bars
HOME_QUERIES = 10 + BARS_QUERIES
# the same, less past windows
HOME_FRAGMENT_QUERIES = 9 + BARS_QUERIES
# FAQ+window; entries+services+sections; sections; window services; team; comment counts;
# a page of top-level comments; their replies
FAQ_QUERIES = 8
# window+FAQ; its services+groups; count of updates; a page of updates; their service changes
EVENT_QUERIES = 5
FAQ_PATH = "/faq/dotmailer-database-upgrade/"
EVENT_PATH = "/maintenance/dotmailer-database-upgrade/"


def _grow_tenfold() -> None:
    """Add nine times the demo's services, windows, entries, team and comments."""
    faq = FAQ.objects.get(slug="dotmailer-database-upgrade")
    groups = ServiceGroupFactory.create_batch(9 * 4)
    services_ = [ServiceFactory(group=groups[i % len(groups)]) for i in range(9 * 8)]
    for i in range(9 * 2):
        window = MaintenanceWindowFactory(
            services=services_[i : i + 5],
            status=MaintenanceStatus.SCHEDULED if i % 2 else MaintenanceStatus.COMPLETED,
        )
        FAQFactory(window=window)
    section = SectionFactory(faq=faq, number=90, position=90)
    for i in range(9 * 29):
        ImpactEntryFactory(section=section, number=i + 1, service=services_[i % len(services_)])
    faq.team.add(*TeamMemberFactory.create_batch(9 * 5))
    for _ in range(9 * 2):
        CommentFactory(faq=faq)


def _add_updates(count: int) -> None:
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    incident = IncidentFactory(services=list(window.services.all()))
    add_published_updates(window=window, incident=incident, count=count)


@pytest.fixture(params=["10 updates", "tenfold data, 1000 updates"])
def site(request, demo):
    window = MaintenanceWindow.objects.get(slug="dotmailer-database-upgrade")
    services.maintenance_transition(window=window, to=MaintenanceStatus.IN_PROGRESS, author=None)
    if request.param == "10 updates":
        _add_updates(9)
    else:
        _grow_tenfold()
        _add_updates(999)
    uptime_close_days()
    return 1 if request.param == "10 updates" else 10


def test_home_query_count_is_flat(site, client, django_assert_num_queries):
    # Beyond 30 services the groups fold, and drawing their bars reads every service's state.
    folded = int(site > 1)
    with django_assert_num_queries(HOME_QUERIES + DRAWING_QUERIES + folded):
        assert client.get("/").status_code == 200  # the bars drawn and kept
    cache.clear()
    with django_assert_num_queries(HOME_QUERIES):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(HOME_FRAGMENT_QUERIES):
        assert client.get("/timeline/").status_code == 200


def test_faq_page_query_count_is_flat(site, client, django_assert_num_queries):
    with django_assert_num_queries(FAQ_QUERIES):
        response = client.get(FAQ_PATH)
    assert response.status_code == 200
    assert response.content.decode().count('class="impact impact--') == 29 * site


def test_event_page_query_count_is_flat(site, client, django_assert_num_queries):
    with django_assert_num_queries(EVENT_QUERIES):
        response = client.get(EVENT_PATH)
    assert response.status_code == 200
    with django_assert_num_queries(EVENT_QUERIES):
        assert client.get(f"{EVENT_PATH}timeline/").status_code == 200


def test_services_page_query_count_is_flat(site, client, django_assert_num_queries):
    # service statuses counted per group; every service
    with django_assert_num_queries(2):
        response = client.get("/services/")
    assert response.content.decode().count('class="service"') == 8 * site


def test_service_page_query_count_is_flat(site, client, django_assert_num_queries):
    # service+group; its coming windows+FAQs; their entries for it; its incidents; its
    # past windows+FAQs; its bars and months (days kept; the kept days; today's changes;
    # today's history; the days' incidents; the days' windows); its incidents by month
    with django_assert_num_queries(5 + 6 + 1):
        assert client.get("/services/dotmailer-api/").status_code == 200
