"""Django's Redis cache, made to degrade instead of fail (``CACHES`` backend).

Everything the product caches can be worked out again (list counts, warehouse metadata, the assistant's
answers to repeated questions), so an outage of Redis must cost speed, not pages: with the stock backend a
refused connection raised out of ``cache.get`` and the technician list answered 500 while Redis restarted.
Here a read that cannot reach Redis is a miss, a write is dropped, and each failure is logged. After one,
Redis is not asked again for ``RETRY_AFTER`` seconds in this process, so a Redis that hangs costs one
socket timeout per process and window, not one per cache call.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

RETRY_AFTER = 5.0


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # per process (class attribute: every alias and instance shares the outage)

    def _guard(self, name: str, fallback, *args, **kwargs):
        if time.monotonic() < ResilientRedisCache._down_until:
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            ResilientRedisCache._down_until = time.monotonic() + RETRY_AFTER
            log.warning("cache unavailable (%s: %s); working without it for %.0f s", type(exc).__name__, exc,
                        RETRY_AFTER)  # fmt: skip
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", list(data), data, timeout, version)  # the keys that were not set

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def clear(self):
        return self._guard("clear", False)
