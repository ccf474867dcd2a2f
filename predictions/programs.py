"""Retention programs compared: departures avoided, savings, net benefit, ROI and break-even cost per enrolled
technician for one cohort, with a bootstrap range over the cohort.

One code path for one program (``program_roi``: the programs page, the API, the assistant's ``program_roi`` and
``overtime_cap_impact`` tools, the hiring plan) and several side by side (``programs_compare``).

The cohort is re-scored once per program with the active retention model (the program's ``change`` applied to
every member's stored inputs, one vectorised ``predict_proba`` call). A member's *effect* is their risk now minus
their risk with the program. Uncertainty: the cohort is resampled with replacement (nonparametric bootstrap,
``samples`` replicates, the same resamples for every program so the programs are compared on the same draws) and
the 2.5th–97.5th percentiles of each total are reported. This is the sampling uncertainty of "this cohort's"
response, not the model's own error; the page says so.

Horizon: the retention score is the probability of leaving voluntarily within ``RETENTION_HORIZON_DAYS`` of the
scoring date, so departures avoided, savings and break-even are for that horizon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings

from predictions.changes import apply_changes
from predictions.models import ModelType, RetentionProgram
from predictions.scoring import _active, load_fitted
from predictions.templatetags.predictions_format import program_change
from predictions.whatif import _prediction_frame
from technicians.visibility import redact

BOOTSTRAP_SAMPLES = 400
MAX_PROGRAMS = 6
_CHUNK_CELLS = 2_000_000  # resample indices held at once (≈16 MB): bounded memory at 100k technicians


class ProgramInputError(ValueError):
    """Bad program selection (none, too many, unknown): a 422 in the API, an inline error on the page."""


def program_effect_text(user, change: dict) -> str:
    """A program's change in words, as ``user`` may see it ("Overtime capped at 8 h/week"); a pay rule is named
    only to HR (the visibility rule) — others read "a restricted (HR-only) change"."""
    visible = redact(user, change or {})
    text = program_change(visible) if visible else ""
    hidden = len(change or {}) - len(visible or {})
    if hidden:
        text = (text + "; " if text and text != "—" else "") + "a restricted (HR-only) change"
    return text or "No change recorded"


def _cohort_label(region, district, trade, band) -> str:
    from core.presentation import code_label
    from technicians.models import District, Region

    parts = []
    if band:
        parts.append(f"{code_label(band).lower()}-risk")
    if trade:
        parts.append(code_label(trade))
    parts.append("technicians")
    if district:
        parts.append(
            "in " + (District.objects.filter(code=district).values_list("name", flat=True).first() or district)
        )
    elif region:
        parts.append(
            "in region " + (Region.objects.filter(code=region).values_list("name", flat=True).first() or region)
        )
    else:
        parts.append("company-wide")
    return " ".join(parts)


def _bootstrap_totals(effects: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """(samples, k) bootstrap totals of the per-member effects (n, k): rows resampled with replacement, the
    same resample for every column. Vectorised in chunks of resamples so memory stays bounded."""
    n, k = effects.shape
    out = np.zeros((samples, k))
    if n == 0 or samples == 0:
        return out
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, samples, chunk):
        stop = min(samples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        for j in range(k):
            out[start:stop, j] = effects[idx, j].sum(axis=1)
    return out


def _interval(values: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(values, [2.5, 97.5]) if len(values) else (0.0, 0.0)
    return float(lo), float(hi)


def programs_compare(
    *,
    user,
    program_ids: list,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    band: str | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Several programs side by side for one cohort (scored by the active retention model), with ranges."""
    from predictions.selectors import NoModelError, cohort_predictions, program_get

    ids = list(dict.fromkeys(str(p).strip() for p in (program_ids or []) if str(p).strip()))
    if not ids:
        raise ProgramInputError("choose at least one retention program")
    if len(ids) > MAX_PROGRAMS:
        raise ProgramInputError(f"compare at most {MAX_PROGRAMS} programs at once (got {len(ids)})")
    programs: list[RetentionProgram] = [program_get(program_id=p) for p in ids]  # Http404 for an unknown id
    model = _active(ModelType.RETENTION)
    if model is None:
        raise NoModelError()
    fitted = load_fitted(model)
    preds = cohort_predictions(model=model, region=region, district=district, trade=trade, band=band)
    n = len(preds)
    before = np.fromiter((p.score for p in preds), dtype=float, count=n)
    effects = np.zeros((n, len(programs)))
    if n:
        X = _prediction_frame(fitted, preds)
        for j, prog in enumerate(programs):
            effects[:, j] = before - fitted.predict_proba(apply_changes(X, prog.change))
    boot = _bootstrap_totals(effects, samples, seed)
    cost_each = float(settings.REPLACEMENT_COST)
    rows = []
    for j, prog in enumerate(programs):
        avoided = float(effects[:, j].sum())
        cost = float(prog.cost_per_technician)
        program_cost = cost * n
        net_boot = boot[:, j] * cost_each - program_cost
        be_boot = boot[:, j] * cost_each / n if n else boot[:, j] * 0
        rows.append({
            "id": prog.pk, "name": prog.name, "description": prog.description,
            "cost_per_technician": cost, "change": redact(user, prog.change),
            "effect": program_effect_text(user, prog.change),
            "expected_departures_after": float(before.sum()) - avoided,
            "departures_avoided": avoided, "departures_avoided_range": _interval(boot[:, j]),
            "savings": avoided * cost_each, "savings_range": tuple(x * cost_each for x in _interval(boot[:, j])),
            "program_cost": program_cost,
            "net_benefit": avoided * cost_each - program_cost, "net_benefit_range": _interval(net_boot),
            "roi": ((avoided * cost_each - program_cost) / program_cost) if program_cost else None,
            "break_even_cost_per_technician": (avoided * cost_each / n) if n else None,
            "break_even_range": _interval(be_boot) if n else None,
            "chance_net_positive": float((net_boot > 0).mean()) if n and samples else None,
        })  # fmt: skip
    best = max(rows, key=lambda r: r["net_benefit"]) if n else None
    horizon = int(settings.RETENTION_HORIZON_DAYS)
    return {
        "cohort": {"region": region, "district": district, "trade": trade, "band": band,
                   "label": _cohort_label(region, district, trade, band)},
        "cohort_size": n,
        "as_of": preds[0].as_of if n else None,
        "model_version": model.version,
        "horizon_days": horizon,
        "horizon": f"voluntary departures within {horizon} days of the scoring date",
        "expected_departures_before": float(before.sum()),
        "replacement_cost_per_departure": cost_each,
        "samples": samples if n else 0,
        "programs": rows,
        "best": best["name"] if best else None,
        "method": "each member re-scored with the program's change; range = 2.5th–97.5th percentile of "
        f"{samples} bootstrap resamples of the cohort (sampling uncertainty only, not the model's error); "
        "break-even = savings ÷ cohort size, the cost per enrolled technician at which the program pays for itself",
    }  # fmt: skip


def program_roi(
    *,
    user,
    program_id,
    region: str | None = None,
    district: str | None = None,
    trade: str | None = None,
    band: str | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
) -> dict[str, Any]:
    """Expected departures avoided by one program for a cohort, × replacement cost, minus program cost."""
    r = programs_compare(
        user=user, program_ids=[program_id], region=region, district=district, trade=trade, band=band,
        samples=samples,
    )  # fmt: skip
    p = r["programs"][0]
    keep = ("departures_avoided", "departures_avoided_range", "expected_departures_after", "savings",
            "savings_range", "program_cost", "net_benefit", "net_benefit_range", "roi",
            "break_even_cost_per_technician", "break_even_range", "chance_net_positive")  # fmt: skip
    return {
        "program": {k: p[k] for k in ("id", "name", "description", "cost_per_technician", "change", "effect")},
        "cohort": {k: v for k, v in r["cohort"].items() if k != "label"},
        "cohort_label": r["cohort"]["label"],
        **{k: r[k] for k in ("cohort_size", "as_of", "model_version", "horizon_days", "horizon",
                             "expected_departures_before", "replacement_cost_per_departure", "samples")},
        **{k: p[k] for k in keep},
    }  # fmt: skip
