"""Changes to model inputs — a what-if's new values or a retention program's operations — applied to a feature
frame (``predictions.features`` builds the frames; this module edits them): which features are actionable and
within what bounds, the program operations, and how derived features follow a change."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# Actionable features for what-if and programs: (min, max) for numbers, or allowed values.
SCHEDULES = ("standard", "4x10", "rotating")
ACTIONABLE: dict[str, tuple] = {
    "overtime_hours": (0.0, 40.0),
    "pay_rate": (5.0, 250.0),
    "schedule_type": SCHEDULES,
    "commute_miles": (0.0, 300.0),
    "drive_time_minutes": (0.0, 600.0),
    "training_hours": (0.0, 200.0),
}
PROGRAM_OPS = ("set", "cap", "floor", "add", "multiply")


def validate_program_change(change: Any) -> None:
    """A program's change: {feature: {op: value}} with an actionable feature and a known operation."""
    if not isinstance(change, dict) or not change:
        raise ValueError('change must be an object like {"overtime_hours": {"cap": 8}}')
    for feat, spec in change.items():
        if feat not in ACTIONABLE:
            raise ValueError(f"{feat}: not an actionable feature (use one of {', '.join(ACTIONABLE)})")
        if not isinstance(spec, dict) or len(spec) != 1:
            raise ValueError(f"{feat}: give exactly one operation of {', '.join(PROGRAM_OPS)}")
        op, val = next(iter(spec.items()))
        if op not in PROGRAM_OPS:
            raise ValueError(f"{feat}: unknown operation {op!r} (use {', '.join(PROGRAM_OPS)})")
        if feat == "schedule_type":
            if op != "set" or val not in SCHEDULES:
                raise ValueError(f"schedule_type: only 'set' to one of {', '.join(SCHEDULES)}")
        elif isinstance(val, bool) or not isinstance(val, int | float):
            raise ValueError(f"{feat}: {op} needs a number")


def apply_changes(X: pd.DataFrame, changes: dict[str, Any]) -> pd.DataFrame:
    """Apply feature changes to a frame, keeping derived features consistent.

    ``changes`` values are either a plain new value (what-if) or ``{op: value}`` (programs).
    Overtime moves its 3-month trend by the same amount; training hours move the 6-month sum;
    pay moves pay-vs-district-median proportionally (the district median itself is unchanged).
    """
    X = X.copy()
    for feat, spec in changes.items():
        if feat not in X.columns:
            continue
        old = X[feat]
        if isinstance(spec, dict):
            op, val = next(iter(spec.items()))
            if op == "set":
                new = pd.Series(val, index=X.index)
            elif op == "cap":
                new = old.clip(upper=val)
            elif op == "floor":
                new = old.clip(lower=val)
            elif op == "add":
                new = old + val
            else:  # multiply
                new = old * val
        else:
            new = pd.Series(spec, index=X.index)
        if feat == "schedule_type":
            X[feat] = new.astype(str)
            continue
        new = new.astype(float)
        lo, hi = ACTIONABLE.get(feat, (None, None))
        if lo is not None:
            new = new.clip(lower=lo, upper=hi)
        delta = new - old.astype(float)
        X[feat] = new
        if feat == "overtime_hours" and "overtime_trend_3m" in X.columns:
            X["overtime_trend_3m"] = X["overtime_trend_3m"] + delta.fillna(0)
        if feat == "training_hours" and "training_hours_6m" in X.columns:
            X["training_hours_6m"] = X["training_hours_6m"].fillna(0) + delta.fillna(0)
        if feat == "pay_rate" and "pay_vs_district_median" in X.columns:
            ratio = (new / old.astype(float)).replace([np.inf, -np.inf], np.nan)
            X["pay_vs_district_median"] = X["pay_vs_district_median"] * ratio
    return X
