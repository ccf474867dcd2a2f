"""CSV exports of technicians, snapshots, candidates and demand — through the visibility rule.

The same functions serve the HR admin (who sees pay and performance) and recruiter-facing pages (who
never receive those columns): the columns are chosen by ``technicians.visibility.visible_names`` for
the requesting user. Exports use the import column names (``technicians.rowspec``), and extra
attributes become their own columns, so an exported file re-imports cleanly. Derived columns
(region, tenure, status) are added for reading and ignored by the importer.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import CharField, F, Func, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from technicians.rowspec import get_spec
from technicians.visibility import visible_names

SELECT_RELATED = {
    "technicians": ("district__region",),
    "snapshots": ("technician",),
    "candidates": ("district__region", "hired_technician"),
    "demand": ("district__region",),
    "demand_trade": ("district__region",),
}
# derived, read-only columns appended after the importable ones (ignored by the importer)
DERIVED: dict[str, dict[str, Any]] = {
    "technicians": {
        "region": lambda t: t.district.region.code,
        "tenure_years": lambda t: t.tenure_years,
        "status": lambda t: "active" if t.is_active else "left",
    },
    "snapshots": {},
    "candidates": {"region": lambda c: c.district.region.code},
    "demand": {"region": lambda d: d.district.region.code},
    "demand_trade": {"region": lambda d: d.district.region.code},
}


def _attribute_keys(queryset: QuerySet) -> list[str]:
    """Every key present in ``attributes`` across the queryset — one query."""
    keys = (
        queryset.order_by()
        .annotate(_key=Func(F("attributes"), function="jsonb_object_keys", output_field=CharField()))
        .values_list("_key", flat=True)
        .distinct()
    )
    return sorted(keys)


def export_queryset(*, kind: str, queryset: QuerySet | None = None) -> QuerySet:
    spec = get_spec(kind)
    qs = queryset if queryset is not None else spec.model.objects.all()
    return qs.select_related(*SELECT_RELATED[kind])


def export_columns(*, user, kind: str, queryset: QuerySet | None = None) -> list[str]:
    """Column names this user gets for ``kind`` (pay/performance columns only for HR admins)."""
    spec = get_spec(kind)
    names = spec.column_names
    if spec.attributes:
        qs = export_queryset(kind=kind, queryset=queryset)
        taken = set(names) | set(spec.ignore) | set(DERIVED[kind])
        names = names + [k for k in _attribute_keys(qs) if k not in taken]
    names = names + list(DERIVED[kind])
    return visible_names(user, names)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return formula_guard(str(value))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_guard(s: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with ``'`` (OWASP CSV injection).

    Numbers such as ``-5`` are left alone; the importer strips the ``'`` again, so exports re-import cleanly.
    """
    if s.startswith(FORMULA_STARTS):
        try:
            float(s)
        except ValueError:
            return "'" + s
    return s


def _read_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def export_rows(*, user, kind: str, queryset: QuerySet | None = None) -> Iterator[list[str]]:
    """The header, then one list of cells per record, for the columns ``user`` may see."""
    spec = get_spec(kind)
    qs = export_queryset(kind=kind, queryset=queryset)
    columns = export_columns(user=user, kind=kind, queryset=qs)
    by_name = {c.name: c for c in spec.columns}
    derived = DERIVED[kind]
    yield columns
    for obj in qs.iterator(chunk_size=2000):
        attrs = getattr(obj, "attributes", None) or {}
        row = []
        for name in columns:
            if name in by_name:
                value = _read_path(obj, by_name[name].export_path)
            elif name in derived:
                value = derived[name](obj)
            else:
                value = attrs.get(name)
            row.append(_cell(value))
        yield row


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\n")
    for row in rows:
        yield writer.writerow(row)


def export_csv(*, user, kind: str, queryset: QuerySet | None = None) -> str:
    """The whole export as one string (small exports, tests)."""
    return "".join(export_csv_lines(export_rows(user=user, kind=kind, queryset=queryset)))


def export_csv_response(*, user, kind: str, queryset: QuerySet | None = None) -> StreamingHttpResponse:
    """A streamed CSV download, named ``<kind>-YYYYMMDD-HHMM.csv`` (UTF-8 with BOM for Excel).

    Every export (page, admin changelist, admin action) is written to the audit log: who, what kind,
    and whose records (employee / candidate ids)."""
    from core.audit import audit_record
    from core.models import AuditAction

    qs = export_queryset(kind=kind, queryset=queryset)
    key = {"technicians": "employee_id", "candidates": "candidate_id", "snapshots": "technician__employee_id"}.get(kind)
    audit_record(user=user, action=AuditAction.EXPORT, object_type=kind, via="export",
                 subjects=qs.values_list(key, flat=True)[:500] if key else ())  # fmt: skip
    lines = export_csv_lines(export_rows(user=user, kind=kind, queryset=queryset))

    def body() -> Iterator[str]:
        yield "\ufeff"
        yield from lines

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response
