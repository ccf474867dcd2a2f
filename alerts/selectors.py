"""Reads for alerts: a user's notifications and preferences, the recipients' preferences as one frame, and the
alert events of a scoring / of recent candidate stage changes — each ONE SQL query over the population,
turned into a pandas frame (no per-technician Python)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet

from alerts.models import AlertKind, AlertPreference, Notification, all_kinds
from core.permissions import RECEIVE_ALERTS

EVENT_COLUMNS = ["kind", "district", "text", "link", "dedupe_key"]
# candidate stages in pipeline order; moving to a later one is "passing a stage" (rejected/withdrawn are not)
STAGE_ORDER = ["applied", "screening", "interview", "offer", "accepted", "hired"]


def unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def notification_to_dict(n: Notification) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "kind_label": n.get_kind_display(), "text": n.text, "link": n.link or None,
            "district": n.district or None, "created_at": n.created_at, "read_at": n.read_at}  # fmt: skip


def preferences_get(*, user) -> dict[str, Any]:
    p = AlertPreference.objects.filter(user=user).first()
    if p is None:
        return {"kinds": all_kinds(), "districts": [], "email_digest": True}
    return {"kinds": list(p.kinds), "districts": list(p.districts), "email_digest": p.email_digest}


def recipients_query() -> QuerySet:
    """Active users who receive alerts (core.receive_alerts through a role, or superusers)."""
    app, codename = RECEIVE_ALERTS.split(".", 1)
    perm = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app)
    return get_user_model().objects.filter(perm | Q(is_superuser=True), is_active=True).distinct()


def recipients_frame(*, user_ids: list[int] | None = None) -> pd.DataFrame:
    """One row per (user_id, kind, district) a user wants; district "*" = every district. Users without a
    preference row get every kind everywhere."""
    users = recipients_query()
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    ids = list(users.values_list("pk", flat=True))
    if not ids:
        return pd.DataFrame(columns=["user_id", "kind", "want_district"])
    prefs = pd.DataFrame(
        list(AlertPreference.objects.filter(user_id__in=ids).values("user_id", "kinds", "districts")),
        columns=["user_id", "kinds", "districts"],
    )
    frame = pd.DataFrame({"user_id": ids}).merge(prefs, on="user_id", how="left")
    missing = frame["kinds"].isna()
    frame.loc[missing, "kinds"] = pd.Series(
        [all_kinds()] * int(missing.sum()), index=frame.index[missing], dtype=object
    )
    frame["districts"] = frame["districts"].apply(lambda d: d if isinstance(d, list) and d else ["*"])
    frame = frame.explode("kinds").explode("districts").dropna(subset=["kinds"])
    return frame.rename(columns={"kinds": "kind", "districts": "want_district"})[["user_id", "kind", "want_district"]]


def _frame(sql: str, params: dict, columns: list[str]) -> pd.DataFrame:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=columns)


def scoring_pair() -> tuple[tuple[Any, Any] | None, tuple[Any, Any] | None]:
    """((model_id, as_of) of the current retention scoring, (model_id, as_of) of the one before it), or Nones.

    The previous scoring is the latest other scoring on or before the current date, by any retention version,
    so a newly promoted version is compared with what its predecessor said."""
    from predictions.selectors import current_risk_scores

    model, qs = current_risk_scores()
    if model is None:
        return None, None
    as_of = next(iter(qs.order_by().values_list("as_of", flat=True)[:1]), None)  # one indexed row, no sort
    if as_of is None:
        return None, None
    sql = """
        SELECT m.id, (SELECT max(p.as_of) FROM predictions_prediction p
                      WHERE p.model_id = m.id AND p.technician_id IS NOT NULL
                        AND (p.as_of < %(d)s OR (p.as_of = %(d)s AND m.id <> %(m)s))) AS d
        FROM predictions_trainedmodel m WHERE m.model_type = 'retention'
        ORDER BY d DESC NULLS LAST, (m.id = %(m)s), m.activated_at DESC NULLS LAST LIMIT 1"""
    with connection.cursor() as cur:
        cur.execute(sql, {"d": as_of, "m": model.pk})
        row = cur.fetchone()
    previous = (row[0], row[1]) if row and row[1] is not None else None
    return (model.pk, as_of), previous


def _pct(values: pd.Series) -> pd.Series:
    return (values.fillna(0) * 100).round().astype(int).astype(str) + "%"


def risk_events(*, threshold: float) -> pd.DataFrame:
    """Alert events of the current scoring against the previous one: who moved into the high band, whose risk
    rose by more than ``threshold`` (0..1). Empty before there are two scorings to compare."""
    current, previous = scoring_pair()
    if current is None or previous is None:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    df = _frame(
        """
        SELECT t.employee_id, t.first_name || ' ' || t.last_name, d.code, d.name, c.score, pv.score, c.band, pv.band
        FROM predictions_prediction c
        JOIN technicians_technician t ON t.id = c.technician_id
        JOIN technicians_district d ON d.id = t.district_id
        LEFT JOIN predictions_prediction pv
               ON pv.model_id = %(pm)s AND pv.as_of = %(pd)s AND pv.technician_id = c.technician_id
        WHERE c.model_id = %(m)s AND c.as_of = %(d)s AND c.technician_id IS NOT NULL
          AND ((c.band = 'high' AND pv.band IS DISTINCT FROM 'high') OR (c.score - pv.score > %(th)s))""",
        {"m": current[0], "d": current[1], "pm": previous[0], "pd": previous[1], "th": threshold},
        ["employee_id", "name", "district", "district_name", "score", "prev_score", "band", "prev_band"],
    )
    if df.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    scoring = f"{current[0]}:{current[1]}"
    who = df["name"] + " (" + df["employee_id"] + ", " + df["district_name"] + ")"
    df["score"] = pd.to_numeric(df["score"]).astype(float)
    df["prev_score"] = pd.to_numeric(df["prev_score"]).astype(float)
    now = _pct(df["score"])
    was = _pct(df["prev_score"]).where(df["prev_score"].notna(), "not scored before")
    link = "/technicians/" + df["employee_id"] + "/"
    high = df[(df["band"] == "high") & (df["prev_band"] != "high")]
    rise = df[(df["score"] - df["prev_score"]) > threshold]
    frames = [
        pd.DataFrame({"kind": AlertKind.HIGH_RISK.value, "district": high["district"],
                      "text": who[high.index] + " moved into high risk: " + now[high.index] + " (was " + was[high.index] + ").",
                      "link": link[high.index],
                      "dedupe_key": f"high_risk:{scoring}:" + high["employee_id"]}),
        pd.DataFrame({"kind": AlertKind.RISK_RISE.value, "district": rise["district"],
                      "text": who[rise.index] + ": risk rose from " + was[rise.index] + " to " + now[rise.index]
                              + " (+" + ((rise["score"] - rise["prev_score"]) * 100).round().astype(int).astype(str)
                              + " points) since the previous scoring.",
                      "link": link[rise.index],
                      "dedupe_key": f"risk_rise:{scoring}:" + rise["employee_id"]}),
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)[EVENT_COLUMNS]


def stage_events(*, since: datetime) -> pd.DataFrame:
    """Candidates who moved to a later pipeline stage since ``since``, from the candidates' change history
    (pghistory rows of technicians.Candidate): one window query, previous stage by LAG."""
    df = _frame(
        """
        WITH touched AS (SELECT DISTINCT pgh_obj_id FROM technicians_candidateevent WHERE pgh_created_at >= %(since)s),
        ev AS (
            SELECT e.pgh_created_at, e.candidate_id, e.first_name, e.last_name, e.district_id, e.stage,
                   lag(e.stage) OVER (PARTITION BY e.pgh_obj_id ORDER BY e.pgh_id) AS prev_stage
            FROM technicians_candidateevent e JOIN touched USING (pgh_obj_id))
        SELECT ev.candidate_id, ev.first_name || ' ' || ev.last_name, d.code, d.name, ev.prev_stage, ev.stage
        FROM ev JOIN technicians_district d ON d.id = ev.district_id
        WHERE ev.pgh_created_at >= %(since)s
          AND array_position(%(order)s::text[], ev.stage) > array_position(%(order)s::text[], ev.prev_stage)""",
        {"since": since, "order": STAGE_ORDER},
        ["candidate_id", "name", "district", "district_name", "prev_stage", "stage"],
    )
    if df.empty:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    from technicians.models import CandidateStage

    labels = dict(CandidateStage.choices)
    df = df.drop_duplicates(["candidate_id", "stage"], keep="last")
    return pd.DataFrame({
        "kind": AlertKind.STAGE_PASSED.value, "district": df["district"],
        "text": "Candidate " + df["name"] + " (" + df["candidate_id"] + ", " + df["district_name"] + ") moved from "
                + df["prev_stage"].map(labels) + " to " + df["stage"].map(labels) + ".",
        "link": "/predictions/candidates/" + df["candidate_id"] + "/",
        "dedupe_key": "stage_passed:" + df["candidate_id"] + ":" + df["stage"],
    })[EVENT_COLUMNS]  # fmt: skip
