"""The row contract shared by every way records enter the system (CSV import, admin, Snowflake sync).

A ``RowSpec`` per kind ("technicians", "snapshots", "candidates", "demand") names the target model,
the business key, and each column with its converter. ``validate_rows`` turns raw rows (strings from
a CSV, or already-typed values from a warehouse) into cleaned dicts of model field values ready to
upsert, and reports every problem as a ``RowError`` with the row number the user sees.

No ORM queries happen while validating: foreign keys (district code → District, employee_id →
Technician) are looked up through a ``Resolver`` that ``build_resolver`` fills with one query per
foreign-key type for the keys present in the rows.

Decisions (documented in docs/importing.md):
- ``month`` (snapshots) may be any day of the month or ``YYYY-MM``; it is normalised to the 1st.
- ``week_start`` (demand) must be a Monday; other days are rejected (the message names the Monday of
  that week), because silently moving a week would shift the demand series.
- A column absent from the input is left untouched on update; a blank cell in an optional column
  sets the field to its empty value (null / "" / the model default).
- Unknown extra columns go into ``attributes`` (technicians, candidates) with numbers parsed as
  numbers and ``true``/``false`` as booleans; on update they are merged into the existing attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

from technicians.converters import (  # noqa: F401 - several re-exported for callers
    ATTRIBUTE_KEY_MAX_LENGTH,
    RACE_SYNONYMS,
    SEX_SYNONYMS,
    CellError,
    choice,
    decimal,
    email,
    integer,
    is_blank,
    normalize_header,
    number,
    parse_attribute,
    parse_attributes_json,
    parse_date,
    parse_monday,
    parse_month,
    protected_choice,
    squash_header,
    text,
)
from technicians.models import (
    Candidate,
    CandidateSource,
    CandidateStage,
    DemandWeek,
    District,
    RaceEthnicity,
    ScheduleType,
    Sex,
    Technician,
    TechnicianSnapshot,
    TerminationType,
    Trade,
)

# A raw row may carry these reserved keys (set by the CSV parser): the row number the user sees,
# and a parse error (e.g. wrong number of fields) that makes the whole row invalid.
ROW_NUMBER_KEY = "__row__"
ROW_ERROR_KEY = "__error__"


@dataclass(frozen=True)
class RowError:
    """One problem with one row. ``row_number`` is what the user sees (CSV data rows start at 2)."""

    row_number: int | None
    key: str | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row_number}" if self.row_number is not None else "file"
        key = f" [{self.key}]" if self.key else ""
        col = f" {self.column}:" if self.column else ""
        return f"{where}{key}:{col} {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"row_number": self.row_number, "key": self.key, "column": self.column, "reason": self.reason}


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class Column:
    """One input column. ``field`` is the model attname receiving the value (defaults to ``name``).

    ``fk`` ("district" | "technician") means the parsed value is a business key that the resolver
    maps to a primary key. ``export`` is the dotted path read from a model instance when exporting.
    """

    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    field: str | None = None
    fk: str | None = None
    export: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def attname(self) -> str:
        return self.field or self.name

    @property
    def export_path(self) -> str:
        return self.export or self.attname


Check = Callable[[dict[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class RowSpec:
    kind: str
    model: type[models.Model]
    key: tuple[str, ...]  # business-key column names, e.g. ("employee_id", "month")
    unique_fields: tuple[str, ...]  # model attnames of the unique constraint used for upserts
    columns: tuple[Column, ...]
    attributes: bool = False  # unknown columns → attributes JSON
    ignore: frozenset[str] = frozenset()  # derived columns written by exports; ignored on import
    checks: tuple[Check, ...] = ()
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for col in self.columns:
            for n in (col.name, *col.aliases):
                self._lookup[squash_header(normalize_header(n))] = col.name

    def canonical(self, header: Any) -> str:
        """The column name a header refers to, or its normalised form if it is an extra column."""
        norm = normalize_header(header)
        return self._lookup.get(squash_header(norm), norm)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def missing_columns(self, headers: Iterable[Any]) -> list[str]:
        present = {self.canonical(h) for h in headers}
        return [c for c in self.required_columns if c not in present]


def _termination_checks(row: dict[str, Any]) -> list[tuple[str, str]]:
    errs = []
    hire, term = row.get("hire_date"), row.get("termination_date")
    if hire and term and term < hire:
        errs.append(("termination_date", f"termination_date {term} is before hire_date {hire}"))
    if row.get("termination_type") and "termination_date" in row and not term:
        errs.append(("termination_type", "termination_type is given but termination_date is empty"))
    return errs


def _candidate_checks(row: dict[str, Any]) -> list[tuple[str, str]]:
    errs = []
    applied = row.get("applied_date")
    for col in ("offer_date", "expected_start_date"):
        d = row.get(col)
        if applied and d and d < applied:
            errs.append((col, f"{col} {d} is before applied_date {applied}"))
    return errs


_MONEY = {"max_digits": 7, "places": 2, "money": True}
_MILES = decimal(max_digits=6, places=1, min_value=Decimal(0))
_DISTRICT = Column("district", text(30), required=True, field="district_id", fk="district", export="district.code",
                   aliases=("district_code",))  # fmt: skip
_PERSON_COLUMNS = (
    Column("first_name", text(60), required=True),
    Column("last_name", text(60), required=True),
    Column("email", email, default=""),
    _DISTRICT,
    Column("trade", choice(Trade, label="trade"), required=True),
)
# Self-reported protected characteristics (HR only; never model features). Blank → not disclosed.
_PROTECTED_COLUMNS = (
    Column(
        "sex",
        protected_choice(Sex, label="sex", synonyms=SEX_SYNONYMS),
        default=Sex.NOT_DISCLOSED.value,
        aliases=("gender",),
    ),
    Column(
        "race_ethnicity",
        protected_choice(RaceEthnicity, label="race_ethnicity", synonyms=RACE_SYNONYMS),
        default=RaceEthnicity.NOT_DISCLOSED.value,
        aliases=("race", "ethnicity", "race_or_ethnicity"),
    ),
)
_EXPORT_ONLY = frozenset({"id", "region", "district_name", "region_name", "created_at", "updated_at"})

_TECHNICIAN = RowSpec(
    kind="technicians",
    model=Technician,
    key=("employee_id",),
    unique_fields=("employee_id",),
    attributes=True,
    ignore=_EXPORT_ONLY | {"tenure_years", "is_active", "status"},
    checks=(_termination_checks,),
    columns=(
        Column("employee_id", text(30), required=True, aliases=("employee", "emp_id")),
        *_PERSON_COLUMNS,
        Column("hire_date", parse_date, required=True),
        Column("termination_date", parse_date),
        Column("termination_type", choice(TerminationType, label="termination_type"), default=""),
        Column("termination_reason", text(200), default=""),
        Column("schedule_type", choice(ScheduleType, label="schedule_type"), default=ScheduleType.STANDARD.value),
        Column("commute_miles", _MILES),
        Column("certifications", integer(min_value=0, max_value=32767), default=0),
        Column("pay_rate", decimal(**_MONEY)),
        Column("performance_rating", decimal(max_digits=3, places=1, min_value=Decimal(1), max_value=Decimal(5))),
        *_PROTECTED_COLUMNS,
        Column("notes", text(5000, multiline=True), default=""),
    ),
)  # fmt: skip

_SNAPSHOT = RowSpec(
    kind="snapshots",
    model=TechnicianSnapshot,
    key=("employee_id", "month"),
    unique_fields=("technician_id", "month"),
    ignore=_EXPORT_ONLY | {"technician", "technician_name"},
    columns=(
        Column("employee_id", text(30), required=True, field="technician_id", fk="technician",
               export="technician.employee_id"),
        Column("month", parse_month, required=True),
        Column("jobs_completed", integer(min_value=0), default=0),
        Column("first_time_fix_rate", number(min_value=0, max_value=1, rate=True)),
        Column("callbacks", integer(min_value=0), default=0),
        Column("csat", number(min_value=1, max_value=5)),
        Column("overtime_hours", number(min_value=0), default=0.0),
        Column("drive_time_minutes", number(min_value=0), default=0.0),
        Column("utilization", number(min_value=0, max_value=1.5, rate=True)),
        Column("training_hours", number(min_value=0), default=0.0),
        Column("pay_rate", decimal(**_MONEY)),
    ),
)  # fmt: skip

_CANDIDATE = RowSpec(
    kind="candidates",
    model=Candidate,
    key=("candidate_id",),
    unique_fields=("candidate_id",),
    attributes=True,
    ignore=_EXPORT_ONLY,
    checks=(_candidate_checks,),
    columns=(
        Column("candidate_id", text(30), required=True),
        *_PERSON_COLUMNS,
        Column("source", choice(CandidateSource, label="source"), required=True),
        Column("applied_date", parse_date, required=True),
        Column("years_experience", number(min_value=0, max_value=60), default=0.0),
        Column("certifications", integer(min_value=0, max_value=32767), default=0),
        Column("assessment_score", number(min_value=0, max_value=100)),
        Column("interview_score", number(min_value=1, max_value=5)),
        Column("commute_miles", _MILES),
        Column("stage", choice(CandidateStage, label="stage"), default=CandidateStage.APPLIED.value),
        Column("offer_date", parse_date),
        Column("expected_start_date", parse_date),
        Column("offered_pay_rate", decimal(**_MONEY)),
        Column("hired_employee_id", text(30), field="hired_technician_id", fk="technician",
               export="hired_technician.employee_id", aliases=("hired_technician",)),
        *_PROTECTED_COLUMNS,
        Column("notes", text(5000, multiline=True), default=""),
    ),
)  # fmt: skip

_DEMAND = RowSpec(
    kind="demand",
    model=DemandWeek,
    key=("district", "week_start"),
    unique_fields=("district_id", "week_start"),
    ignore=_EXPORT_ONLY,
    columns=(
        _DISTRICT,
        Column("week_start", parse_monday, required=True, aliases=("week",)),
        Column("jobs_requested", integer(min_value=0), required=True, aliases=("jobs",)),
    ),
)  # fmt: skip

ROWSPECS: dict[str, RowSpec] = {s.kind: s for s in (_TECHNICIAN, _SNAPSHOT, _CANDIDATE, _DEMAND)}


def get_spec(kind: str) -> RowSpec:
    try:
        return ROWSPECS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; expected one of: {', '.join(ROWSPECS)}")


# --------------------------------------------------------------------------- resolver


@dataclass
class Resolver:
    """Business key → primary key maps for foreign keys, filled in bulk before validation."""

    districts: dict[str, int] = field(default_factory=dict)
    technicians: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def coerce(cls, value: Resolver | Mapping[str, Mapping[str, Any]]) -> Resolver:
        if isinstance(value, Resolver):
            return value
        return cls(districts=dict(value.get("district", {})), technicians=dict(value.get("technician", {})))

    def lookup(self, fk: str, key: str) -> Any:
        if fk == "district":
            found = self.districts.get(key)
            return found if found is not None else self.districts.get(key.lower())
        return self.technicians.get(key)


def _fk_values(spec: RowSpec, rows: Iterable[Mapping[str, Any]]) -> dict[str, set[str]]:
    fk_cols = {c.name: c.fk for c in spec.columns if c.fk}
    wanted: dict[str, set[str]] = {fk: set() for fk in fk_cols.values()}
    header_cache: dict[tuple, list[tuple[str, str]]] = {}
    for raw in rows:
        keys = tuple(raw.keys())
        pairs = header_cache.get(keys)
        if pairs is None:
            pairs = [(h, fk_cols[spec.canonical(h)]) for h in keys if spec.canonical(h) in fk_cols]
            header_cache[keys] = pairs
        for h, fk in pairs:
            v = raw[h]
            if not is_blank(v):
                wanted[fk].add(str(v).strip())
    return wanted


def build_resolver(kind: str, rows: Iterable[Mapping[str, Any]]) -> Resolver:
    """One query per foreign-key type, for the keys present in ``rows`` (a list: it is read again later)."""
    spec = get_spec(kind)
    wanted = _fk_values(spec, rows)
    resolver = Resolver()
    if wanted.get("district"):
        codes = wanted["district"] | {c.lower() for c in wanted["district"]}
        resolver.districts = dict(District.objects.filter(code__in=codes).values_list("code", "id"))
    if wanted.get("technician"):
        resolver.technicians = dict(
            Technician.objects.filter(employee_id__in=wanted["technician"]).values_list("employee_id", "id")
        )
    return resolver


# --------------------------------------------------------------------------- validation


@dataclass
class ValidationResult:
    """``valid[i]`` (model field values, FKs resolved) came from row ``row_numbers[i]`` with key ``keys[i]``."""

    kind: str
    valid: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rejected_rows(self) -> int:
        return len({e.row_number for e in self.errors})


def _fk_unknown_reason(col: Column, value: str) -> str:
    if col.fk == "district":
        return f"unknown district code {value!r}"
    return f"unknown employee_id {value!r} (import the technician first)"


def validate_rows(
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    resolver: Resolver | Mapping[str, Mapping[str, Any]],
    start_row: int = 2,
    ignore_columns: Iterable[str] = (),
    seen: dict[tuple, Any] | None = None,
    source: str = "this file",
) -> ValidationResult:
    """Clean and check ``rows`` of ``kind``. Pure: no queries (FKs through ``resolver``).

    Row numbers: ``row[ROW_NUMBER_KEY]`` if present, else ``start_row + index`` (2 = first CSV data row).
    ``ignore_columns`` are dropped (e.g. a warehouse watermark column that must not become an attribute).
    ``seen`` (business key → first row number) carries duplicate detection across calls — the batches of
    one warehouse sync — and ``source`` names where the duplicate was found ("this file", "this sync run").
    """
    spec = get_spec(kind)
    resolver = Resolver.coerce(resolver)
    result = ValidationResult(kind=kind)
    ignored_set = {spec.canonical(c) for c in ignore_columns} | set(spec.ignore) | {ROW_NUMBER_KEY, ROW_ERROR_KEY}
    seen = {} if seen is None else seen
    ignored_extra: dict[str, None] = {}
    header_cache: dict[tuple, dict[str, str]] = {}
    known = set(spec.column_names)

    for index, raw in enumerate(rows):
        result.rows_read += 1
        rn = raw.get(ROW_NUMBER_KEY, start_row + index)
        if raw.get(ROW_ERROR_KEY):
            result.errors.append(RowError(rn, None, None, str(raw[ROW_ERROR_KEY])))
            continue
        keys = tuple(raw.keys())
        mapping = header_cache.get(keys)
        if mapping is None:
            mapping = {h: spec.canonical(h) for h in keys if h not in (ROW_NUMBER_KEY, ROW_ERROR_KEY)}
            header_cache[keys] = mapping
        row = {canon: raw[h] for h, canon in mapping.items()}

        errors: list[tuple[str | None, str]] = []
        cleaned: dict[str, Any] = {}
        business: dict[str, Any] = {}
        for col in spec.columns:
            if col.name not in row:
                if col.required:
                    errors.append((col.name, f"missing required column {col.name!r}"))
                continue
            value = row[col.name]
            if is_blank(value):
                if col.required:
                    errors.append((col.name, f"{col.name} is required but empty"))
                else:
                    cleaned[col.attname] = col.default
                continue
            if isinstance(value, str) and "\x00" in value:
                errors.append((col.name, "contains a NUL byte"))
                continue
            try:
                parsed = col.parse(value)
            except CellError as exc:
                errors.append((col.name, str(exc)))
                continue
            business[col.name] = parsed
            if col.fk:
                pk = resolver.lookup(col.fk, parsed)
                if pk is None:
                    errors.append((col.name, _fk_unknown_reason(col, parsed)))
                    continue
                cleaned[col.attname] = pk
            else:
                cleaned[col.attname] = parsed

        extras: dict[str, Any] = {}
        for name, value in row.items():
            if name in known or name in ignored_set:
                continue
            if not spec.attributes:
                ignored_extra.setdefault(name, None)
                continue
            try:
                if name == "attributes":
                    if not is_blank(value):
                        extras.update({str(k): parse_attribute(v) for k, v in parse_attributes_json(value).items()})
                    continue
                if not name:
                    continue
                if len(name) > ATTRIBUTE_KEY_MAX_LENGTH:
                    raise CellError(f"column name is longer than {ATTRIBUTE_KEY_MAX_LENGTH} characters")
                parsed = parse_attribute(value)
            except CellError as exc:
                errors.append((name, str(exc)))
                continue
            if parsed is not None:
                extras[name] = parsed
        if spec.attributes and extras:
            cleaned["attributes"] = {k: v for k, v in extras.items() if v is not None}

        if not errors:
            for check in spec.checks:
                errors.extend(check(cleaned))

        key_parts = [business.get(k, row.get(k)) for k in spec.key]
        key_str = " / ".join("" if p is None else (p.isoformat() if isinstance(p, date) else str(p)) for p in key_parts)
        if all(k in business for k in spec.key):
            key_tuple = tuple(business[k] for k in spec.key)
            first = seen.get(key_tuple)
            if first is not None:
                label = " + ".join(spec.key)
                errors.append((None, f"duplicate {label} {key_str!r} in {source}; first seen on row {first}"))
            else:
                seen[key_tuple] = rn

        if errors:
            result.errors.extend(RowError(rn, key_str or None, col, reason) for col, reason in errors)
            continue
        result.valid.append(cleaned)
        result.row_numbers.append(rn)
        result.keys.append(key_str)

    result.ignored_columns = list(ignored_extra)
    return result
