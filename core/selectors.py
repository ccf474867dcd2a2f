"""Reads for platform objects."""

import hmac
from datetime import timedelta

from django.utils import timezone

from core.models import ApiKey

# last_used_at is written at most once a minute per key so a busy client does not turn reads into writes.
_TOUCH_EVERY = timedelta(minutes=1)


# Compared against when the prefix is unknown, so a wrong secret on a real prefix and an unknown prefix do the
# same work (one indexed lookup, one hash, one constant-time comparison): prefixes cannot be enumerated by timing.
_DUMMY_HASH = ApiKey.hash_secret("ta_00000000_" + "x" * 43)


def api_key_prefix(raw_key: str) -> str | None:
    """The prefix part of a ``ta_<prefix>_<secret>`` key, or None when the key is not shaped like one."""
    if not raw_key or not raw_key.startswith("ta_") or raw_key.count("_") < 2 or "\x00" in raw_key:
        return None
    prefix = raw_key.split("_", 2)[1]
    return prefix if 0 < len(prefix) <= 12 else None


def api_key_authenticate(*, raw_key: str):
    """Return the key's active user, or None. Same work whether or not the prefix exists (see _DUMMY_HASH)."""
    prefix = api_key_prefix(raw_key)
    if prefix is None:
        return None
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    matches = hmac.compare_digest(key.hashed_key if key else _DUMMY_HASH, ApiKey.hash_secret(raw_key))
    if key is None or not matches or not key.is_active or not key.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user
