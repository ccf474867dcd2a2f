"""Checks on a SourceMapping: mapped fields exist on the target, source column types convert to them.

The target fields are the shared row contract's columns (technicians.rowspec.ROWSPECS), so a warehouse
mapping accepts exactly what a CSV import accepts. Kinds that keep extra data (technicians,
candidates) also accept ``attributes.<name>`` targets, stored in the record's ``attributes`` JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import models

from ingest.snowflake import ColumnInfo, type_family
from technicians.rowspec import ROWSPECS, RowSpec

ATTRIBUTE_PREFIX = "attributes."
_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

# target family → source families that convert (each value is still checked row by row)
COMPATIBLE: dict[str, set[str]] = {
    "text": {"text", "integer", "decimal", "float", "date", "datetime", "boolean"},
    "integer": {"integer", "decimal", "float", "text"},
    "decimal": {"integer", "decimal", "float", "text"},
    "float": {"integer", "decimal", "float", "text"},
    "date": {"date", "datetime", "text"},
    "any": {"text", "integer", "decimal", "float", "date", "datetime", "boolean", "other"},
}


@dataclass(frozen=True)
class MappingProblem:
    field: str  # form field the problem belongs to (column_map, key_columns, watermark_column, source_table)
    message: str


def _family_of_model_field(spec: RowSpec, attname: str) -> str:
    try:
        f = spec.model._meta.get_field(attname)
    except Exception:  # noqa: BLE001 - an attname like district_id
        f = next((x for x in spec.model._meta.concrete_fields if x.attname == attname), None)
    if f is None or f.is_relation or f.choices:
        return "text"  # foreign keys arrive as business-key codes; choices as text
    if isinstance(f, models.DateTimeField):
        return "date"
    if isinstance(f, models.DateField):
        return "date"
    if isinstance(f, models.DecimalField):
        return "decimal"
    if isinstance(f, models.FloatField):
        return "float"
    if isinstance(f, models.IntegerField):
        return "integer"
    if isinstance(f, models.JSONField):
        return "any"
    return "text"


def target_fields(kind: str) -> dict[str, str]:
    """Target field name → type family for a kind (``attributes.*`` are handled separately)."""
    spec = ROWSPECS[kind]
    return {c.name: _family_of_model_field(spec, c.attname) for c in spec.columns}


def target_family(kind: str, target: str) -> str | None:
    if target.startswith(ATTRIBUTE_PREFIX):
        return "any" if ROWSPECS[kind].attributes else None
    return target_fields(kind).get(target)


def validate_mapping(
    *,
    kind: str,
    column_map: Mapping[str, str],
    key_columns: Sequence[str],
    watermark_column: str = "",
    columns: Sequence[ColumnInfo] | None = None,
) -> list[MappingProblem]:
    """Every problem with a mapping. ``columns`` (the discovered source columns) enables the
    source-side checks: columns exist and their types convert to the mapped fields."""
    problems: list[MappingProblem] = []
    if kind not in ROWSPECS:
        return [MappingProblem("target", f"Unknown target {kind!r}; expected one of {', '.join(ROWSPECS)}")]
    spec = ROWSPECS[kind]
    if not isinstance(column_map, Mapping) or not column_map:
        return [MappingProblem("column_map", 'Map at least one column, e.g. {"EMP_ID": "employee_id"}')]
    fields = target_fields(kind)

    targets: dict[str, str] = {}
    for source, target in column_map.items():
        if not isinstance(target, str) or not target:
            problems.append(MappingProblem("column_map", f"Column {source} maps to {target!r}: give a field name"))
            continue
        if target in targets:
            problems.append(
                MappingProblem("column_map", f"Field {target} is mapped twice (from {targets[target]} and {source})")
            )
        targets[target] = source
        if target.startswith(ATTRIBUTE_PREFIX):
            name = target[len(ATTRIBUTE_PREFIX) :]
            if not spec.attributes:
                problems.append(MappingProblem("column_map", f"{spec.kind} records have no attributes ({target})"))
            elif not _ATTRIBUTE_NAME.match(name) or spec.canonical(name) in fields:
                problems.append(
                    MappingProblem(
                        "column_map",
                        f"{target}: attribute names are lower_snake_case and must not be a field name",
                    )
                )
        elif target not in fields:
            problems.append(
                MappingProblem(
                    "column_map",
                    f"{target!r} (from column {source}) is not a field of {kind}; fields are: {', '.join(fields)}",
                )
            )

    for required in spec.required_columns:
        if required not in targets:
            problems.append(MappingProblem("column_map", f"Required field {required} is not mapped"))

    key_columns = list(key_columns or [])
    key_targets = [column_map.get(c) for c in key_columns]
    if not key_columns:
        problems.append(MappingProblem("key_columns", f"Give the source column(s) of the key {' + '.join(spec.key)}"))
    elif any(c not in column_map for c in key_columns):
        missing = [c for c in key_columns if c not in column_map]
        problems.append(MappingProblem("key_columns", f"Key column(s) {', '.join(missing)} are not in the column map"))
    elif sorted(key_targets) != sorted(spec.key):
        problems.append(
            MappingProblem(
                "key_columns",
                f"The key of {kind} is {' + '.join(spec.key)}; these columns map to {' + '.join(map(str, key_targets))}",
            )
        )

    if columns is not None:
        by_name = {c.name: c for c in columns}
        if not by_name:
            problems.append(MappingProblem("source_table", "The source table was not found or has no columns"))
            return problems
        for source, target in column_map.items():
            col = by_name.get(source)
            if col is None:
                problems.append(MappingProblem("column_map", f"Source column {source} does not exist in the table"))
                continue
            family = target_family(kind, target) if isinstance(target, str) else None
            if family and col.kind not in COMPATIBLE[family]:
                problems.append(
                    MappingProblem(
                        "column_map",
                        f"Column {source} is {col.data_type} ({col.kind}); it cannot convert to {target} ({family})",
                    )
                )
        if watermark_column:
            wm = by_name.get(watermark_column)
            if wm is None:
                problems.append(MappingProblem("watermark_column", f"Column {watermark_column} does not exist"))
            elif type_family(wm.data_type, wm.scale) not in {"integer", "decimal", "float", "date", "datetime", "text"}:
                problems.append(
                    MappingProblem("watermark_column", f"{watermark_column} is {wm.data_type}; it cannot order changes")
                )
    return problems


def apply_mapping(column_map: Mapping[str, str], source_row: Mapping[str, object]) -> dict[str, object]:
    """Source row (column → value) → target row (field → value) for the shared validator.

    ``attributes.x`` targets become an ``x`` column, which the row contract stores in ``attributes``.
    """
    out: dict[str, object] = {}
    for source, target in column_map.items():
        key = target[len(ATTRIBUTE_PREFIX) :] if target.startswith(ATTRIBUTE_PREFIX) else target
        out[key] = source_row.get(source)
    return out
