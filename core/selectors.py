"""Reads for platform objects."""

import hmac
from datetime import timedelta

from django.utils import timezone

from core.models import ApiKey

# last_used_at is written at most once a minute per key so a busy client does not turn reads into writes.
_TOUCH_EVERY = timedelta(minutes=1)


def api_key_authenticate(*, raw_key: str):
    """Return the key's active user, or None. Constant-time comparison of the stored hash."""
    if not raw_key or not raw_key.startswith("ta_") or raw_key.count("_") < 2 or "\x00" in raw_key:
        return None
    prefix = raw_key.split("_", 2)[1]
    key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
    if key is None or not key.is_active or not key.user.is_active:
        return None
    if not hmac.compare_digest(key.hashed_key, ApiKey.hash_secret(raw_key)):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user
