"""REST endpoints under /api/v1/alerts/: the caller's own notifications and alert preferences."""

from __future__ import annotations

from ninja import Router

from alerts import selectors, services
from alerts.schemas import MarkReadIn, MarkReadOut, NotificationPage, PreferencesIn, PreferencesOut
from core.access import requires
from core.openapi import domain_errors
from core.pagination import clamp_limit
from core.params import Limit, Offset
from core.permissions import RECEIVE_ALERTS

router = Router(tags=["alerts"])


_errors = domain_errors({services.AlertsError: 422})  # domain errors → JSON 4xx


@router.get("", response=NotificationPage, summary="Your notifications, newest first (unread count included)")
@requires(RECEIVE_ALERTS)
def notifications(request, unread_only: bool = False, limit: Limit | None = None, offset: Offset = 0):
    limit = clamp_limit(limit)
    qs = selectors.notifications_for(user=request.user, unread_only=unread_only)
    return {"count": qs.count(), "unread": selectors.unread_count(user=request.user), "limit": limit,
            "offset": offset, "items": [selectors.notification_to_dict(n) for n in qs[offset : offset + limit]]}  # fmt: skip


@router.post("read", response={200: MarkReadOut, 422: dict}, summary="Mark notifications read (some ids, or all)")
@_errors
@requires(RECEIVE_ALERTS)
def mark_read(request, payload: MarkReadIn):
    n = services.notifications_mark_read(user=request.user, ids=payload.ids, all_unread=payload.all)
    return 200, {"marked": n, "unread": selectors.unread_count(user=request.user)}


@router.get("preferences", response=PreferencesOut, summary="Which alert kinds and districts you receive")
@requires(RECEIVE_ALERTS)
def preferences(request):
    return selectors.preferences_get(user=request.user)


@router.put("preferences", response={200: PreferencesOut, 422: dict}, summary="Choose alert kinds, districts, email")
@_errors
@requires(RECEIVE_ALERTS)
def preferences_set(request, payload: PreferencesIn):
    return 200, services.preferences_update(user=request.user, kinds=list(payload.kinds),
                                            districts=list(payload.districts), email_digest=payload.email_digest)  # fmt: skip
