"""Model registry, stored scores and retention programs.

A ``TrainedModel`` row is one training run; it becomes usable (``ready``) only when its artifact
is on disk with a recorded SHA-256, and at most one version per type is ``active`` (a partial
unique constraint, so the database — not the code — guarantees it).
"""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import numpy as np
import pghistory
from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from core.models import TimeStamped
from predictions.codebook import Codebook, decode_rows

_CODEBOOKS: dict = {}  # model pk → Codebook (a version's codebook never changes once written)

UNSEEN_LEVEL = "(unseen)"  # a category not in the training data; the model scores it as unknown


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
    # --- governance (bias audit, mitigation, promotion overrides) ---
    excluded_features = models.JSONField(
        default=list, blank=True, help_text="Features left out of this run on purpose (a bias mitigation)."
    )
    derived_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="mitigations",
        help_text="The version this run retrains without some features (mitigation), if any.",
    )  # fmt: skip
    bias_audit = models.JSONField(
        default=dict, blank=True, help_text="LL144-style audit: {'holdout': …, 'population': …} (predictions.fairness)."
    )
    bias_audited_at = models.DateTimeField(null=True, blank=True)
    training_profile = models.JSONField(
        default=dict, blank=True, help_text="Training distributions of features and score (drift baseline)."
    )
    promotion_overrides = models.JSONField(
        default=list, blank=True, help_text="HR admins' written justifications for promoting past the audit gate."
    )
    requeues = models.PositiveSmallIntegerField(default=0, help_text="Times the reaper re-queued it (worker lost).")

    class Meta:
        ordering = ["model_type", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["model_type", "version"], name="trainedmodel_unique_type_version"),
            models.UniqueConstraint(
                fields=["model_type"],
                condition=models.Q(status="active"),
                name="trainedmodel_one_active_per_type",
            ),
            # the quota: one queued-or-training run per model type, enforced by the database (no race)
            models.UniqueConstraint(
                fields=["model_type"],
                condition=models.Q(status__in=["queued", "training"]),
                name="trainedmodel_one_running_per_type",
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
    def activation_pending(self) -> bool:
        """Trained (or promoted) and being scored before it becomes active; see services.model_activate."""
        return self.status in (ModelStatus.READY, ModelStatus.ARCHIVED) and self.stage.startswith(
            "scoring before activation"
        )

    @property
    def artifact_file(self) -> Path:
        """Where the artifact lives: MODEL_STORE/{model_type}/{version}/model.sav."""
        return Path(settings.MODEL_STORE) / self.model_type / str(self.version) / "model.sav"

    @property
    def categorical(self) -> list[str]:
        return list((self.params or {}).get("categorical", []))

    @property
    def levels(self) -> dict[str, list[str]]:
        return dict((self.params or {}).get("levels", {}))

    @property
    def importance_list(self) -> list[tuple[str, float]]:
        # jsonb does not keep key order, so the ranking is re-sorted on every read
        return sorted((self.importances or {}).items(), key=lambda kv: -kv[1])

    def codebook(self) -> Codebook | None:
        """This version's contribution codebook (its ``ContributionCodebook`` row, cached per process), or None."""
        book = _CODEBOOKS.get(self.pk)
        if book is None:
            raw = ContributionCodebook.objects.filter(model_id=self.pk).values_list("raw", flat=True).first()
            if raw is None:
                return None  # not cached: the version may get its codebook when it first scores
            if len(_CODEBOOKS) > 32:
                _CODEBOOKS.clear()
            book = _CODEBOOKS[self.pk] = Codebook(raw)
        return book

    @property
    def ws_group(self) -> str:
        # the Channels group that receives this run's progress events
        return f"model_run_{self.id.hex}"


class Prediction(models.Model):
    """One stored score: a technician's retention risk or a candidate's quality of hire.

    Explanations are stored compactly so 100k rows can be written with one binary COPY:
    ``contributions`` is aligned with the model's ``terms``, either one code per term into the model's
    ``ContributionCodebook`` (one or two bytes per term for an EBM: predictions.codebook) or float64 little-endian
    (older rows, models without a codebook); either way ``intercept + sum(contributions) == logit`` exactly; and ``feature_values`` the inputs in the
    order of the model's ``features`` (float64; NaN = missing; a categorical input is the index of
    its level in ``model.levels``, NaN for a level unseen in training, which the model scores like any
    unseen level). Read them with the methods below, never by hand.

    Stored partitioned by (model, as_of), one partition per scoring (predictions.partitions, migration 0010):
    in the database the primary key is (id, model_id, as_of); ``id`` stays unique (one sequence).
    """

    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="predictions", db_index=False)
    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.CASCADE, null=True, blank=True, related_name="predictions",
        db_index=False,
    )  # fmt: skip
    candidate = models.ForeignKey(
        "technicians.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="predictions",
        db_index=False,
    )  # fmt: skip
    as_of = models.DateField()
    score = models.FloatField(help_text="Probability 0..1 (leave within horizon / still employed at 90 days).")
    band = models.CharField(max_length=6)
    logit = models.FloatField()
    intercept = models.FloatField()
    contributions = models.BinaryField()
    feature_values = models.BinaryField()

    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-score"]
        # One index per subject kind, leading with (model, as_of): it serves the ranking (filter, then a
        # top-N sort on score, ~100k rows), the band counts, the cohort and the per-person lookup.
        # Rows are COPYed sorted by subject id under a new as_of, so the index grows at its right
        # edge; a third index on score made 100k-row scoring ~1.8x slower (bench/bench_scoring.py).
        indexes = [
            models.Index(fields=["model", "as_of", "technician"], name="prediction_model_asof_tech",
                         condition=models.Q(technician__isnull=False)),
            models.Index(fields=["model", "as_of", "candidate"], name="prediction_model_asof_cand",
                         condition=models.Q(candidate__isnull=False)),
        ]  # fmt: skip
        constraints = [
            models.CheckConstraint(
                condition=models.Q(technician__isnull=False) | models.Q(candidate__isnull=False),
                name="prediction_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.technician_id or self.candidate_id} {self.score:.3f}"

    def contribution_list(self, model: TrainedModel | None = None) -> list[float]:
        return decode_rows(model or self.model, [self.contributions])[0].tolist()

    def value_list(self, model: TrainedModel) -> list:
        """Inputs aligned with ``model.features`` (None for missing)."""
        raw = np.frombuffer(bytes(self.feature_values), dtype="<f8").tolist()
        levels = model.levels
        return [_input_value(levels, f, v) for f, v in zip(model.features, raw, strict=False)]

    def raw_values(self) -> list[float]:
        """The stored inputs as floats (NaN = missing, level index for a categorical): ``value_list``
        before decoding, for callers that decode a few of them with :func:`_input_value`."""
        return np.frombuffer(bytes(self.feature_values), dtype="<f8").tolist()

    def top_contributions(self, model: TrainedModel, k: int = 5) -> list[dict]:
        pairs = sorted(zip(model.terms, self.contribution_list(model), strict=True), key=lambda t: -abs(t[1]))[:k]
        return [{"feature": t, "contribution": c} for t, c in pairs]


def _input_value(levels: dict, feature: str, v: float):
    """One stored input in words: the level of a categorical (UNSEEN_LEVEL for NaN), None for a missing number."""
    if feature in levels:
        return UNSEEN_LEVEL if math.isnan(v) else levels[feature][int(v)]
    return None if math.isnan(v) else v


class ContributionCodebook(models.Model):
    """Every term's possible contributions of one EBM version (predictions.codebook): stored explanations are
    codes into it. Its own row, not a field of TrainedModel: it is ~0.4 MB with 20 interactions and the
    registry row is read on every request. Built from the verified artifact, so it never changes."""

    model = models.OneToOneField(TrainedModel, on_delete=models.CASCADE, primary_key=True, related_name="+")
    raw = models.BinaryField()

    def __str__(self) -> str:
        return f"codebook of {self.model_id} ({len(bytes(self.raw))} bytes)"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), append_only=True)
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

        from predictions.changes import validate_program_change

        try:
            validate_program_change(self.change)
        except ValueError as exc:
            raise ValidationError({"change": str(exc)}) from exc


