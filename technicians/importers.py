"""CSV files in: parse (encoding, delimiter, headers, malformed rows), then validate and upsert.

Parsing problems of one row (an unclosed quote, the wrong number of fields) become row errors with
the row number the user sees in a spreadsheet (header = row 1); problems of the whole file (not
UTF-8, too big, required columns missing) raise ``ImportFileError`` with one clear message.
Validation and writing are ``technicians.rowspec`` and ``technicians.services.records_upsert``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from technicians.rowspec import ROW_ERROR_KEY, ROW_NUMBER_KEY, get_spec
from technicians.services import Policy, UpsertResult, records_upsert

DELIMITERS = (",", ";", "\t")
MAX_RECORD_LINES = 200  # a quoted value spanning more lines than this is taken as an unclosed quote


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class ParsedCsv:
    header: list[str]  # canonical column names, in file order
    rows: list[dict[str, Any]] = field(default_factory=list)  # carry ROW_NUMBER_KEY / ROW_ERROR_KEY
    delimiter: str = ","


def max_import_bytes() -> int:
    return int(getattr(settings, "TECHNICIANS_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


_MULTIBYTE = ("utf", "shift_jis", "euc", "gb", "big5", "cp932", "cp949", "cp950", "hz", "iso2022", "johab")


def _likely_encoding(data: bytes) -> str:
    """Best guess of a non-UTF-8 file's encoding, in the words a spreadsheet's "Save as" dialog uses."""
    import charset_normalizer

    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16 (Excel's 'Unicode Text')"
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    name = best.encoding if best else ""
    if not name.startswith(_MULTIBYTE):
        try:
            data.decode("cp1252")  # short samples are ambiguous between single-byte code pages: name the usual one
            return "Windows-1252 (Excel's plain 'CSV' on Windows)"
        except UnicodeDecodeError:
            pass
    return name or "unknown"


def _bad_rows(data: bytes, limit: int = 10) -> list[int]:
    """1-based line numbers (header = 1) holding bytes that are not UTF-8, at most ``limit``."""
    rows = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            rows.append(number)
            if len(rows) >= limit:
                break
    return rows


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex().upper()
        rows = _bad_rows(data)
        where = f"row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}{' …' if len(rows) >= 10 else ''}"
        raise ImportFileError(
            f"The file is not UTF-8 text (byte 0x{bad} at position {exc.start}; {where}). "
            f"It looks like {_likely_encoding(data)}. Save it as 'CSV UTF-8' and upload it again; nothing was imported."
        )


# Spreadsheet formulas (CSV/formula injection): a value that a spreadsheet would evaluate when the data is
# exported and opened again. Refused as a row error rather than neutralised: neutralising (a leading ') would
# store something other than what was typed, and a formula in HR master data is a mistake or an attack either
# way. Numbers (-3.5, +1) and phone numbers (+1 (555) 0100) are not formulas.
_FORMULA = re.compile(r"^[\t\r\n ]*(?:[=@]|[+\-].*[!|=]|[+\-]\s*[A-Za-z_.]+\s*\()")


def formula_problem(value: str) -> str | None:
    """A row-error reason when ``value`` would be executed as a spreadsheet formula, else None."""
    if value and _FORMULA.match(value):
        shown = value.strip()[:30]
        return (
            f"value {shown!r} looks like a spreadsheet formula (starts with {shown[:1]!r}); formulas are "
            "refused because spreadsheets would run them on export — remove the leading character"
        )
    return None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: 0 for d in DELIMITERS}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _reason(exc: Exception) -> str:
    msg = str(exc)
    if isinstance(exc, _RecordTooLong) or "unexpected end of data" in msg:
        return 'malformed CSV: a quoted value is never closed (unbalanced ")'
    if "expected after" in msg:
        return 'malformed CSV: unexpected character after a closing quote (a " inside a value must be doubled: "")'
    return f"malformed CSV: {msg}"


class _RecordTooLong(Exception):
    pass


def _records(lines: list[str], delimiter: str) -> Iterator[tuple[list[str] | None, str | None]]:
    """(fields, None) per record or (None, reason) for a record that cannot be parsed.

    Uses the csv module's own quoting rules (strict mode). After a broken record, parsing resumes on
    the line after the record's first line, so one stray quote costs one row, not the rest of the file.
    """
    pos = 0
    while pos < len(lines):
        state = {"next": pos, "start": pos}

        def feed(state=state) -> Iterator[str]:
            while state["next"] < len(lines):
                if state["next"] - state["start"] >= MAX_RECORD_LINES:
                    raise _RecordTooLong
                state["next"] += 1
                yield lines[state["next"] - 1]

        reader = csv.reader(feed(), delimiter=delimiter, strict=True)
        try:
            for fields in reader:
                yield fields, None
                state["start"] = state["next"]
            return
        except (csv.Error, _RecordTooLong) as exc:
            spanned = state["next"] - state["start"] > 1
            yield None, (_reason(_RecordTooLong()) if spanned else _reason(exc))
            pos = state["start"] + 1


def csv_parse(data: bytes | str, *, kind: str) -> ParsedCsv:
    """Parse CSV text for ``kind``: UTF-8 (BOM tolerated), ',' ';' or tab, headers matched loosely."""
    spec = get_spec(kind)
    limit = max_import_bytes()
    if len(data) > limit:
        raise ImportFileError(f"The file is {len(data) / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB. Split it.")
    text = _decode(data)
    lines = text.splitlines(keepends=True)
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise ImportFileError("The file is empty.")
    delimiter = _sniff_delimiter(first)
    records = _records(lines, delimiter)
    row_number = 0
    header: list[str] | None = None
    for fields, error in records:
        row_number += 1
        if error:
            raise ImportFileError(f"The header row (row {row_number}) cannot be read: {error}.")
        if fields:  # leading blank lines are skipped
            header = [spec.canonical(h) for h in fields]
            break
    if header is None:
        raise ImportFileError("The file has no header row.")
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name and name in seen:
            raise ImportFileError(f"Column {name!r} appears twice (columns {seen[name] + 1} and {i + 1}).")
        seen[name] = i
    missing = spec.missing_columns(header)
    if missing:
        raise ImportFileError(
            f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"A {kind} file needs: {', '.join(spec.required_columns)}."
        )

    parsed = ParsedCsv(header=header, delimiter=delimiter)
    width = len(header)
    for fields, error in records:
        row_number += 1
        if error:
            parsed.rows.append({ROW_NUMBER_KEY: row_number, ROW_ERROR_KEY: error})
            continue
        if not fields or all(not f.strip() for f in fields):
            continue  # blank line: counted (spreadsheet row numbers) but ignored
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing empty cells (spreadsheet export artefact)
        if len(fields) != width:
            parsed.rows.append(
                {
                    ROW_NUMBER_KEY: row_number,
                    ROW_ERROR_KEY: f"malformed CSV: row has {len(fields)} fields; the header has {width} "
                    f"(check for a missing {delimiter!r} or an unquoted {delimiter!r} inside a value)",
                }
            )
            continue
        row = {name: value for name, value in zip(header, fields, strict=True) if name}
        formula = next(((n, p) for n, v in row.items() if (p := formula_problem(v))), None)
        if formula:
            parsed.rows.append({ROW_NUMBER_KEY: row_number, ROW_ERROR_KEY: f"{formula[0]}: {formula[1]}"})
            continue
        row[ROW_NUMBER_KEY] = row_number
        parsed.rows.append(row)
    if not parsed.rows:
        raise ImportFileError("The file has a header but no data rows.")
    return parsed


def csv_import(
    *, kind: str, data: bytes | str, dry_run: bool = False, policy: Policy = "all_or_nothing"
) -> UpsertResult:
    """Parse, validate and upsert a CSV file's contents. Raises ImportFileError for file-level problems."""
    parsed = csv_parse(data, kind=kind)
    return records_upsert(kind=kind, rows=parsed.rows, policy=policy, dry_run=dry_run)


def read_limited(f: IO[bytes] | Path | str) -> bytes:
    """Read an uploaded file or a path, refusing more than the size limit (without reading it all)."""
    limit = max_import_bytes()
    if isinstance(f, str | Path):
        path = Path(f)
        if not path.is_file():
            raise ImportFileError(f"No such file: {path}")
        if path.stat().st_size > limit:
            raise ImportFileError(f"The file is {path.stat().st_size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB.")
        return path.read_bytes()
    data = f.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(f"The file is larger than the {limit / 1e6:.1f} MB limit. Split it.")
    return data
