"""In-app notifications, each user's alert preferences, and the record of daily digests sent.

A notification is unique per (user, dedupe_key): the key names the event and the scoring it came from
(``high_risk:<model>:<as_of>:<employee_id>``), so a re-run or re-delivered scan inserts nothing twice — the
database, not the code, guarantees it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from core.models import TimeStamped


class AlertKind(models.TextChoices):
    HIGH_RISK = "high_risk", "Moved into high risk"
    RISK_RISE = "risk_rise", "Risk rose sharply"
    STAGE_PASSED = "stage_passed", "Candidate passed a stage"
    DRIFT = "drift", "Model drift"
    SYSTEM = "system", "Other notices"


def all_kinds() -> list[str]:
    return list(AlertKind.values)


class Notification(models.Model):
    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    district = models.CharField(max_length=30, blank=True, help_text="District code the alert is about, if any.")
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When a daily digest included it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notification_once_per_user")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["user"], name="notification_user_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.text[:40]}"


class AlertPreference(TimeStamped):
    """What one user wants to hear about. No row = every kind, every district, with the daily email."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference")
    kinds = ArrayField(models.CharField(max_length=20, choices=AlertKind.choices), default=all_kinds, blank=True)
    districts = ArrayField(models.CharField(max_length=30), default=list, blank=True,
                           help_text="District codes; empty = every district.")  # fmt: skip
    email_digest = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"alert preferences of {self.user_id}"


class DigestSent(models.Model):
    """One daily digest per user and day (claimed before sending, so a re-delivered task never mails twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    notifications = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_user_day")]

    def __str__(self) -> str:
        return f"digest for {self.user_id} on {self.day}"
