"""Hiring pipeline: per-source / per-district yield (applied → hired → still employed 90 days after start) and
time-to-fill (application → start), for applications made in a period.

One SQL statement with GROUPING SETS (the groups and the total in one scan of the candidates in the period; no
per-row Python), so it stays fast at 100k candidates. Lives in analytics (not technicians or predictions): like
trends and survival it is an aggregate read across technicians and candidates with no model behind it, it shares
the analytics place filters (``Filters``), and it sits on the analytics pages.

Definitions (the same on the page, in the API and in the assistant):
- *applied*: candidates whose application date is in the period;
- *decided*: applications no longer open (hired, rejected, withdrawn); *in process* = applied − decided;
- *hired*: applications that became a technician (``hired_technician``); *hire rate* = hired ÷ decided;
- *90 days reached*: hires whose start (the technician's hire date) is at least 90 days before today;
  *still employed at 90 days*: of those, not terminated within 90 days of the start;
  *90-day retention* = still employed at 90 days ÷ 90 days reached;
- *yield* (applied → still employed at 90 days) = hire rate × 90-day retention: of every decided application,
  the share that became a technician still there 90 days later;
- *time-to-fill*: days from application to start for hires (median, mean and 90th percentile).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from analytics.population import AnalyticsInputError, Filters

PIPELINE_GROUPS = ("source", "district", "region", "trade")
RETENTION_DAYS = 90
_KEY_SQL = {"source": "c.source", "district": "d.code", "region": "r.code", "trade": "c.trade"}
_OPEN = ("applied", "screening", "interview", "offer", "accepted")


def _labels(by: str) -> dict[str, str]:
    """Display names of the group keys (one query; analytics.selectors re-exports this module, so no import back)."""
    from technicians.models import CandidateSource, District, Region, Trade

    if by in ("district", "region"):
        return dict((District if by == "district" else Region).objects.values_list("code", "name"))
    return dict(CandidateSource.choices if by == "source" else Trade.choices)


def _ratio(a, b) -> float | None:
    return (a / b) if b else None


def pipeline_yield(
    *, filters: Filters, by: str = "source", start: date | None = None, end: date | None = None,
    today: date | None = None,
) -> dict:  # fmt: skip
    """Yield and time-to-fill per group for applications made in ``[start, end]`` (default: the 24 months up to
    today), plus the total row. Groups with no applications are not listed."""
    if by not in PIPELINE_GROUPS:
        raise AnalyticsInputError(f"unknown grouping {by!r}; valid: {', '.join(PIPELINE_GROUPS)}")
    filters = filters.validate()
    today = today or date.today()
    end = end or today
    start = start or (end - timedelta(days=730))
    if start > end:
        raise AnalyticsInputError(f"start {start} is after end {end}")
    # candidates carry their own district and trade; the filters' schedule applies to hires only (it is theirs)
    where, params = Filters(region=filters.region, district=filters.district, trade=filters.trade).where(t="c")
    # column names from the fixed _KEY_SQL map and the filters' own placeholders: no user text in the SQL
    sql = f"""
        SELECT {_KEY_SQL[by]} AS key, GROUPING({_KEY_SQL[by]}) AS is_total,
               count(*) AS applied,
               count(*) FILTER (WHERE c.stage <> ALL(%s)) AS decided,
               count(t.id) AS hired,
               count(t.id) FILTER (WHERE t.hire_date <= %s) AS reached_90,
               count(t.id) FILTER (WHERE t.hire_date <= %s AND (t.termination_date IS NULL
                                  OR t.termination_date > t.hire_date + {RETENTION_DAYS})) AS kept_90,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY t.hire_date - c.applied_date)
                   FILTER (WHERE t.id IS NOT NULL) AS ttf_median,
               avg(t.hire_date - c.applied_date) FILTER (WHERE t.id IS NOT NULL) AS ttf_mean,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY t.hire_date - c.applied_date)
                   FILTER (WHERE t.id IS NOT NULL) AS ttf_p90
        FROM technicians_candidate c
        JOIN technicians_district d ON d.id = c.district_id
        JOIN technicians_region r ON r.id = d.region_id
        LEFT JOIN technicians_technician t ON t.id = c.hired_technician_id
        WHERE c.applied_date BETWEEN %s AND %s AND {where}
        GROUP BY GROUPING SETS (({_KEY_SQL[by]}), ())
    """  # noqa: S608
    mature = today - timedelta(days=RETENTION_DAYS)
    with connection.cursor() as cur:
        cur.execute(sql, [list(_OPEN), mature, mature, start, end, *params])
        cols = [c[0] for c in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    labels = _labels(by)

    def shape(r: dict) -> dict:
        hire_rate = _ratio(r["hired"], r["decided"])
        retention = _ratio(r["kept_90"], r["reached_90"])
        return {
            "key": None if r["is_total"] else r["key"],
            "label": "All" if r["is_total"] else labels.get(r["key"], str(r["key"])),
            "applied": r["applied"], "in_process": r["applied"] - r["decided"], "decided": r["decided"],
            "hired": r["hired"], "reached_90_days": r["reached_90"], "still_employed_90_days": r["kept_90"],
            "hire_rate": hire_rate, "retention_90_days": retention,
            "yield_90_days": hire_rate * retention if hire_rate is not None and retention is not None else None,
            "time_to_fill_median_days": None if r["ttf_median"] is None else float(r["ttf_median"]),
            "time_to_fill_mean_days": None if r["ttf_mean"] is None else float(r["ttf_mean"]),
            "time_to_fill_p90_days": None if r["ttf_p90"] is None else float(r["ttf_p90"]),
        }  # fmt: skip

    total = next((shape(r) for r in rows if r["is_total"]), None)
    groups = sorted((shape(r) for r in rows if not r["is_total"]), key=lambda g: (-g["applied"], g["label"]))
    empty = shape({"key": None, "is_total": 1, "applied": 0, "decided": 0, "hired": 0, "reached_90": 0,
                   "kept_90": 0, "ttf_median": None, "ttf_mean": None, "ttf_p90": None})  # fmt: skip
    return {
        "by": by, "start": start, "end": end, "as_of": today, "filters": filters.as_dict(),
        "total": total or empty, "groups": groups,
        "definitions": {
            "hire_rate": "hired ÷ decided applications (hired, rejected or withdrawn)",
            "retention_90_days": f"of hires whose start is at least {RETENTION_DAYS} days ago, the share not "
            f"terminated within {RETENTION_DAYS} days",
            "yield_90_days": "hire rate × 90-day retention: share of decided applications that became a technician "
            "still employed 90 days after starting",
            "time_to_fill": "days from application to start (the technician's hire date), hires only",
        },
    }  # fmt: skip
