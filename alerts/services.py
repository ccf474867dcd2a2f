"""Writes for alerts: ``notify`` (the entry other apps call), the set-based scan that turns a scoring and recent
candidate stage changes into notifications, the daily digest, marking read and preferences.

Idempotent by construction: every notification carries a ``dedupe_key`` unique per user (database constraint)
and rows are inserted with ON CONFLICT DO NOTHING, so a scan re-run after a rescoring of the same day, or a
re-delivered task, adds nothing twice. A digest claims its (user, day) row before mailing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alerts import selectors
from alerts.models import AlertKind, AlertPreference, DigestSent, Notification
from core.access import check
from core.permissions import RECEIVE_ALERTS

log = logging.getLogger(__name__)
BATCH = 5000


class AlertsError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


# --------------------------------------------------------------------------- fan-out


def _deliver(events: pd.DataFrame, recipients: pd.DataFrame) -> int:
    """Match events (kind, district, …) to recipients (user_id, kind, want_district) and insert the
    notifications, skipping any (user, dedupe_key) already there. Returns how many were new."""
    if events.empty or recipients.empty:
        return 0
    events = events.assign(district=events["district"].fillna("").astype(str))
    everywhere = recipients[recipients["want_district"] == "*"]
    local = recipients[recipients["want_district"] != "*"].rename(columns={"want_district": "district"})
    # two equi-joins (users who want every district; users who want this district), never a cross product
    matched = pd.concat([events.merge(everywhere, on="kind"), events.merge(local, on=["kind", "district"])],
                        ignore_index=True).drop_duplicates(["user_id", "dedupe_key"])  # fmt: skip
    if matched.empty:
        return 0
    now = timezone.now()
    created = 0
    sql = (
        "INSERT INTO alerts_notification (user_id, kind, text, link, district, dedupe_key, created_at) "
        "SELECT u, k, t, l, d, key, %s FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], "
        "%s::text[]) AS x(u, k, t, l, d, key) ON CONFLICT (user_id, dedupe_key) DO NOTHING"
    )
    with connection.cursor() as cur:
        for start in range(0, len(matched), BATCH):
            part = matched.iloc[start : start + BATCH]
            cur.execute(sql, [
                now, [int(u) for u in part["user_id"]], part["kind"].astype(str).tolist(),
                part["text"].astype(str).str.slice(0, 500).tolist(), part["link"].fillna("").astype(str).str.slice(0, 300).tolist(),
                part["district"].fillna("").astype(str).str.slice(0, 30).tolist(),
                part["dedupe_key"].astype(str).str.slice(0, 200).tolist(),
            ])  # fmt: skip
            created += max(cur.rowcount, 0)
    return created


def _users_of(users_or_role) -> list[int]:
    """User ids from a role name (a group), a permission name ("core.…"), one user, or an iterable of users/ids."""
    User = get_user_model()
    if isinstance(users_or_role, str):
        if users_or_role.startswith("core."):
            app, codename = users_or_role.split(".", 1)
            qs = User.objects.filter(groups__permissions__codename=codename,
                                     groups__permissions__content_type__app_label=app)  # fmt: skip
        else:
            if not Group.objects.filter(name=users_or_role).exists():
                raise AlertsError("users_or_role", f"no role named {users_or_role!r}")
            qs = User.objects.filter(groups__name=users_or_role)
        return list(qs.filter(is_active=True).distinct().values_list("pk", flat=True))
    if isinstance(users_or_role, User):
        return [users_or_role.pk]
    return [u.pk if isinstance(u, User) else int(u) for u in users_or_role]


def notify(users_or_role, kind: str, text: str, link: str = "", dedupe_key: str = "", *, district: str = "") -> int:
    """Notify users (a role name such as "HR admin", a permission "core.…", a user or users) of one event.

    Only users who receive alerts get it, and only if their preferences include ``kind`` (and ``district``, when
    given). ``dedupe_key`` names the event: the same key never notifies the same user twice (default: kind+text).
    Returns how many notifications were created."""
    if kind not in AlertKind.values:
        raise AlertsError("kind", f"must be one of {', '.join(AlertKind.values)} (got {kind!r})")
    text = (text or "").strip()
    if not text:
        raise AlertsError("text", "must not be empty")
    ids = _users_of(users_or_role)
    recipients = selectors.recipients_frame(user_ids=ids)
    events = pd.DataFrame([{"kind": kind, "district": district or "", "text": text, "link": link or "",
                            "dedupe_key": (dedupe_key or f"{kind}:{text}")[:200]}])  # fmt: skip
    with transaction.atomic():
        return _deliver(events, recipients)


# --------------------------------------------------------------------------- scan


def alerts_scan(*, threshold: float | None = None, since=None) -> dict[str, int]:
    """Turn the current retention scoring (vs the previous one) and recent candidate stage changes into
    notifications for every user whose preferences match. Safe to run any number of times."""
    threshold = settings.ALERTS_RISK_RISE_THRESHOLD if threshold is None else float(threshold)
    since = since or timezone.now() - timedelta(hours=settings.ALERTS_STAGE_LOOKBACK_HOURS)
    risk = selectors.risk_events(threshold=threshold)
    stages = selectors.stage_events(since=since)
    recipients = selectors.recipients_frame()
    with transaction.atomic():
        created = _deliver(pd.concat([risk, stages], ignore_index=True), recipients)
    out = {"risk_events": int(len(risk)), "stage_events": int(len(stages)), "notifications": created}
    log.info("alerts scan: %s", out)
    return out


# --------------------------------------------------------------------------- digest


def _digest_text(user, items: list[Notification], more: int) -> str:
    base = settings.SITE_URL.rstrip("/")
    lines = [f"Hello {user.get_full_name() or user.get_username()},", "",
             f"{len(items) + more} new alert(s) since your last digest:", ""]  # fmt: skip
    for n in items:
        lines.append(f"- [{n.get_kind_display()}] {n.text}")
        if n.link:
            lines.append(f"  {base}{n.link}")
    if more:
        lines.append(f"… and {more} more.")
    lines += ["", f"Read them all and choose what you receive: {base}/alerts/", ""]
    return "\n".join(lines)


def digest_send(*, day: date | None = None, limit: int = 50) -> dict[str, int]:
    """Email each user who wants a digest (and has an address) their not-yet-emailed notifications, once a day."""
    day = day or timezone.localdate()
    no_email = set(AlertPreference.objects.filter(email_digest=False).values_list("user_id", flat=True))
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
        .exclude(user_id__in=no_email)
        .exclude(user__email="")
        .values_list("user_id", flat=True)
        .distinct()
    )
    users = selectors.recipients_query().filter(pk__in=list(pending))
    sent = skipped = 0
    for user in users:
        try:
            with transaction.atomic():
                DigestSent.objects.create(user=user, day=day)  # the claim: a second run for this day stops here
        except IntegrityError:
            skipped += 1
            continue
        qs = Notification.objects.filter(user=user, emailed_at__isnull=True, read_at__isnull=True).order_by(
            "-created_at"
        )
        ids = list(qs.values_list("pk", flat=True))
        items = list(qs[:limit])
        try:
            send_mail(f"Technician Analytics: {len(ids)} new alert(s)", _digest_text(user, items, len(ids) - len(items)),
                      settings.DEFAULT_FROM_EMAIL, [user.email])  # fmt: skip
        except Exception:
            DigestSent.objects.filter(user=user, day=day).delete()  # release the claim: a retry may send it
            raise
        Notification.objects.filter(pk__in=ids).update(emailed_at=timezone.now())
        DigestSent.objects.filter(user=user, day=day).update(notifications=len(ids))
        sent += 1
    return {"sent": sent, "already_sent": skipped}


# --------------------------------------------------------------------------- the user's own list


def notifications_mark_read(*, user, ids: Iterable[int] | None = None, all_unread: bool = False) -> int:
    """Mark the user's own notifications read (ids of someone else's are ignored). Returns how many changed."""
    check(user, RECEIVE_ALERTS)
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if not all_unread:
        try:
            wanted = [int(i) for i in (ids or [])]
        except (TypeError, ValueError) as exc:
            raise AlertsError("ids", "must be notification ids (integers)") from exc
        if not wanted:
            raise AlertsError("ids", "name at least one notification, or mark all read")
        qs = qs.filter(pk__in=wanted)
    return qs.update(read_at=timezone.now())


def preferences_update(*, user, kinds: list[str], districts: list[str], email_digest: bool) -> dict[str, Any]:
    check(user, RECEIVE_ALERTS)
    bad = sorted(set(kinds) - set(AlertKind.values))
    if bad:
        raise AlertsError("kinds", f"unknown kind {bad[0]!r} (choose from {', '.join(AlertKind.values)})")
    from technicians.models import District

    districts = sorted(set(districts))
    known = set(District.objects.filter(code__in=districts).values_list("code", flat=True))
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise AlertsError("districts", f"unknown district {unknown[0]!r}")
    AlertPreference.objects.update_or_create(
        user=user, defaults={"kinds": sorted(set(kinds)), "districts": districts, "email_digest": bool(email_digest)}
    )
    return selectors.preferences_get(user=user)
