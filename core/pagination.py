"""Bounded limit/offset pagination shared by every list endpoint (ninja has no max limit by default)."""

from typing import Annotated

from django.conf import settings
from ninja import Schema
from pydantic import Field, StringConstraints

from core.params import Limit, Offset


class PageParams(Schema):
    """Query parameters of every paginated list: ``limit`` 1..API_MAX_LIMIT, ``offset`` bounded (422 beyond)."""

    limit: Limit | None = None
    offset: Offset = 0


def clamp_limit(limit: int | None) -> int:
    from ninja.errors import HttpError

    if limit is None:
        return settings.API_DEFAULT_LIMIT
    if limit > settings.API_MAX_LIMIT:
        raise HttpError(422, f"limit must be between 1 and {settings.API_MAX_LIMIT} (got {limit}).")
    return limit


def paginate(qs, *, limit: int | None, offset: int) -> dict:
    """Return {'count', 'limit', 'offset', 'items'} for a queryset or list."""
    limit = clamp_limit(limit)
    count = qs.count() if hasattr(qs, "count") and not isinstance(qs, list) else len(qs)
    return {"count": count, "limit": limit, "offset": offset, "items": list(qs[offset : offset + limit])}


# ---------------------------------------------------------------------- keyset (cursor) pagination
# Offset paging reads (and skips) every row before the page; a cursor names the last row seen, so the next
# page is an index seek however deep it is. Lists that support it return ``next_cursor`` beside ``offset``.
Cursor = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_\-]{1,400}$"),
    Field(description="`next_cursor` of the previous page: the page after it, read by index (offset ignored)."),
]


class CursorError(ValueError):
    """A ``cursor`` that this server did not hand out (or that belongs to another list)."""


def keyset_encode(*values) -> str:
    """An opaque cursor for "the rows after this sort key": URL-safe base64 of the key as JSON."""
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode().rstrip("=")


def keyset_decode(cursor: str, *, types: tuple[type, ...]) -> tuple:
    """The sort key inside ``cursor``, each part checked against ``types``; CursorError if it is not one."""
    import base64
    import binascii
    import json

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise CursorError("cursor is not one this list handed out (use next_cursor of the previous page)") from None
    ok = isinstance(values, list) and len(values) == len(types)
    ok = ok and all(
        isinstance(v, t) and not isinstance(v, bool) or (t is float and isinstance(v, int) and not isinstance(v, bool))
        for v, t in zip(values, types, strict=False)
    )
    if not ok:
        raise CursorError("cursor is not one this list handed out (use next_cursor of the previous page)")
    return tuple(float(v) if t is float else v for v, t in zip(values, types, strict=True))
