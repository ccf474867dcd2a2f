"""Input types shared by every entry point: one place per kind of value (issue 9, "no 500 from any input").

* ``Code``   — a business code (region, district, source table, …): short, printable ``[A-Za-z0-9_.-]``.
* ``Text``   — free text in a query or body (search strings, titles): no NUL, no lone surrogate, bounded length.
* ``Offset`` / ``Limit`` — bounded integers for pagination (a bigint-sized offset is a 422, not a database error).
* ``page_number`` — the same bound for the ``?page=`` of HTML pages (400 page beyond it).
* ``clean_text`` — sanitises text that is *stored and streamed back* (assistant messages): lone surrogates
  become U+FFFD so the database write and the event stream never break on them.

The API declares these in its OpenAPI schema (pattern, maxLength, minimum/maximum), so clients and the
schemathesis run see the same limits the server enforces.
"""

from __future__ import annotations

import re
from typing import Annotated

from django.conf import settings
from django.core.exceptions import BadRequest
from pydantic import AfterValidator, Field, StringConstraints

CODE_PATTERN = r"^[A-Za-z0-9_.\-]{1,60}$"
MAX_OFFSET = 10_000_000
MAX_PAGE = 100_000
MAX_TEXT = 200
MAX_QUERY_VALUE = 2000  # longest query-string value any page accepts (middleware; see core.middleware)
_CODE_RE = re.compile(CODE_PATTERN)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")  # a str from JSON holds only *lone* surrogates


def _no_nul_or_surrogate(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\x00) characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


def clean_text(value: str) -> str:
    """Text kept and echoed back: drop NUL, replace lone surrogates with U+FFFD (never raises)."""
    value = value.replace("\x00", "")
    return _SURROGATE_RE.sub("\ufffd", value)


Code = Annotated[
    str,
    StringConstraints(pattern=CODE_PATTERN, max_length=60),
    Field(description="A business code (letters, digits, `_`, `.`, `-`; at most 60)."),
]
Text = Annotated[
    str,
    StringConstraints(max_length=MAX_TEXT),
    AfterValidator(_no_nul_or_surrogate),
    Field(description=f"Free text (at most {MAX_TEXT} characters, no NUL)."),
]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"Rows to skip (0..{MAX_OFFSET}).")]
Limit = Annotated[
    int, Field(ge=1, le=settings.API_MAX_LIMIT, description=f"Rows per page (1..{settings.API_MAX_LIMIT}).")
]


def is_code(value: str | None) -> bool:
    return bool(value) and bool(_CODE_RE.match(value))


def page_number(request, *, name: str = "page", default: int = 1, minimum: int = 0, maximum: int = MAX_PAGE) -> int:
    """A page's ``?page=``: missing/blank → default; not an integer or outside minimum..maximum → 400 page."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default
    if not raw.lstrip("-").isdigit() or len(raw) > 12:
        raise BadRequest(f"{name} must be a whole number between {minimum} and {maximum}.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadRequest(f"{name} must be a whole number between {minimum} and {maximum}.")
    return value
