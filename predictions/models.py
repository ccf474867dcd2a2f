"""Model registry, stored scores and retention programs.

A ``TrainedModel`` row is one training run; it becomes usable (``ready``) only when its artifact
is on disk with a recorded SHA-256, and at most one version per type is ``active`` (a partial
unique constraint, so the database — not the code — guarantees it).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models

from core.models import TimeStamped


class ModelType(models.TextChoices):
    RETENTION = "retention", "Retention risk"
    QUALITY_OF_HIRE = "quality_of_hire", "Quality of hire"


class Algorithm(models.TextChoices):
    EBM = "ebm", "Explainable Boosting Machine"
    TREE = "tree", "Shallow decision tree"


class ModelStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class TrainedModel(TimeStamped):
    """One training run of one model type. ``run_id`` makes re-delivered tasks idempotent."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    model_type = models.CharField(max_length=20, choices=ModelType.choices)
    algorithm = models.CharField(max_length=10, choices=Algorithm.choices, default=Algorithm.EBM)
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=ModelStatus.choices, default=ModelStatus.QUEUED)
    stage = models.CharField(max_length=60, blank=True, default="queued")
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100")
    error = models.TextField(blank=True)
    window_start = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    features = models.JSONField(default=list, blank=True)
    terms = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    importances = models.JSONField(default=dict, blank=True)
    shapes = models.JSONField(default=list, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["model_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["model_type", "version"], name="trainedmodel_unique_type_version"),
            models.UniqueConstraint(
                fields=["model_type"],
                condition=models.Q(status="active"),
                name="trainedmodel_one_active_per_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_model_type_display()} v{self.version} ({self.algorithm}, {self.status})"

    @property
    def label(self) -> str:
        return f"{self.model_type} v{self.version}"

    @property
    def is_running(self) -> bool:
        return self.status in (ModelStatus.QUEUED, ModelStatus.TRAINING)

    @property
    def artifact_file(self) -> Path:
        """Where the artifact lives: MODEL_STORE/{model_type}/{version}/model.sav."""
        return Path(settings.MODEL_STORE) / self.model_type / str(self.version) / "model.sav"

    @property
    def importance_list(self) -> list[tuple[str, float]]:
        # jsonb does not keep key order, so the ranking is re-sorted on every read
        return sorted((self.importances or {}).items(), key=lambda kv: -kv[1])

    @property
    def ws_group(self) -> str:
        # the Channels group that receives this run's progress events
        return f"model_run_{self.id.hex}"


class Prediction(models.Model):
    """One stored score: a technician's retention risk or a candidate's quality of hire.

    ``contributions`` and ``values`` are lists aligned with the model's ``terms`` and ``features``;
    ``intercept + sum(contributions) == logit`` exactly.
    """

    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="predictions")
    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.CASCADE, null=True, blank=True, related_name="predictions"
    )
    candidate = models.ForeignKey(
        "technicians.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="predictions"
    )
    as_of = models.DateField()
    score = models.FloatField(help_text="Probability 0..1 (leave within horizon / still employed at 90 days).")
    band = models.CharField(max_length=6)
    logit = models.FloatField()
    intercept = models.FloatField()
    contributions = models.JSONField(default=list)
    values = models.JSONField(default=list)
    top_contributions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score"]
        indexes = [
            models.Index(fields=["model", "as_of", "-score"]),
            models.Index(fields=["technician", "-as_of"]),
            models.Index(fields=["candidate", "-as_of"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(technician__isnull=False) | models.Q(candidate__isnull=False),
                name="prediction_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.technician_id or self.candidate_id} {self.score:.3f}"


class RetentionProgram(TimeStamped):
    """An HR-curated intervention: a cost per technician and the feature change it makes.

    ``change`` maps actionable features to one operation, e.g. ``{"overtime_hours": {"cap": 8}}``,
    ``{"pay_rate": {"multiply": 1.05}}``, ``{"training_hours": {"add": 4}}`` or
    ``{"schedule_type": {"set": "4x10"}}``.
    """

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    cost_per_technician = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    change = models.JSONField(default=dict)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from predictions.features import validate_program_change

        try:
            validate_program_change(self.change)
        except ValueError as exc:
            raise ValidationError({"change": str(exc)}) from exc
