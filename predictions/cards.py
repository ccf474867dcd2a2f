"""Model cards and published bias-audit summaries, generated from the registry (reads only).

Nothing here is written by hand per version: every number comes from the ``TrainedModel`` row (window,
features, metrics, calibration, bias audit, promotion overrides) and the latest monitoring run; the
fixed texts (intended use, out-of-scope uses, limitations, oversight) are per model type.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from predictions import bias, pdf, selectors
from predictions.features import label_for
from predictions.models import ModelStatus, ModelType, TrainedModel
from technicians.visibility import is_protected_name, is_sensitive_name

INTENDED = {
    ModelType.RETENTION: {
        "purpose": "Estimate each active technician's probability of leaving voluntarily within the retention "
        "horizon, with the reasons (exact additive contributions), so managers can act early.",
        "users": "HR admins and field managers (recruiter role sees scores and non-sensitive reasons only).",
        "decision": "Prioritises retention conversations and programs; never decides pay, discipline or termination.",
    },
    ModelType.QUALITY_OF_HIRE: {
        "purpose": "Estimate the probability that a candidate, if hired, is still employed after the quality-of-hire "
        "window, with the reasons, to support — not replace — recruiters' judgement.",
        "users": "Recruiters and HR admins.",
        "decision": "An automated employment decision tool (NYC Local Law 144) substantially assisting hiring: "
        "a bias audit is required yearly and candidates are notified (see the candidate notice).",
    },
}
OUT_OF_SCOPE = [
    "Deciding alone to reject a candidate or to take any adverse action against an employee.",
    "Use on populations unlike the training data (other occupations, countries, or companies).",
    "Inferring or acting on any protected characteristic; those are used only to audit the model.",
    "Setting individual pay (pay-related features are HR-only inputs, not recommendations).",
]
LIMITATIONS = [
    "Trained on historical outcomes: it reproduces patterns in past decisions and departures, including "
    "proxies (e.g. commute distance) that correlate with protected groups — see the bias audit.",
    "Self-reported demographics are incomplete; 'not disclosed' people are counted apart, so small groups "
    "(< 2 % of the data) are reported but not compared.",
    "Scores describe groups of similar people, not certainties about one person.",
    "Calibration and accuracy drift as the workforce and market change; see drift status.",
]
OVERSIGHT = [
    "An HR admin promotes each version by hand after reviewing its bias audit; an impact ratio below the "
    "four-fifths rule or a stale audit requires a written justification, recorded with the numbers.",
    "Drift monitoring at every scoring run raises an alert and proposes a retrain; a person still promotes it.",
    "Every score carries its exact per-feature explanation; managers can run what-if scenarios.",
    "Candidates can ask for an alternative selection process or a reasonable accommodation (candidate notice).",
]


def _feature_rows(model: TrainedModel) -> list[dict[str, Any]]:
    rows = [
        {
            "feature": f,
            "label": label_for(f),
            "restricted": is_sensitive_name(f),
            "importance": (model.importances or {}).get(f),
        }
        for f in model.features or []
    ]
    return sorted(rows, key=lambda r: -(r["importance"] or 0))


def model_card(*, model: TrainedModel) -> dict[str, Any]:
    met = model.metrics or {}
    audit = model.bias_audit or {}
    monitor = selectors.drift_latest(model=model)
    return {
        "model": model,
        "label": model.label,
        "type_label": model.get_model_type_display(),
        "intended": INTENDED[model.model_type],
        "out_of_scope": OUT_OF_SCOPE,
        "limitations": LIMITATIONS,
        "oversight": OVERSIGHT,
        "training": {
            "window_start": model.window_start,
            "window_end": model.window_end,
            "holdout_from": met.get("holdout_from"),
            "train_rows": met.get("train_rows"),
            "holdout_rows": met.get("holdout_rows"),
            "population": bias.POPULATION[model.model_type],
            "algorithm": model.get_algorithm_display(),
        },
        "features": _feature_rows(model),
        "excluded_features": model.excluded_features or [],
        "protected_note": "Self-reported sex and race/ethnicity are never features (by construction); "
        "they are used only for the bias audit.",
        "no_protected_features": not any(is_protected_name(f) for f in model.features or []),
        "metrics": {
            k: met.get(k) for k in ("roc_auc", "pr_auc", "brier", "log_loss", "base_rate", "calibration_slope")
        },
        "recalibration": (model.params or {}).get("recalibration"),
        "calibration": met.get("calibration", []),
        "audit": audit,
        "audit_min_ratio": bias.audit_min_ratio(audit),
        "audit_flags": bias.audit_flags(audit),
        "overrides": model.promotion_overrides or [],
        "monitoring": monitor,
        "impact_ratio_min": settings.BIAS_IMPACT_RATIO_MIN,
    }


def audit_summary(*, model_type: str) -> dict[str, Any]:
    """The LL144 posting for one model type: the active version's latest audit, or the newest audited one.

    ``facts`` holds the posted fields (audit date, tool, distribution date, data source and period,
    counts, …) as (label, value) pairs, so the page and the PDF print the same text."""
    if model_type not in ModelType.values:
        raise ValueError(f"model_type must be one of {', '.join(ModelType.values)}")
    qs = TrainedModel.objects.filter(model_type=model_type).exclude(bias_audited_at=None)
    model = qs.filter(status=ModelStatus.ACTIVE).first() or qs.order_by("-bias_audited_at").first()
    first_active = (
        TrainedModel.objects.filter(model_type=model_type).exclude(activated_at=None).order_by("activated_at").first()
    )
    audit = (model.bias_audit if model else {}) or {}
    out = {
        "model_type": model_type,
        "type_label": ModelType(model_type).label,
        "model": model,
        "audit": audit,
        "audit_date": model.bias_audited_at if model else None,
        "distribution_date": first_active.activated_at if first_active else None,
        "version_distribution_date": model.activated_at if model else None,
        "min_ratio": bias.audit_min_ratio(audit) if model else None,
        "impact_ratio_min": settings.BIAS_IMPACT_RATIO_MIN,
    }
    out["facts"] = _summary_facts(out) if model else []
    return out


def _d(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _summary_facts(s: dict[str, Any]) -> list[tuple[str, str]]:
    m, audit = s["model"], s["audit"]
    dist = _d(s["distribution_date"]) or "not yet in use"
    if s["version_distribution_date"]:
        dist += f" (this version since {_d(s['version_distribution_date'])})"
    parts = [audit.get(p) or {} for p in ("holdout", "population")]
    counts = "; ".join(
        f"{label}: {p.get('rows', 0)} people"
        + "".join(
            f", {d.get('not_disclosed', 0)} with {name.replace('_', '/')} not disclosed (unknown category)"
            for name, d in (p.get("dimensions") or {}).items()
            if name != "intersectional"
        )
        for label, p in zip(("Holdout", "Current population"), parts, strict=True)
    )
    ratio = "" if s["min_ratio"] is None else f"{s['min_ratio']:.3f} (threshold {s['impact_ratio_min']})"
    return [
        ("Date of the bias audit", _d(s["audit_date"])),
        ("Tool and version", f"{s['type_label']} model v{m.version} ({m.get_algorithm_display()})"),
        ("Distribution date", dist),
        (
            "Data source",
            "The employer's own historical data (no test data): "
            + "; ".join(p.get("data", "") for p in parts if p.get("data")),
        ),
        (
            "Data period",
            f"Training window {m.window_start or '?'} to {m.window_end or '?'}; "
            f"holdout from {(m.metrics or {}).get('holdout_from') or '?'}",
        ),
        ("Number assessed", counts),
        ("Favourable outcome", audit.get("favourable", "")),
        ("Method", (audit.get("holdout") or {}).get("method", "")),
        ("Lowest impact ratio", ratio),
    ]


DIMENSION_LABELS = {
    "sex": "Sex",
    "race_ethnicity": "Race / ethnicity",
    "intersectional": "Intersectional (sex x race/ethnicity)",
}


def _num(v, nd: int = 3) -> str:
    return "-" if v is None else f"{v:.{nd}f}"


def audit_summary_pdf(summary: dict[str, Any]) -> bytes:
    """The published summary as a PDF: the same facts and per-category tables as the page."""
    doc = pdf.Document(title=f"Bias audit summary - {summary['type_label']}", facts=summary["facts"])
    if summary["model"] is None:
        doc.sections.append(("No audit", ["No audited version of this model yet."]))
    for heading, key in (("Holdout (realised outcomes)", "holdout"), ("Current scored population", "population")):
        part = summary["audit"].get(key) or {}
        items: list = []
        if not part.get("rows"):
            items.append(f"No rows to audit ({part.get('data', '')}).")
        else:
            items.append(
                f"{part.get('data', '')} - {part['rows']} people - median score {_num(part.get('median_score'))} - "
                f"overall selection rate {_num(part.get('selection_rate'))}"
            )
        for name, d in (part.get("dimensions") or {}).items():
            rows = [
                [
                    r["category"] + (" (< 2 %, excluded from ratios)" if r["small"] else ""),
                    str(r["count"]),
                    _num(r["share"]),
                    _num(r["selection_rate"]),
                    _num(r["selection_impact_ratio"]),
                    _num(r["scoring_rate"]),
                    _num(r["scoring_impact_ratio"]),
                ]  # fmt: skip
                for r in d["categories"]
            ]
            items.append(
                pdf.Table(
                    heading=DIMENSION_LABELS.get(name, name),
                    columns=[
                        "Category",
                        "Count",
                        "Share",
                        "Selection rate",
                        "Impact ratio (sel.)",
                        "Scoring rate",
                        "Impact ratio (scor.)",
                    ],  # fmt: skip
                    rows=rows,
                    note=f"Not disclosed (reported apart, not in the ratios): {d.get('not_disclosed', 0)}",
                )
            )
        if summary["model"] is not None:
            doc.sections.append((heading, items))
    doc.footer = "Generated by Technician Analytics from the model registry."
    return pdf.render(doc)
