"""Bounded limit/offset pagination shared by every list endpoint (ninja has no max limit by default)."""

from django.conf import settings
from ninja import Field, Schema


class PageParams(Schema):
    """Query parameters of every paginated list: ``limit`` is bounded by clamp_limit (422 beyond the max)."""

    limit: int | None = Field(
        default=None, ge=1, description="Rows per page: 1..API_MAX_LIMIT (default API_DEFAULT_LIMIT)."
    )
    offset: int = Field(default=0, ge=0, le=10_000_000, description="Rows to skip (0 or more).")


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
