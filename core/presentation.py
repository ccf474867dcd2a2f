"""The one formatter for what people read: codes → words, money, signs, units, yes/no.

Pages (template filters in core/templatetags/present.py), CSV-free text such as explanations, and the
assistant use these, so "hvac" is "HVAC", "career_site" is "Career site", 3100 is "$3,100" and a negative
number carries one kind of minus sign (U+2212) everywhere.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache

MINUS = "\u2212"
# words that stay upper-case when a code is turned into words
ACRONYMS = {"hvac": "HVAC", "csat": "CSAT", "ebm": "EBM", "mase": "MASE", "roi": "ROI", "api": "API", "csv": "CSV",
            "id": "ID", "hr": "HR", "ets": "ETS", "smape": "sMAPE", "auc": "AUC", "roc": "ROC", "pr": "PR", "mint": "MinT"}  # fmt: skip


@lru_cache(maxsize=1)
def _choice_labels() -> dict[str, str]:
    """value → label from every model field with choices (Trade, CandidateStage, ModelStatus, …)."""
    from django.apps import apps

    labels: dict[str, str] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value and value not in labels:
                    labels[value] = str(label)
    return labels


EXTRA_LABELS = {
    "seasonal_naive": "Seasonal naive",
    "prophet": "Prophet",
    "bottom_up": "Bottom-up",
    "none": "None",
    "company": "Whole company",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
}


def code_label(value) -> str:
    """A stored code in words: a choices label when one exists, else the code with words spelled out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return yes_no(value)
    text = str(value)
    if text in EXTRA_LABELS:
        return EXTRA_LABELS[text]
    found = _choice_labels().get(text)
    if found:
        return found
    words = text.replace("_", " ").replace("-", " ").split()
    if not words:
        return text
    out = [ACRONYMS.get(w.lower(), w) for w in words]
    first = out[0]
    out[0] = first if first in ACRONYMS.values() else first[:1].upper() + first[1:]
    return " ".join(out)


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def number(value, decimals: int = 0) -> str:
    """1234.5 → "1,234.5"; negatives with the one minus sign; "—" for missing."""
    d = _to_decimal(value)
    if d is None:
        return "—"
    text = f"{abs(d):,.{decimals}f}"
    return f"{MINUS}{text}" if d < 0 and any(c not in "0.," for c in text) else text


def signed(value, decimals: int = 2) -> str:
    """+0.82 / −0.66: for changes and contributions."""
    d = _to_decimal(value)
    if d is None:
        return "—"
    text = number(abs(d), decimals)
    if all(c in "0.," for c in text):
        return text
    return f"+{text}" if d > 0 else f"{MINUS}{text}"


def money(value, decimals: int = 0) -> str:
    """3100 → "$3,100"; −250 → "−$250"."""
    d = _to_decimal(value)
    if d is None:
        return "—"
    text = f"${abs(d):,.{decimals}f}"
    return f"{MINUS}{text}" if d < 0 and any(c not in "$0.," for c in text) else text


def percent(value, decimals: int = 0) -> str:
    """A fraction as a percentage: 0.426 → "43%"."""
    d = _to_decimal(value)
    if d is None:
        return "—"
    return f"{number(d * 100, decimals)}%"


def with_unit(value, unit: str, decimals: int = 1) -> str:
    """0.4, "years" → "0.4 years"; 1, "years" → "1 year"."""
    d = _to_decimal(value)
    if d is None:
        return "—"
    text = number(d, decimals)
    if unit.endswith("s") and d == 1 and text.rstrip("0").rstrip(".") == "1":
        unit = unit[:-1]
    return f"{text} {unit}"


def yes_no(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = value.strip().lower() in ("true", "1", "yes", "y", "t")
    return "Yes" if value else "No"
