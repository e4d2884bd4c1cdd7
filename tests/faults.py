"""Faults the tests inject: the database refusing every connection.

How the database "goes down" here: every query asks its connection for a cursor,
which passes through ``BaseDatabaseWrapper.ensure_connection()``; that is where
Django connects, turning the driver's error into ``django.db.utils.OperationalError``.
``database_down()`` replaces it with one that raises the driver's own
``OperationalError`` through the same ``wrap_database_errors``, so every query, in
every thread, fails exactly as it does when the server refuses connections (the
same Django class, the driver's error as its cause). Closing the real connection
instead is not possible: the test database lives in memory and would be lost.
Undoing the patch is the server coming back; nothing is restarted or reset.
"""

from contextlib import contextmanager
from unittest import mock

from django.db.backends.base.base import BaseDatabaseWrapper


@contextmanager
def database_down():
    """Refuse every connection to the database; yields the list of refused attempts."""
    attempts = []

    def refuse(self):
        attempts.append(self.alias)
        with self.wrap_database_errors:
            raise self.Database.OperationalError("connection refused: is the server running?")

    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", refuse):
        yield attempts


@contextmanager
def redis_down():
    """Redis stops: the connections open are closed by the server (the cache's pool and the
    version listener's subscription) and every new one is refused, as by a stopped server,
    until the block ends. Needs the cache to be Redis (the PostgreSQL and Redis pass)."""
    import redis
    from django.conf import settings
    from redis.connection import Connection

    location = settings.CACHES["default"]["LOCATION"]
    with redis.Redis.from_url(location) as admin:
        admin.ping()  # connected before connections are refused

        def refuse(self):
            raise ConnectionRefusedError(111, "Connection refused")

        with mock.patch.object(Connection, "_connect", refuse):
            admin.client_kill_filter(_type="normal", skipme=True)
            admin.client_kill_filter(_type="pubsub", skipme=True)
            yield admin
