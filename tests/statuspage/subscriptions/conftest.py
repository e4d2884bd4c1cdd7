"""What the subscription tests share: one fixed moment, held for every test, and the service
most of them subscribe to."""

from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import ServiceFactory

NOW = datetime(2030, 5, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api(db):
    return ServiceFactory(name="dotMailer API")
