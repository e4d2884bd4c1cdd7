"""Readers cannot flood the caches: a page reads only the parameters it declares, so made-up
ones add no renders and no entries; over-long query strings get 414; last good copies are
one per public page and age out; rate-limit counters are not in the cache at all.

These tests commit (``transaction=True``), as a page rendered inside an open transaction
is never cached.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client, TestCase

from faq import views as faq_views
from faq.models import Profile
from statuspage import views
from statuspage.caching import kept
from tests.factories import UserFactory
from tests.faults import database_down
from tests.wsgi import WSGIClient

pytestmark = pytest.mark.django_db(transaction=True)

HOME = "/"
FAQ = "/faq/dotmailer-database-upgrade/"
NOTICE = "live updates will resume shortly"


@pytest.fixture
def site(demo):
    now = datetime.now(UTC).replace(second=20, microsecond=0)
    with time_machine.travel(now, tick=False) as traveller:
        yield traveller


def _counting(monkeypatch, module, name: str) -> list:
    renders = []
    original = getattr(module.selectors, name)

    def counted(*args, **kwargs):
        renders.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(module.selectors, name, counted)
    return renders


def _kept_copies() -> list[str]:
    """The cache's last good copies, whichever backend holds them (local memory or Redis)."""
    store = cache._cache
    if isinstance(store, dict):
        keys = list(store)
    else:
        keys = [key.decode() for key in store.get_client().scan_iter("*last-good*")]
    return [key for key in keys if "last-good" in key]


def test_made_up_parameters_render_nothing_more_and_are_not_copied_into_the_page(site, monkeypatch):
    renders = _counting(monkeypatch, views, "home_page")
    plain = WSGIClient().get(HOME)
    junk = "j" * 1500
    answers = [WSGIClient().get(f"{HOME}?utm_source={i}&x{i}={junk}") for i in range(200)]
    assert len(renders) == 1
    assert {answer.content for answer in answers} == {plain.content}
    assert all(len(answer.content) < len(plain.content) + 10 for answer in answers)


def test_a_page_keeps_the_parameters_it_reads_and_drops_the_rest(site, monkeypatch):
    renders = _counting(monkeypatch, faq_views, "faq_page")
    first = WSGIClient().get(f"{FAQ}?q=links&service=dotmailer-application&junk=1")
    again = WSGIClient().get(f"{FAQ}?q=first&service=dotmailer-application&other=2&q=links")
    assert len(renders) == 1
    assert renders[0]["words"] == "links"
    assert again.content == first.content
    page = first.content.decode()
    assert "junk" not in page
    assert "next=/faq/dotmailer-database-upgrade/%3Fservice%3Ddotmailer-application" in page


@pytest.mark.parametrize(
    ("level", "service", "comments"),
    [("<script>", "<script>", "0"), ("high", "a/b", "-1"), ("", "x" * 101, "99999999")],
)
def test_values_a_page_cannot_use_are_dropped_before_it_renders(
    site, monkeypatch, level, service, comments
):
    renders = _counting(monkeypatch, faq_views, "faq_page")
    WSGIClient().get(FAQ)
    page = WSGIClient().get(FAQ, {"level": level, "service": service, "comments": comments})
    assert page.status_code == 200
    assert len(renders) == 1  # the same page as without them


@pytest.mark.parametrize(
    "path",
    [HOME, FAQ, "/history/", "/subscribe/", "/accounts/login/", "/admin/", "/no-such-page/"],
)
def test_query_strings_longer_than_2000_characters_get_414_everywhere(site, path):
    WSGIClient().get(path)
    WSGIClient().get(path)  # kept in memory: the long address still never gets it
    response = WSGIClient().get(f"{path}?q={'a' * 2000}")
    assert response.status_code == 414
    body = response.content.decode()
    assert "That address is too long" in body
    assert "aaaaaaaaaa" not in body
    assert len(body) < 20_000
    assert WSGIClient().get(f"{path}?q={'a' * 1990}").status_code != 414


