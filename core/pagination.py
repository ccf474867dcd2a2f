"""Bounded limit/offset pagination shared by every list endpoint (ninja has no max limit by default)."""

from django.conf import settings
from ninja import Schema

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