class DriftReport(TimeStamped):
    """What one scoring run saw: PSI of every feature and of the score against the version's training
    data, calibration and ROC AUC of closed cohorts, and the alerts they raised (predictions.monitoring).
    An alert proposes a retrain; the retrained version still waits for an HR admin to promote it."""

    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="drift_reports")
    as_of = models.DateField()
    rows = models.PositiveIntegerField(default=0)
    feature_psi = models.JSONField(default=dict, blank=True)
    missing_rate = models.JSONField(
        default=dict, blank=True, help_text="numeric features whose missing rate moved: {feature: {training, now}}"
    )
    score_psi = models.FloatField(null=True, blank=True)
    calibration = models.JSONField(default=list, blank=True)
    alerts = models.JSONField(default=list, blank=True)
    alert = models.BooleanField(default=False, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.model.label} drift {self.as_of} ({'ALERT' if self.alert else 'ok'})"

    def as_dict(self) -> dict:
        top = list(self.feature_psi.items())[:5]
        return {
            "id": self.pk, "model": self.model.label, "as_of": self.as_of, "created_at": self.created_at,
            "rows": self.rows, "score_psi": self.score_psi, "feature_psi": self.feature_psi, "top_psi": top,
            "max_feature_psi": max(self.feature_psi.values(), default=None), "calibration": self.calibration,
            "alerts": self.alerts, "alert": self.alert, "acknowledged_at": self.acknowledged_at,
        }  # fmt: skip


