"""Writes for the technicians domain.

``records_upsert`` is the one write path for bulk records — CSV import (command and admin) and the
Snowflake sync both call it, after ``technicians.rowspec.validate_rows`` has cleaned the rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.db import DatabaseError, transaction
from django.db.models import Model
from django.utils import timezone

from technicians.models import Technician, TerminationType
from technicians.rowspec import Resolver, RowError, RowSpec, build_resolver, get_spec, validate_rows

logger = logging.getLogger(__name__)

Policy = Literal["all_or_nothing", "skip_invalid"]


@dataclass
class BatchReport:
    """Passed to ``on_batch`` inside the batch's transaction (so a caller can record progress atomically)."""

    index: int
    row_numbers: list[int]
    created: int
    updated: int
    unchanged: int


@dataclass
class UpsertResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    dry_run: bool = False
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        """Number of distinct rows rejected (a row may have several errors)."""
        return len({(e.row_number, e.key) for e in self.rejected})

    def summary(self) -> str:
        verb = "would be " if self.dry_run else ""
        return (
            f"{verb}created {self.created}, {verb}updated {self.updated}, unchanged {self.unchanged}, "
            f"rejected {self.rejected_rows}"
        )


class _Rollback(Exception):  # noqa: N818 - control flow only
    pass


def _chunks(n: int, size: int) -> Iterable[range]:
    for start in range(0, n, size):
        yield range(start, min(start + size, n))


def _key_of(spec: RowSpec, row: Mapping[str, Any]) -> tuple:
    return tuple(row[f] for f in spec.unique_fields)


def _classify(spec: RowSpec, rows: list[dict[str, Any]]) -> list[str]:
    """'create' | 'update' | 'unchanged' for each row; one query. Merges attributes into update rows."""
    model = spec.model
    compare = sorted({k for r in rows for k in r} - set(spec.unique_fields))
    filters = {f"{f}__in": {r[f] for r in rows} for f in spec.unique_fields}
    existing = {
        _key_of(spec, e): e for e in model.objects.filter(**filters).values(*spec.unique_fields, *compare).order_by()
    }
    out = []
    for row in rows:
        old = existing.get(_key_of(spec, row))
        if old is None:
            out.append("create")
            continue
        if "attributes" in row:
            row["attributes"] = {**(old.get("attributes") or {}), **row["attributes"]}
        same = all(row[f] == old[f] for f in row if f in old)
        out.append("unchanged" if same else "update")
    return out


