"""The risk worklist: who looks after each flagged technician, where it stands, who watches whom, who was
enrolled in which retention program — and the append-only history of those actions.

Scores are not copied here: the list is the active model's latest scores (predictions.selectors) joined to
these rows, so a rescoring never leaves the worklist stale.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import TimeStamped


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    ACTION_AGREED = "action_agreed", "Action agreed"
    CLOSED = "closed", "Closed"


# sort order of the status column (the workflow's order, not the alphabet)
STATUS_ORDER = {s: i for i, s in enumerate(CaseStatus.values)}


class Case(TimeStamped):
    """One technician's place on the worklist: an owner, a status and the latest note. A technician without a
    row is implicitly ``new`` with no owner (every scored technician is on the list)."""

    technician = models.OneToOneField("technicians.Technician", on_delete=models.CASCADE, related_name="worklist_case")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="worklist_cases"
    )
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW, db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "status"], name="worklist_case_owner_status")]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.status}"


class Watch(TimeStamped):
    """A manager's watchlist entry (one per user and technician)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    technician = models.ForeignKey("technicians.Technician", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "technician"], name="worklist_watch_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.technician_id}"


class Enrolment(TimeStamped):
    """A technician enrolled in a retention program (once per program: a repeated enrolment is a no-op)."""

    technician = models.ForeignKey("technicians.Technician", on_delete=models.CASCADE, related_name="enrolments")
    program = models.ForeignKey("predictions.RetentionProgram", on_delete=models.PROTECT, related_name="enrolments")
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    enrolled_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["technician", "program"], name="worklist_enrolment_unique")]

    def __str__(self) -> str:
        return f"{self.technician_id} in {self.program_id}"


class ActionKind(models.TextChoices):
    STATUS = "status", "Status changed"
    OWNER = "owner", "Owner changed"
    NOTE = "note", "Note"
    ENROL = "enrol", "Enrolled in program"
    WATCH = "watch", "Added to watchlist"
    UNWATCH = "unwatch", "Removed from watchlist"


class CaseAction(models.Model):
    """One entry of a technician's worklist history, written in the same transaction as the change.

    Kept apart from the pghistory tables on purpose: those are HR-only row diffs, while this is the
    working record the recruiters and managers who act on the list read on the technician's page."""

    technician = models.ForeignKey("technicians.Technician", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=10, choices=ActionKind.choices)
    from_value = models.CharField(max_length=150, blank=True)
    to_value = models.CharField(max_length=150, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["technician", "-at"], name="worklist_action_tech_at")]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.kind} {self.at:%Y-%m-%d}"
