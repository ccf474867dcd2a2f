"""The generator's output frames: technicians, monthly snapshots and candidates (hired, closed and the
open pipeline), built from the simulated person pool. Pure numpy/pandas."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from technicians.demo.company import (
    CANDIDATE_NOTES,
    FIRST_NAMES,
    LAST_NAMES,
    OPEN_STAGE_PROB,
    OPEN_STAGES,
    SCHEDULES,
    SHIFT_PROB,
    SHIFTS,
    SOURCE_EFFECT,
    SOURCES,
    TECH_NOTES,
    TRADE_BASE_PAY,
    TRADE_PROB,
    TRADES,
)

if TYPE_CHECKING:
    from technicians.demo.pool import Pool


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    """Deterministic version-4 UUIDs from the generator."""
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    return [str(uuid.UUID(bytes=row.tobytes())) for row in b]


def _emails(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """first.last@example.com, made unique with a counter suffix (first.last2@…) in row order."""
    base = pd.Series([f"{f}.{ln}".lower() for f, ln in zip(first, last, strict=True)])
    n = base.groupby(base, sort=False).cumcount().to_numpy()
    suffix = np.where(n == 0, "", (n + 1).astype(str))
    return (base.to_numpy().astype(object) + suffix.astype(object) + "@example.com").astype(object)


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), size=n)]
    return first, last


def _technicians_frame(pool: Pool, districts: pd.DataFrame, rng_names, rng_ids) -> pd.DataFrame:
    n = pool.n
    # Employee ids in hire order (ties broken by pool order) — stable and deterministic.
    order = np.lexsort((np.arange(n), pool["hire_ord"]))
    emp_no = np.empty(n, dtype=np.int64)
    emp_no[order] = np.arange(1, n + 1)
    first, last = _names(rng_names, n)
    term_type = pool["term_type"]
    terminated = term_type > 0
    perf = np.round(np.clip(pool["last_perf"], 1, 5) * 2) / 2
    notes_pick = rng_names.random(n)
    note_idx = rng_names.integers(0, len(TECH_NOTES), size=n)
    notes = np.where(notes_pick < 0.12, np.array(TECH_NOTES, dtype=object)[note_idx], "")
    frame = pd.DataFrame(
        {
            "id": _uuids(rng_ids, n),
            "employee_id": [f"E{x:06d}" for x in emp_no],
            "first_name": first,
            "last_name": last,
            "district_code": districts["code"].to_numpy()[pool["dist"]],
            "trade": TRADES[pool["trade"]],
            "hire_date": [date.fromordinal(int(o)) for o in pool["hire_ord"]],
            "termination_date": [
                date.fromordinal(int(o)) if o else None for o in np.where(terminated, pool["term_ord"], 0)
            ],
            "termination_type": np.array(["", "voluntary", "involuntary"], dtype=object)[term_type],
            "termination_reason": np.where(terminated, pool["term_reason"], ""),
            "schedule_type": SCHEDULES[pool["schedule"]],
            "commute_miles": pool["commute"],
            "certifications": pool["certs"],
            "pay_rate": pool["pay"],
            "performance_rating": perf,
            "notes": notes,
            "attributes": [
                {"shift_preference": str(s), "union_member": bool(u), "van_age_years": int(v)}
                for s, u, v in zip(SHIFTS[pool["shift"]], pool["union"], pool["van_age"], strict=True)
            ],
            # Generator-only columns (not model fields) used to build candidates; the loader ignores them.
            "_person": np.arange(n),
        }
    )
    frame["email"] = _emails(frame["first_name"].to_numpy(), frame["last_name"].to_numpy())
    return frame.sort_values("employee_id", kind="stable").reset_index(drop=True)


def _snapshots_frame(blocks, techs: pd.DataFrame, month_starts: list[date]) -> pd.DataFrame:
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    person_to_id = np.empty(len(techs), dtype=object)
    person_to_id[techs["_person"].to_numpy()] = techs["id"].to_numpy()
    months = np.array(month_starts, dtype=object)
    frame = pd.DataFrame(
        {
            "technician_id": person_to_id[cols.pop("person")],
            "month": months[cols.pop("month_idx")],
            **cols,
        }
    )
    return frame


def _candidates_frame(pool, techs, districts, months, as_of, rng, rng_names, rng_ids) -> pd.DataFrame:
    """Hired candidates (one per in-window hire), rejected/withdrawn ones, and the open pipeline."""
    win = techs[~pool["initial"][techs["_person"].to_numpy()]].copy()
    p = win["_person"].to_numpy()
    h = len(win)
    hire_dates = win["hire_date"].to_numpy()
    lag_offer = rng.integers(7, 22, size=h)
    lag_apply = lag_offer + rng.integers(7, 40, size=h)
    hired = pd.DataFrame(
        {
            "first_name": win["first_name"].to_numpy(),
            "last_name": win["last_name"].to_numpy(),
            "email": win["email"].to_numpy(),
            "district_code": win["district_code"].to_numpy(),
            "trade": win["trade"].to_numpy(),
            "source": SOURCES[pool["source"][p]],
            "applied_date": [d - timedelta(days=int(x)) for d, x in zip(hire_dates, lag_apply, strict=True)],
            "years_experience": pool["exp_years"][p],
            "certifications": pool["certs"][p],
            "assessment_score": np.round(pool["assessment"][p], 1),
            "interview_score": _interview(rng, pool["assessment"][p], SOURCE_EFFECT[pool["source"][p]]),
            "commute_miles": pool["commute"][p],
            "stage": "hired",
            "offer_date": [d - timedelta(days=int(x)) for d, x in zip(hire_dates, lag_offer, strict=True)],
            "expected_start_date": hire_dates,
            "offered_pay_rate": pool["start_pay"][p],
            "hired_technician_id": win["id"].to_numpy(),
            "attributes": [{"shift_preference": a["shift_preference"]} for a in win["attributes"]],
        }
    )

    # Open pipeline, sized from the recent monthly hiring rate.
    monthly_hires = max(h / max(months, 1), 1.0)
    n_open = int(round(1.6 * monthly_hires))
    n_closed = max(int(round(0.5 * h)) - n_open, 0)
    n_new = n_open + n_closed
    first, last = _names(rng_names, n_new)
    d_idx = rng.choice(
        len(districts), size=n_new, p=districts["size_weight"].to_numpy() / districts["size_weight"].sum()
    )
    trade = rng.choice(len(TRADES), size=n_new, p=TRADE_PROB)
    source = rng.choice(len(SOURCES), size=n_new, p=np.array([0.14, 0.34, 0.16, 0.16, 0.08, 0.12]))
    exp_years = np.round(rng.gamma(1.4, 3.0, size=n_new), 1)
    certs = np.minimum(rng.poisson(0.5 + 0.1 * np.minimum(exp_years, 12)), 6)
    commute = np.round(np.clip(rng.lognormal(np.log(14), 0.6, size=n_new), 1, 90), 1)
    is_open = np.arange(n_new) < n_open
    assessment = np.clip(np.where(is_open, rng.normal(68, 12, size=n_new), rng.normal(58, 13, size=n_new)), 10, 100)
    stage = np.where(
        is_open,
        OPEN_STAGES[rng.choice(len(OPEN_STAGES), size=n_new, p=OPEN_STAGE_PROB)],
        np.where(rng.random(n_new) < 0.7, "rejected", "withdrawn"),
    ).astype(object)
    as_of_ord = as_of.toordinal()
    window_ord = techs["hire_date"].min().toordinal()
    window_ord = max(window_ord, _add_months(date(as_of.year, as_of.month, 1), -(months - 1)).toordinal())
    stage_age = {
        "applied": (0, 14),
        "screening": (5, 25),
        "interview": (10, 40),
        "offer": (15, 45),
        "accepted": (20, 60),
    }
    applied_ord = np.empty(n_new, dtype=np.int64)
    for s, (lo, hi) in stage_age.items():
        m = stage == s
        applied_ord[m] = as_of_ord - rng.integers(lo, hi, size=m.sum())
    closed = ~is_open
    applied_ord[closed] = rng.integers(window_ord, max(as_of_ord - 20, window_ord + 1), size=closed.sum())
    has_offer = np.isin(stage, ["offer", "accepted"]) | ((stage == "withdrawn") & (rng.random(n_new) < 0.3))
    offer_ord = np.where(has_offer, np.minimum(applied_ord + rng.integers(10, 25, size=n_new), as_of_ord), 0)
    start_ord = np.where(stage == "accepted", as_of_ord + rng.integers(3, 43, size=n_new), 0)
    offered = (
        TRADE_BASE_PAY[trade] * districts["cost_of_living"].to_numpy()[d_idx] * (1 + 0.015 * np.minimum(exp_years, 20))
    )
    offered = offered * 1.035 ** (months / 12) * rng.lognormal(0, 0.08, size=n_new)
    offered = np.where(has_offer, np.round(np.clip(offered, 17.5, 60), 2), np.nan)
    note_pick = rng.random(n_new) < 0.15
    notes = np.where(
        note_pick, np.array(CANDIDATE_NOTES, dtype=object)[rng.integers(0, len(CANDIDATE_NOTES), size=n_new)], ""
    )
    others = pd.DataFrame(
        {
            "first_name": first,
            "last_name": last,
            "district_code": districts["code"].to_numpy()[d_idx],
            "trade": TRADES[trade],
            "source": SOURCES[source],
            "applied_date": [date.fromordinal(int(o)) for o in applied_ord],
            "years_experience": exp_years,
            "certifications": certs,
            "assessment_score": np.round(assessment, 1),
            "interview_score": np.where(
                np.isin(stage, ["interview", "offer", "accepted"]) | (closed & (rng.random(n_new) < 0.5)),
                _interview(rng, assessment, SOURCE_EFFECT[source]),
                np.nan,
            ),
            "commute_miles": commute,
            "stage": stage,
            "offer_date": [date.fromordinal(int(o)) if o else None for o in offer_ord],
            "expected_start_date": [date.fromordinal(int(o)) if o else None for o in start_ord],
            "offered_pay_rate": offered,
            "hired_technician_id": None,
            "attributes": [
                {"shift_preference": str(s)} for s in SHIFTS[rng.choice(len(SHIFTS), size=n_new, p=SHIFT_PROB)]
            ],
        }
    )
    others["notes"] = notes
    hired["notes"] = np.where(rng.random(h) < 0.1, "Hired.", "")
    # Emails unique across technicians and candidates: suffix continues after technicians' names.
    all_first = np.concatenate([techs["first_name"].to_numpy(), first])
    all_last = np.concatenate([techs["last_name"].to_numpy(), last])
    others["email"] = _emails(all_first, all_last)[len(techs) :]
    frame = pd.concat([hired, others], ignore_index=True)
    frame = frame.sort_values(["applied_date", "email"], kind="stable").reset_index(drop=True)
    frame.insert(0, "candidate_id", [f"C{i + 1:06d}" for i in range(len(frame))])
    frame.insert(0, "id", _uuids(rng_ids, len(frame)))
    return frame


def _interview(rng, assessment, source_effect) -> np.ndarray:
    a = np.nan_to_num(assessment, nan=70.0)
    return np.round(np.clip(3.0 + 0.03 * (a - 70) + 0.3 * source_effect + rng.normal(0, 0.5, size=len(a)), 1, 5), 1)
