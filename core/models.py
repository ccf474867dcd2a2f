import hashlib
import secrets
import uuid

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from core.permissions import CATALOGUE


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


class Access(models.Model):
    """Not a table: the anchor of the product's permissions (catalogue in core.permissions)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(CATALOGUE.items())
        verbose_name = "access permission"

    def __str__(self) -> str:
        return "access"


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    CHANGE = "change", "Changed"
    CREATE = "create", "Created"
    DELETE = "delete", "Deleted"
    TRAIN = "train", "Started training"
    PROMOTE = "promote", "Promoted"
    PUBLISH = "publish", "Published"
    FORECAST = "forecast", "Started forecast run"
    SYNC = "sync", "Started sync"
    TOOL_CALL = "tool_call", "Assistant tool call"
    SUBJECT_EXPORT = "subject_export", "Data-subject export"
    ERASE = "erase", "Data-subject erasure"


class AuditEvent(models.Model):
    """One entry of the append-only audit log (HR-only; written in the caller's transaction).

    ``subjects`` holds the business keys (employee_id / candidate_id) of the people the entry is about,
    so "everything about this person" is one indexed lookup and an erasure can scrub them. Row-level
    before/after history of records lives in the pghistory event tables (see core.audit).
    UPDATE and DELETE are refused by a database trigger; only a data-subject erasure bypasses it.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Username at the time.")
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=40, blank=True, db_index=True)
    object_id = models.CharField(max_length=100, blank=True)
    subjects = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    via = models.CharField(max_length=20, blank=True, help_text="page, api, assistant, admin, command, task")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [GinIndex(fields=["subjects"], name="auditevent_subjects_gin")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.object_type} {self.object_id}"
