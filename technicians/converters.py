"""Cell converters for the row contract (technicians.rowspec): value in, clean Python value out.

Each converter accepts a string from a CSV or an already-typed value from a warehouse (int, float,
Decimal, date, datetime, bool) and raises ``CellError`` whose message is the user-facing reason.
No Django models and no queries here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

ATTRIBUTE_MAX_LENGTH = 1000
ATTRIBUTE_KEY_MAX_LENGTH = 60
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_CHARS_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_INT_RE = re.compile(r"^[+-]?(0|[1-9]\d*)$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class CellError(ValueError):
    """A value that cannot be converted; the message is the user-facing reason."""


# --------------------------------------------------------------------------- converters


def normalize_header(name: Any) -> str:
    """'Employee ID', 'employee-id', ' EMPLOYEE_ID ' → 'employee_id'."""
    s = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", s).strip("_")


def squash_header(name: str) -> str:
    return name.replace("_", "")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def _check_text(s: str, *, multiline: bool) -> None:
    if "\x00" in s:
        raise CellError("contains a NUL byte")
    m = (_CONTROL_CHARS if multiline else _CONTROL_CHARS_SINGLE_LINE).search(s)
    if m:
        raise CellError(f"contains control character U+{ord(m.group()):04X}")


def text(max_length: int, *, multiline: bool = False) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        s = value if isinstance(value, str) else str(value)
        s = s.strip()
        if s[:1] == "'" and s[1:2] in ("=", "+", "-", "@"):
            s = s[1:]  # undo the export's spreadsheet formula guard (technicians.exports.formula_guard)
        _check_text(s, multiline=multiline)
        if len(s) > max_length:
            raise CellError(f"is {len(s)} characters long; at most {max_length} allowed")
        return s

    return parse


def email(value: Any) -> str:
    s = text(254)(value)
    try:
        validate_email(s)
    except ValidationError:
        raise CellError(f"{s!r} is not a valid email address")
    return s


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    try:
        return date.fromisoformat(s)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(s).date()  # warehouse timestamps as text
    except ValueError:
        raise CellError(f"{s!r} is not a valid date; expected YYYY-MM-DD (e.g. 2024-03-31)")


def parse_month(value: Any) -> date:
    """First day of the month; accepts any day of the month or 'YYYY-MM' and normalises it."""
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", value.strip()) if isinstance(value, str) else None
    if m and 1 <= int(m.group(2)) <= 12:
        return date(int(m.group(1)), int(m.group(2)), 1)
    try:
        d = parse_date(value)
    except CellError:
        raise CellError(f"{str(value).strip()!r} is not a valid month; expected YYYY-MM or YYYY-MM-01")
    return d.replace(day=1)


def parse_monday(value: Any) -> date:
    d = parse_date(value)
    if d.weekday() != 0:
        monday = d - timedelta(days=d.weekday())
        raise CellError(
            f"{d.isoformat()} is a {WEEKDAYS[d.weekday()]}; week_start must be a Monday "
            f"(the Monday of that week is {monday.isoformat()})"
        )
    return d


def _to_number(value: Any, *, whole: bool) -> int | float | Decimal:
    what = "whole number" if whole else "number"
    if isinstance(value, bool):
        raise CellError(f"must be a {what}, not {str(value).lower()}")
    if isinstance(value, int | float | Decimal):
        n = value
    else:
        s = str(value).strip()
        if _INT_RE.match(s) or _FLOAT_RE.match(s):
            n = Decimal(s)
        else:
            raise CellError(f"{s!r} is not a {what}")
    if isinstance(n, float | Decimal) and not math.isfinite(n):
        raise CellError(f"{value!r} is not a {what}")
    if whole:
        if n != int(n):
            raise CellError(f"must be a whole number (got {value})")
        return int(n)
    return n


def integer(*, min_value: int | None = 0, max_value: int | None = 2_147_483_647) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        n = _to_number(value, whole=True)
        if min_value is not None and n < min_value:
            raise CellError(f"must be at least {min_value} (got {n})")
        if max_value is not None and n > max_value:
            raise CellError(f"must be at most {max_value} (got {n})")
        return n

    return parse


def number(
    *, min_value: float | None = None, max_value: float | None = None, rate: bool = False
) -> Callable[[Any], float]:
    """A float; ``rate=True`` also accepts '85%' and explains that rates are fractions of 1."""

    def parse(value: Any) -> float:
        pct = rate and isinstance(value, str) and value.strip().endswith("%")
        x = float(_to_number(value.strip()[:-1] if pct else value, whole=False))
        if pct:
            x /= 100
        if not math.isfinite(x):
            raise CellError(f"{value!r} is too large")
        lo = min_value if min_value is not None else -math.inf
        hi = max_value if max_value is not None else math.inf
        if not lo <= x <= hi:
            shown = f"{x:g}"
            if rate:
                raise CellError(f"is a rate and must be between {lo:g} and {hi:g} (got {shown}; write 85% as 0.85)")
            if max_value is None:
                raise CellError(f"must be at least {lo:g} (got {shown})")
            if min_value is None:
                raise CellError(f"must be at most {hi:g} (got {shown})")
            raise CellError(f"must be between {lo:g} and {hi:g} (got {shown})")
        return x

    return parse


def decimal(
    *,
    max_digits: int,
    places: int,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    money: bool = False,
) -> Callable[[Any], Decimal]:
    quantum = Decimal(1).scaleb(-places)
    limit = Decimal(10) ** (max_digits - places)

    def parse(value: Any) -> Decimal:
        if money and isinstance(value, str):
            value = value.strip().lstrip("$").strip()
        n = _to_number(value, whole=False)
        d = Decimal(str(n)) if isinstance(n, float) else Decimal(n)
        if abs(d) >= limit:
            raise CellError(
                f"is too large (at most {max_digits - places} digits before the decimal point; got {value})"
            )
        d = d.quantize(quantum, rounding=ROUND_HALF_UP)
        if money and d < 0:
            raise CellError(f"negative pay is not allowed (got {d})")
        if min_value is not None and d < min_value:
            if max_value is not None:
                raise CellError(f"must be between {min_value} and {max_value} (got {d})")
            raise CellError(f"must be at least {min_value} (got {d})")
        if max_value is not None and d > max_value:
            raise CellError(f"must be between {min_value} and {max_value} (got {d})")
        return d

    return parse


def choice(choices: type[models.TextChoices], *, label: str) -> Callable[[Any], str]:
    """Match a choice by value or label, case-, space- and hyphen-insensitively."""
    lookup: dict[str, str] = {}
    for value, display in choices.choices:
        lookup[normalize_header(value)] = value
        lookup[normalize_header(display)] = value
        lookup[value.lower()] = value

    def parse(v: Any) -> str:
        s = str(v).strip()
        found = lookup.get(s.lower()) or lookup.get(normalize_header(s))
        if found is None:
            raise CellError(f"{s!r} is not a valid {label}; expected one of: {', '.join(choices.values)}")
        return found

    return parse


# Common spellings of self-reported sex and race/ethnicity in HR systems (normalised like headers).
SEX_SYNONYMS = {
    "f": "female", "woman": "female", "m": "male", "man": "male",
    "prefer_not_to_say": "not_disclosed", "declined": "not_disclosed", "decline_to_state": "not_disclosed",
    "unknown": "not_disclosed", "not_specified": "not_disclosed", "undisclosed": "not_disclosed",
}  # fmt: skip
RACE_SYNONYMS = {
    "hispanic": "hispanic_latino", "latino": "hispanic_latino", "latina": "hispanic_latino",
    "hispanic_or_latino": "hispanic_latino", "black": "black", "african_american": "black",
    "asian": "asian", "white": "white", "caucasian": "white", "two_or_more": "two_or_more",
    "multiracial": "two_or_more", "two_or_more_races": "two_or_more", "american_indian": "american_indian_alaska",
    "alaska_native": "american_indian_alaska", "native_american": "american_indian_alaska",
    "pacific_islander": "native_hawaiian_pacific", "native_hawaiian": "native_hawaiian_pacific",
    "prefer_not_to_say": "not_disclosed", "declined": "not_disclosed", "decline_to_state": "not_disclosed",
    "unknown": "not_disclosed", "not_specified": "not_disclosed", "undisclosed": "not_disclosed",
}  # fmt: skip


def protected_choice(choices: type[models.TextChoices], *, label: str, synonyms: Mapping[str, str]):
    """Like ``choice`` for a self-reported protected characteristic: also accepts common synonyms
    ("F", "Prefer not to say", "Caucasian" …). The error message never echoes the value (it is protected)."""
    base = choice(choices, label=label)

    def parse(v: Any) -> str:
        s = str(v).strip()
        mapped = synonyms.get(normalize_header(s)) or synonyms.get(s.lower())
        if mapped:
            return mapped
        try:
            return base(s)
        except CellError:
            raise CellError(f"is not a valid {label}; expected one of: {', '.join(choices.values)}") from None

    return parse


def parse_attribute(value: Any) -> Any:
    """A value for the ``attributes`` JSON: numbers as numbers, true/false as booleans, JSON objects and
    lists as such, else text."""
    if value is None:
        return None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list | tuple):
        return list(value)
    s = str(value).strip()
    if s == "":
        return None
    _check_text(s, multiline=True)
    if len(s) > ATTRIBUTE_MAX_LENGTH:
        raise CellError(f"is {len(s)} characters long; at most {ATTRIBUTE_MAX_LENGTH} allowed")
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if _INT_RE.match(s):  # '007' (a code with leading zeros) stays text
        return int(s)
    if _FLOAT_RE.match(s) and not re.match(r"^[+-]?0\d", s):
        x = float(s)
        if math.isfinite(x):
            return x
    if s[0] in "{[" and s[-1] in "}]":  # a JSON object/list, e.g. an exported nested attribute
        try:
            return json.loads(s)
        except ValueError:
            pass
    return s


def parse_attributes_json(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    try:
        data = json.loads(str(value))
    except ValueError:
        raise CellError('must be a JSON object, e.g. {"union_member": true}')
    if not isinstance(data, dict):
        raise CellError('must be a JSON object, e.g. {"union_member": true}')
    return data