DEFAULT_CANDIDATE_NOTICE = (
    "We use an automated tool to help assess applications for field technician roles. It estimates how likely "
    "a candidate is to still be working with us 90 days after being hired, from the information in the "
    "application: experience, certifications, assessment and interview scores, source of the application, "
    "the district and trade applied for, commute distance and the offered pay. It does not use sex, race, "
    "ethnicity or any other protected characteristic, and a recruiter makes every decision. We keep application "
    "data for two years after the process ends. You may ask for an alternative selection process or a reasonable "
    "accommodation by writing to the recruiting team; this will not count against you. The tool's most recent "
    "bias audit summary is published on our careers site."
)


class CandidateNotice(TimeStamped):
    """The notice shown to candidates about the automated tool (LL144 § 20-871(b)). Admin-editable; the
    newest row is current, older rows are the history of what candidates were told."""

    text = models.TextField(default=DEFAULT_CANDIDATE_NOTICE)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Candidate notice of {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else "Candidate notice"


class ScoringRun(TimeStamped):
    """One distributed scoring of every active technician with one model as of one date (issue 15).

    The population is split into ``ScoringChunk`` id ranges, each scored by its own heavy-queue task into
    the run's stage table (no index, no foreign key: a plain COPY; predictions.partitions). When the last chunk
    is done, one transaction makes the stage the (model, as_of) partition of ``Prediction`` and marks the run
    ``done`` — the switch — so readers see the previous complete set of scores until then and the new
    complete set after."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="scoring_runs")
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    chunks_total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the district median pay every chunk's features divide by (features.scoring_medians), computed once
    district_medians = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "as_of"], condition=models.Q(status="running"), name="scoringrun_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"scoring {self.model_id} {self.as_of} ({self.status})"


class ScoringChunk(TimeStamped):
    """Technicians with ids in ``[lo, hi)`` (None = open end) of one scoring run; ``done`` once staged."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    lo = models.UUIDField(null=True, blank=True)
    hi = models.UUIDField(null=True, blank=True)
    done = models.BooleanField(default=False)
    rows = models.PositiveIntegerField(default=0)
    requeues = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="scoringchunk_unique_index")]


# ---------------------------------------------------------------------- current scores (read side, issue 15)
class CurrentScoreSet(models.Model):
    """Which scores are current for a model type: the active version and its as-of date, refreshed in the
    same transaction that makes scores active (predictions.current.after_scores_switched). Readers trust the
    narrow tables below only while this row names the active model; otherwise they fall back to Prediction."""

    model_type = models.CharField(max_length=20, choices=ModelType.choices, primary_key=True)
    model = models.ForeignKey(TrainedModel, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    rows = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.model_type}: {self.model_id} as of {self.as_of} ({self.rows} rows)"


class CurrentScore(models.Model):
    """One current score, narrow (no explanation bytes): what the rankings sort, filter and page over.

    Ordered by an index on (model_type, score desc, subject_key), so the top of the ranking is an index
    scan that stops after ``limit`` rows; place and trade are copied in at scoring time so a filter never
    joins the people tables before the page is cut. ``prediction_id`` points at the full row (explanation)
    for the rows of the page only."""

    model_type = models.CharField(max_length=20, choices=ModelType.choices)
    prediction_id = models.BigIntegerField()
    # No foreign keys in the database (db_constraint=False): the rows are built by a join with the people
    # in the switch's transaction, a deleted person's rows go with Django's cascade, and a swapped-in
    # partition does not need a validation pass over 100k keys (predictions.current).
    technician = models.ForeignKey(
        "technicians.Technician", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    candidate = models.ForeignKey(
        "technicians.Candidate", on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    subject_key = models.CharField(max_length=60, help_text="employee_id or candidate_id: the ranking's tie-break")
    score = models.FloatField()
    band = models.CharField(max_length=6)
    region = models.CharField(max_length=60)
    district = models.CharField(max_length=60)
    trade = models.CharField(max_length=30)

    class Meta:
        indexes = [
            models.Index("model_type", models.F("score").desc(), "subject_key", name="curscore_rank"),
            models.Index("model_type", "band", models.F("score").desc(), "subject_key", name="curscore_band_rank"),
            models.Index(
                "model_type", "district", models.F("score").desc(), "subject_key", name="curscore_district_rank"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_type} {self.subject_key} {self.score:.3f}"


class ScoreCount(models.Model):
    """Current scores counted per (place, trade, band) at scoring time: any filter's total and band counts
    are a sum over a few hundred rows instead of a scan of every score."""

    model_type = models.CharField(max_length=20, choices=ModelType.choices)
    region = models.CharField(max_length=60)
    district = models.CharField(max_length=60)
    trade = models.CharField(max_length=30)
    band = models.CharField(max_length=6)
    n = models.PositiveIntegerField()
    score_sum = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["model_type", "district"], name="scorecount_type_district")]

    def __str__(self) -> str:
        return f"{self.model_type} {self.district}/{self.trade}/{self.band}: {self.n}"
