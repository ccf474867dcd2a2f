"""The people and places: regions, districts, technicians, monthly snapshots, candidates, demand.

Region → District → company is the forecasting hierarchy. Features for models are always read
*as of* a date from TechnicianSnapshot, so a model never sees the future.
"""

from __future__ import annotations

import uuid
from datetime import date

import pghistory
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from core.models import TimeStamped


class Trade(models.TextChoices):
    APPLIANCE = "appliance", "Appliance repair"
    HVAC = "hvac", "HVAC"
    REFRIGERATION = "refrigeration", "Refrigeration"
    PLUMBING = "plumbing", "Plumbing"
    ELECTRICAL = "electrical", "Electrical"


class TerminationType(models.TextChoices):
    VOLUNTARY = "voluntary", "Voluntary"
    INVOLUNTARY = "involuntary", "Involuntary"


class ScheduleType(models.TextChoices):
    STANDARD = "standard", "5×8 standard"
    FOUR_TENS = "4x10", "4×10 compressed"
    ROTATING = "rotating", "Rotating / on-call"


class Sex(models.TextChoices):
    """Self-reported sex, as on the EEO-1 report. Protected: HR only, never a model feature."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NOT_DISCLOSED = "not_disclosed", "Not disclosed"


class RaceEthnicity(models.TextChoices):
    """Self-reported race/ethnicity, the EEO-1 categories. Protected: HR only, never a model feature."""

    HISPANIC_LATINO = "hispanic_latino", "Hispanic or Latino"
    WHITE = "white", "White"
    BLACK = "black", "Black or African American"
    NATIVE_HAWAIIAN_PACIFIC = "native_hawaiian_pacific", "Native Hawaiian or Other Pacific Islander"
    ASIAN = "asian", "Asian"
    AMERICAN_INDIAN_ALASKA = "american_indian_alaska", "American Indian or Alaska Native"
    TWO_OR_MORE = "two_or_more", "Two or more races"
    NOT_DISCLOSED = "not_disclosed", "Not disclosed"


# The protected-characteristic fields on Technician and Candidate: HR only (technicians.visibility),
# excluded from every model's features (predictions.features), used only by bias audits.
PROTECTED_FIELDS = ("sex", "race_ethnicity")


def _sex_field():
    return models.CharField(
        max_length=20, choices=Sex.choices, default=Sex.NOT_DISCLOSED,
        help_text="Self-reported (EEO-1). HR only; never used as a model feature.",
    )  # fmt: skip


def _race_field():
    return models.CharField(
        max_length=30, choices=RaceEthnicity.choices, default=RaceEthnicity.NOT_DISCLOSED,
        help_text="Self-reported (EEO-1 categories). HR only; never used as a model feature.",
    )  # fmt: skip


class Region(TimeStamped):
    code = models.SlugField(max_length=20, unique=True, help_text="Stable business key, e.g. 'west'.")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(TimeStamped):
    code = models.SlugField(max_length=30, unique=True, help_text="Stable business key, e.g. 'dal'.")
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts")
    climate = models.CharField(
        max_length=10,
        choices=[("hot", "Hot"), ("mild", "Mild"), ("cold", "Cold")],
        default="mild",
        help_text="Drives the seasonal shape of demand (summer AC vs winter heating).",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TechnicianQuerySet(models.QuerySet):
    def active(self, as_of: date | None = None):
        as_of = as_of or date.today()
        return self.filter(hire_date__lte=as_of).filter(
            models.Q(termination_date__isnull=True) | models.Q(termination_date__gt=as_of)
        )


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), append_only=True)
class Technician(TimeStamped):
    """A field technician. ``employee_id`` is the business key used by imports and the API.

    Pay and performance fields are HR-only: read them only through technicians.selectors.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee_id = models.CharField(max_length=30, unique=True)
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    email = models.EmailField(blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="technicians")
    trade = models.CharField(max_length=20, choices=Trade.choices)
    hire_date = models.DateField()
    termination_date = models.DateField(null=True, blank=True)
    termination_type = models.CharField(max_length=12, choices=TerminationType.choices, blank=True)
    termination_reason = models.CharField(max_length=200, blank=True)
    schedule_type = models.CharField(max_length=10, choices=ScheduleType.choices, default=ScheduleType.STANDARD)
    commute_miles = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Home to district depot, one way.",
    )  # fmt: skip
    certifications = models.PositiveSmallIntegerField(default=0)
    # --- HR-only (pay / performance) ---
    pay_rate = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Current hourly pay (HR only).",
    )  # fmt: skip
    performance_rating = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="Last review, 1–5 (HR only).",
    )  # fmt: skip
    # --- HR-only (protected characteristics, self-reported) ---
    sex = _sex_field()
    race_ethnicity = _race_field()
    notes = models.TextField(blank=True, help_text="Free text from managers.")
    attributes = models.JSONField(default=dict, blank=True, help_text="Extra source columns, used as model features.")

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        permissions = [("view_sensitive_fields", "Can view pay and performance fields")]
        indexes = [
            models.Index(fields=["district", "trade"]),
            models.Index(fields=["hire_date"]),
            models.Index(fields=["termination_date"]),
            # the list's default order (last name, first name, id): the first page is an index scan
            models.Index(fields=["last_name", "first_name", "employee_id"], name="technician_name_order"),
            GinIndex(fields=["attributes"], name="technician_attributes_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(termination_date__isnull=True)
                | models.Q(termination_date__gte=models.F("hire_date")),
                name="technician_termination_after_hire",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.employee_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def is_active_on(self, as_of: date) -> bool:
        return self.hire_date <= as_of and (self.termination_date is None or self.termination_date > as_of)

    @property
    def is_active(self) -> bool:
        return self.is_active_on(date.today())

    def tenure_days(self, as_of: date | None = None) -> int:
        """Days employed as of a date (or until termination, if earlier)."""
        as_of = as_of or date.today()
        end = min(as_of, self.termination_date) if self.termination_date else as_of
        return max((end - self.hire_date).days, 0)

    @property
    def tenure_years(self) -> float:
        return round(self.tenure_days() / 365.25, 1)


class TechnicianSnapshot(TimeStamped):
    """One row per technician per month (``month`` is the first day of the month)."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="snapshots")
    month = models.DateField()
    jobs_completed = models.PositiveIntegerField(default=0)
    first_time_fix_rate = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    callbacks = models.PositiveIntegerField(default=0)
    csat = models.FloatField(null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    overtime_hours = models.FloatField(default=0, validators=[MinValueValidator(0)], help_text="Average per week.")
    drive_time_minutes = models.FloatField(default=0, validators=[MinValueValidator(0)], help_text="Average per day.")
    utilization = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1.5)])
    training_hours = models.FloatField(default=0, validators=[MinValueValidator(0)])
    pay_rate = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Hourly pay that month (HR only).",
    )  # fmt: skip

    class Meta:
        ordering = ["technician", "month"]
        constraints = [
            models.UniqueConstraint(fields=["technician", "month"], name="snapshot_unique_technician_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="snapshot_month_is_first_day"),
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        # the month, not the technician's UUID: it labels rows in the technician's admin page
        return f"Snapshot {self.month:%Y-%m}"


class CandidateStage(models.TextChoices):
    APPLIED = "applied", "Applied"
    SCREENING = "screening", "Screening"
    INTERVIEW = "interview", "Interview"
    OFFER = "offer", "Offer made"
    ACCEPTED = "accepted", "Offer accepted"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STAGES = (
    CandidateStage.APPLIED,
    CandidateStage.SCREENING,
    CandidateStage.INTERVIEW,
    CandidateStage.OFFER,
    CandidateStage.ACCEPTED,
)


class CandidateSource(models.TextChoices):
    REFERRAL = "referral", "Employee referral"
    JOB_BOARD = "job_board", "Job board"
    AGENCY = "agency", "Staffing agency"
    CAREER_SITE = "career_site", "Career site"
    TRADE_SCHOOL = "trade_school", "Trade school"
    SOCIAL = "social", "Social media"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), append_only=True)
class Candidate(TimeStamped):
    """An applicant; ``candidate_id`` is the business key. Linked to the Technician they became."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    candidate_id = models.CharField(max_length=30, unique=True)
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    email = models.EmailField(blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="candidates")
    trade = models.CharField(max_length=20, choices=Trade.choices)
    source = models.CharField(max_length=20, choices=CandidateSource.choices)
    applied_date = models.DateField()
    years_experience = models.FloatField(default=0, validators=[MinValueValidator(0), MaxValueValidator(60)])
    certifications = models.PositiveSmallIntegerField(default=0)
    assessment_score = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    interview_score = models.FloatField(null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)])
    commute_miles = models.DecimalField(
        max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    stage = models.CharField(max_length=12, choices=CandidateStage.choices, default=CandidateStage.APPLIED)
    offer_date = models.DateField(null=True, blank=True)
    expected_start_date = models.DateField(null=True, blank=True)
    # --- HR-only ---
    offered_pay_rate = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text="Hourly pay offered (HR only).",
    )  # fmt: skip
    hired_technician = models.OneToOneField(
        Technician, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidate"
    )
    # --- HR-only (protected characteristics, self-reported) ---
    sex = _sex_field()
    race_ethnicity = _race_field()
    notes = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-applied_date", "last_name"]
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["district", "trade"]),
            models.Index(fields=["applied_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.candidate_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class DemandWeek(TimeStamped):
    """Service jobs requested in a district in the week starting ``week_start`` (a Monday)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="demand")
    week_start = models.DateField()
    jobs_requested = models.PositiveIntegerField()

    class Meta:
        ordering = ["district", "week_start"]
        verbose_name = "weekly demand"
        verbose_name_plural = "weekly demand"
        constraints = [
            models.UniqueConstraint(fields=["district", "week_start"], name="demand_unique_district_week"),
            models.CheckConstraint(condition=models.Q(week_start__week_day=2), name="demand_week_starts_monday"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.week_start}: {self.jobs_requested}"


class DemandTradeWeek(TimeStamped):
    """Service jobs requested per trade in a district in the week starting ``week_start`` (a Monday).

    The trade mix of ``DemandWeek``: the hiring plan splits each district's demand forecast by the
    trade's recent share of these (its drift extrapolated). Optional — without it, the plan uses each
    trade's share of the district's technicians."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="trade_demand")
    trade = models.CharField(max_length=20, choices=Trade.choices)
    week_start = models.DateField()
    jobs_requested = models.PositiveIntegerField()

    class Meta:
        ordering = ["district", "week_start", "trade"]
        verbose_name = "weekly demand by trade"
        verbose_name_plural = "weekly demand by trade"
        constraints = [
            models.UniqueConstraint(fields=["district", "trade", "week_start"], name="demand_trade_unique"),
            models.CheckConstraint(condition=models.Q(week_start__week_day=2), name="demand_trade_week_monday"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.trade} {self.week_start}: {self.jobs_requested}"