def test_the_api_answers_its_own_414_in_json(site):
    response = WSGIClient().get(f"/api/v2/summary.json?{'a' * 2001}")
    assert response.status_code == 414
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "longer than 2000" in response.json()["error"]


def test_a_flood_of_addresses_stays_within_the_bound_and_keeps_the_pages_read_most(
    site, monkeypatch
):
    # A few dozen pages: "/" with its 90 days of bars is some 95 kB, the flood's 18 kB each.
    monkeypatch.setattr(kept.ANSWERS, "limit", 1_000_000)
    renders = _counting(monkeypatch, views, "home_page")
    for _ in range(2):
        WSGIClient().get(HOME)  # read again: protected
    for i in range(120):  # 120 filtered FAQ pages, each a page of its own, read once
        assert WSGIClient().get(FAQ, {"q": f"flood {i}"}).status_code == 200
        assert kept.ANSWERS.size <= 1_000_000
    assert len(kept.ANSWERS) < 60
    WSGIClient().get(HOME)
    assert len(renders) == 1  # the page readers keep reading was never pushed out


def test_last_good_copies_are_one_per_page_whatever_the_query(site):
    WSGIClient().get(FAQ)
    before = len(_kept_copies())
    for i in range(60):
        WSGIClient().get(FAQ, {"q": f"word{i}"})
        WSGIClient().get(HOME, {"made-up": i})
    assert len(_kept_copies()) == before + 1  # "/" once; the FAQ already had its copy

    with database_down():
        filtered = WSGIClient().get(FAQ, {"q": "never asked for"})
    assert filtered.status_code == 200
    assert NOTICE in filtered.content.decode()
    assert "Tracked links show a maintenance error" in filtered.content.decode()  # the page's copy


@pytest.mark.parametrize(("days", "status"), [(6, 200), (8, 503)])
def test_last_good_copies_are_served_for_a_week_at_most(site, days, status, settings):
    assert settings.LAST_GOOD_COPY_DAYS == 7
    WSGIClient().get(FAQ)
    site.shift(timedelta(days=days))
    with database_down():
        assert WSGIClient().get(FAQ).status_code == status


def _customer() -> Client:
    user = UserFactory(username="pat@example.com", date_joined=datetime(2020, 1, 1, tzinfo=UTC))
    Profile.objects.create(user=user, name="Pat")
    browser = Client()
    browser.force_login(user)
    return browser


def test_a_commenter_past_the_limit_stays_refused_whatever_the_cache_holds(site, settings):
    settings.COMMENT_RATE_LIMITS = "3/minute"
    browser = _customer()

    def post(text):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return browser.post(f"{FAQ}comments/", {"body": text})

    assert [post(f"Question {i}").status_code for i in range(3)] == [302, 302, 302]
    assert post("One more").status_code == 429
    cache.clear()  # what a flood of readers does to a full cache: evicts what it holds
    refused = post("And again")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    site.shift(timedelta(seconds=61))
    assert post("A minute later").status_code == 302


def _redis():
    store = cache._cache
    return None if isinstance(store, dict) else store.get_client(write=True)


@pytest.mark.skipif(
    "RedisCache" not in settings.CACHES["default"]["BACKEND"],
    reason="what Redis holds (the PostgreSQL and Redis pass)",
)
def test_redis_holds_the_version_and_last_good_copies_nothing_more(site):
    redis = _redis()
    assert redis.config_get("maxmemory-policy")["maxmemory-policy"] == "volatile-ttl"
    assert int(redis.config_get("maxmemory")["maxmemory"]) > 0
    for i in range(50):
        assert WSGIClient().get(FAQ, {"q": f"flood {i}"}).status_code == 200
    for path in [HOME, FAQ, "/api/v2/summary.json"]:
        WSGIClient().get(path)
    keys = [key.decode() for key in redis.scan_iter("*")]
    assert len(_kept_copies()) == 3
    assert {key for key in keys if "last-good" not in key} == {":1:public-content-version"}
    assert redis.ttl(":1:public-content-version") == -1  # never evicted (volatile-ttl)
