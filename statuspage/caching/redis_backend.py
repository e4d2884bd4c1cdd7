"""Django's Redis cache backend, with one Redis client per connection pool.

Django's ``RedisCacheClient`` makes a new ``redis.Redis`` for every cache call, and
redis-py 5 and later fill a table of some 170 response callbacks each time one is
made: about 90 µs, as long as the round trip to Redis itself. A ``redis.Redis`` is
safe to share (each command borrows a connection from the pool), so this backend
makes one per pool and keeps it, and lends it out for publishing and subscribing.
Everything else is Django's.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients

    def redis_client(self):
        """The redis-py client, for what Django's cache does not do (publish, subscribe)."""
        return self._cache.get_client(write=True)
