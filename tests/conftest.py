import io

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tests.factories import StaffFactory


@pytest.fixture
def demo(db):
    """The seed FAQ loaded as `make run` loads it."""
    call_command("load_demo", stdout=io.StringIO())


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
    # Rate-limit counters and the content version must not leak between tests.
    cache.clear()
    yield
    cache.clear()
