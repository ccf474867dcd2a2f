"""Throttling of failed API-key attempts, per client IP and per key prefix, in Redis (shared by every worker).

Guessing keys is made slow and visible: each failed attempt increments two fixed-window counters
(``API_KEY_FAILURE_WINDOW`` seconds): one for the client's IP and one for the key prefix it named. Once
either reaches its limit, every request presenting a key from that IP / with that prefix answers 429 with
``Retry-After`` (the seconds left in the window) *before* the key is checked, so even a correct guess is
refused until the window ends. Unknown and real prefixes are counted alike (a 429 reveals nothing about
which prefixes exist). Login forms are protected separately by django-axes (see settings ``AXES_*``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

log = logging.getLogger(__name__)
_PREFIX = "ta:authfail:"


class Throttled(Exception):
    """Too many failed key attempts; ``retry_after`` seconds until the window ends."""

    def __init__(self, retry_after: int, scope: str):
        super().__init__(f"Too many failed API-key attempts from this {scope}; retry in {retry_after} s.")
        self.retry_after = max(1, int(retry_after))
        self.scope = scope


@dataclass(frozen=True)
class _Bucket:
    key: str
    limit: int
    scope: str


@lru_cache(maxsize=1)
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def client_ip(request) -> str:
    """REMOTE_ADDR (the proxy in front must set it from X-Forwarded-For, e.g. uvicorn --proxy-headers)."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def _buckets(ip: str, prefix: str | None) -> list[_Bucket]:
    out = [_Bucket(f"{_PREFIX}ip:{ip}", settings.API_KEY_FAILURES_PER_IP, "address")]
    if prefix:
        out.append(_Bucket(f"{_PREFIX}prefix:{prefix[:16]}", settings.API_KEY_FAILURES_PER_PREFIX, "key prefix"))
    return out


def check(*, ip: str, prefix: str | None) -> None:
    """Raise Throttled when this IP or key prefix has used up its failures in the current window."""
    try:
        r = _redis()
        buckets = _buckets(ip, prefix)
        counts = r.mget([b.key for b in buckets])
        for b, count in zip(buckets, counts, strict=True):
            if count is not None and int(count) >= b.limit:
                ttl = r.ttl(b.key)
                raise Throttled(ttl if ttl and ttl > 0 else settings.API_KEY_FAILURE_WINDOW, b.scope)
    except redis.RedisError:  # fail open: an outage of the counter must not take the API down
        log.warning("auth throttle unavailable (Redis)", exc_info=True)


def record_failure(*, ip: str, prefix: str | None) -> None:
    """Count one failed key attempt for the IP and the prefix (window starts at the first failure)."""
    try:
        pipe = _redis().pipeline()
        for b in _buckets(ip, prefix):
            pipe.set(b.key, 0, ex=settings.API_KEY_FAILURE_WINDOW, nx=True)  # the window opens at the first failure
            pipe.incr(b.key)
        pipe.execute()
    except redis.RedisError:
        log.warning("auth throttle unavailable (Redis)", exc_info=True)


def reset(*, ip: str | None = None, prefix: str | None = None) -> None:
    """Clear counters (admin / tests)."""
    keys = []
    if ip:
        keys.append(f"{_PREFIX}ip:{ip}")
    if prefix:
        keys.append(f"{_PREFIX}prefix:{prefix[:16]}")
    if keys:
        _redis().delete(*keys)