def _save(spec: RowSpec, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (business key) DO UPDATE, grouped by the set of columns given."""
    model: type[Model] = spec.model
    unique_names = [f.name for f in model._meta.concrete_fields if f.attname in spec.unique_fields]
    groups: dict[frozenset, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(frozenset(r), []).append(r)
    for cols, group in groups.items():
        update = [model._meta.get_field(c).name for c in cols if c not in spec.unique_fields]
        model.objects.bulk_create(
            [model(**r) for r in group],
            update_conflicts=True,
            unique_fields=unique_names,
            update_fields=[*update, "updated_at"],
        )


def _db_reason(exc: DatabaseError) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return f"rejected by the database: {msg[:300]}"


def _write_batch(spec: RowSpec, rows, numbers, keys, actions, result: UpsertResult) -> list[int]:
    """Write one batch (creates + updates); returns the row numbers written.

    A database error on the bulk statement (e.g. a candidate linked to a technician another
    candidate already claims) falls back to one savepoint per row to name the failing rows.
    """
    todo = [i for i, a in enumerate(actions) if a != "unchanged"]
    try:
        with transaction.atomic():
            _save(spec, [rows[i] for i in todo])
        ok = todo
    except DatabaseError:
        ok = []
        for i in todo:
            try:
                with transaction.atomic():
                    _save(spec, [rows[i]])
                ok.append(i)
            except DatabaseError as exc:
                result.rejected.append(RowError(numbers[i], keys[i] or None, None, _db_reason(exc)))
    for i in ok:
        if actions[i] == "create":
            result.created += 1
        else:
            result.updated += 1
    result.unchanged += sum(1 for a in actions if a == "unchanged")
    return [numbers[i] for i in ok]


def records_upsert(
    *,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    policy: Policy = "all_or_nothing",
    dry_run: bool = False,
    batch_size: int = 2000,
    resolver: Resolver | None = None,
    start_row: int = 2,
    ignore_columns: Iterable[str] = (),
    on_batch: Callable[[BatchReport], None] | None = None,
    seen: dict | None = None,
    source: str = "this file",
) -> UpsertResult:
    """Validate ``rows`` of ``kind`` and upsert them by business key, in bulk.

    - ``all_or_nothing``: any bad row (validation or database) → nothing written, every error returned.
    - ``skip_invalid``: valid rows land, bad ones are returned; each batch is its own transaction and
      ``on_batch`` runs inside it (e.g. to advance a sync watermark only with committed data).
    - ``dry_run``: validate and count what would be created/updated/unchanged; write nothing.
    Re-importing the same rows updates (or leaves unchanged) and never duplicates. ``seen``/``source``: see
    ``rowspec.validate_rows`` (duplicate keys across the batches of one sync run).
    """
    if policy not in ("all_or_nothing", "skip_invalid"):
        raise ValueError("policy must be 'all_or_nothing' or 'skip_invalid'")
    spec = get_spec(kind)
    rows = rows if isinstance(rows, list) else list(rows)
    resolver = resolver if resolver is not None else build_resolver(kind, rows)
    vr = validate_rows(
        kind, rows, resolver=resolver, start_row=start_row, ignore_columns=ignore_columns, seen=seen, source=source
    )
    result = UpsertResult(
        kind=kind, rejected=list(vr.errors), rows_read=vr.rows_read, dry_run=dry_run, ignored_columns=vr.ignored_columns
    )
    batches = list(_chunks(len(vr.valid), max(1, batch_size)))

    if dry_run:
        for b in batches:
            actions = _classify(spec, [vr.valid[i] for i in b])
            result.created += actions.count("create")
            result.updated += actions.count("update")
            result.unchanged += actions.count("unchanged")
        return result

    if policy == "all_or_nothing" and vr.errors:
        return result

    def run_batch(index: int, b: range) -> None:
        rows_b = [vr.valid[i] for i in b]
        numbers = [vr.row_numbers[i] for i in b]
        keys = [vr.keys[i] for i in b]
        before = (result.created, result.updated, result.unchanged)
        actions = _classify(spec, rows_b)
        written = _write_batch(spec, rows_b, numbers, keys, actions, result)
        if on_batch is not None:
            on_batch(
                BatchReport(
                    index=index,
                    row_numbers=written,
                    created=result.created - before[0],
                    updated=result.updated - before[1],
                    unchanged=result.unchanged - before[2],
                )
            )

    if policy == "all_or_nothing":
        try:
            with transaction.atomic():
                for index, b in enumerate(batches):
                    run_batch(index, b)
                if result.rejected:
                    raise _Rollback
        except _Rollback:
            result.created = result.updated = result.unchanged = 0
        return result

    for index, b in enumerate(batches):
        with transaction.atomic():
            run_batch(index, b)
    logger.info("records_upsert %s: %s", kind, result.summary())
    return result


def technicians_terminate(
    *, technician_ids: Iterable[Any], termination_date: date, termination_type: str, reason: str = ""
) -> tuple[int, list[str]]:
    """Mark technicians as having left on ``termination_date``.

    Returns (number updated, employee_ids skipped because the date is before their hire date).
    """
    if termination_type not in TerminationType.values:
        raise ValueError(f"termination_type must be one of: {', '.join(TerminationType.values)}")
    qs = Technician.objects.filter(pk__in=list(technician_ids))
    skipped = list(qs.filter(hire_date__gt=termination_date).values_list("employee_id", flat=True))
    with transaction.atomic():
        n = qs.filter(hire_date__lte=termination_date).update(
            termination_date=termination_date,
            termination_type=termination_type,
            termination_reason=reason[:200],
            updated_at=timezone.now(),
        )
    return n, skipped
