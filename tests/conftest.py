import io
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import core as hypothesis_core
from hypothesis.vendor import pretty

from statuspage.caching.kept import ANSWERS, forget_good_copies
from statuspage.caching.pages import forget_database_failure
from tests.factories import StaffFactory
from tests.smtp_relay import Relay

# Property-based tests (hypothesis, schemathesis). "ci", the default, is small and the same on
# every run, so `make test` stays fast and a failure replays; HYPOTHESIS_PROFILE=deep explores
# more, with fresh examples each run. Tests that share the database between examples say "never
# a 500" or "always escaped", which hold whatever earlier examples left, so the health check
# against function-scoped fixtures (the database, the client) is off.
_SHARED_FIXTURES = [HealthCheck.function_scoped_fixture]
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SHARED_FIXTURES,
)
settings.register_profile(
    "deep",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[*_SHARED_FIXTURES, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# schemathesis's pytest plugin, on import, swaps hypothesis's printer of failing examples for
# one that prints nothing (it saves time on very large API schemas): put hypothesis's own back,
# so that a failing example anywhere in the suite shows its input.
hypothesis_core.RepresentationPrinter = pretty.RepresentationPrinter


# What a test needs of the database, if anything.
_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (`make test`'s second pass), only the tests that use the database: the
    others (text, times, settings read in a subprocess, the task names) cannot tell the two
    databases apart, and the first pass ran them already."""
    from django.conf import settings as django_settings

    if "postgresql" not in django_settings.DATABASES["default"]["ENGINE"]:
        return
    without = [item for item in items if not _uses_the_database(item)]
    if without:
        config.hook.pytest_deselected(items=without)
        items[:] = [item for item in items if _uses_the_database(item)]


def _uses_the_database(item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & _DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


@pytest.fixture
def demo(db):
    """The seed FAQ loaded as `make run` loads it."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def smtp_relay(settings):
    """Send Django's mail to a real SMTP relay on 127.0.0.1 whose answers the test scripts.

    Opt-in: most tests read django.core.mail.outbox; these take smtplib's real path, replies
    and errors included. See tests/smtp_relay.py.
    """
    relay = Relay()
    relay.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", relay.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10  # a relay that hangs fails the test instead of stalling it
    yield relay
    relay.stop()


@pytest.fixture
def staff_client(db, client):
    client.force_login(StaffFactory(username="editor"))
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher takes a third of a second per user on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    # Kept answers, last good copies, the content version and a database failure must not
    # leak between tests.
    _forget_kept()
    yield
    _forget_kept()


def _forget_kept() -> None:
    cache.clear()
    ANSWERS.clear()
    forget_good_copies()
    forget_database_failure()


@pytest.fixture
def connection_kept_open():
    """Keep the test's database connection (and its transaction) across requests, as
    Django's test Client does: the WSGI handler that schemathesis calls closes it after
    each request, as it should in a real server."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)
