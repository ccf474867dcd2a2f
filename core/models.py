import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ApiKey(TimeStamped):
    """A key for the REST API, tied to a user and carrying that user's permissions.

    Only a SHA-256 of the secret is stored; the full key is shown once when created.
    The key looks like ``ta_<prefix>_<secret>``; the prefix is stored in clear so a key can be
    found by an index lookup and recognised in the admin without revealing it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What this key is for, e.g. 'BI nightly pull'.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} (ta_{self.prefix}_…)"

    @staticmethod
    def hash_secret(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @staticmethod
    def generate() -> tuple[str, str]:
        """Return (prefix, full_key)."""
        prefix = secrets.token_hex(4)
        return prefix, f"ta_{prefix}_{secrets.token_urlsafe(32)}"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
