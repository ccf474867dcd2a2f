"""Writes for platform objects (API keys)."""

from django.utils import timezone

from core.models import ApiKey


def api_key_create(*, user, name: str, expires_at=None) -> tuple[ApiKey, str]:
    """Create a key for ``user``; return (row, full key). The full key is never stored."""
    prefix, full = ApiKey.generate()
    key = ApiKey.objects.create(
        user=user, name=name, prefix=prefix, hashed_key=ApiKey.hash_secret(full), expires_at=expires_at
    )
    return key, full


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
    return key
