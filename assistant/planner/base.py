"""Offline planner: what every intent shares — the slots found in a question (place, trade, month, employee,
hours, program), the plan type, and the number formats of the templates."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

Step = Callable[[list], tuple[str, dict] | None]

TRADES = {
    "hvac": "hvac",
    "heating": "hvac",
    "air condition": "hvac",
    "appliance": "appliance",
    "refrigeration": "refrigeration",
    "refrigerator": "refrigeration",
    "plumb": "plumbing",
    "electric": "electrical",
}
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m and m.lower() != "may"
}

CAPABILITIES = (
    "- who is most likely to leave in a district or region, and why\n"
    "- how many (HVAC, appliance…) technicians a district or region will need by a month\n"
    "- what capping overtime at N hours would save, a retention program's ROI, or all programs compared\n"
    "- hiring pipeline yield and time-to-fill by source or district\n"
    "- technicians similar to an employee (e.g. E000123) or to the best performer in a district\n"
    "- policy questions (searched in the knowledge documents)\n"
    "- counts of technicians by district, region, trade or status\n"
    "- turnover trends, period counts (e.g. 'how many left in 2024'), high-risk counts, retention curves\n"
    "  (median time to leave, 12-month retention), comparing two districts with the exact reasons,\n"
    "  forecast hires vs the hiring need\n"
    "- one technician's risk explanation, what-if for their overtime (e.g. 'what if E000123 worked 4 hours of overtime?'),\n"
    "  top candidates, and forecasts of headcount/hires/terminations/demand"
)


@dataclass
class Plan:
    intent: str
    steps: list[Step] = field(default_factory=list)
    render: Callable[[list], str] = lambda outcomes: ""


@dataclass
class Slots:
    district: str | None = None  # code
    district_name: str | None = None
    region: str | None = None
    region_name: str | None = None
    trade: str | None = None
    month: int | None = None
    employee_id: str | None = None
    candidate_id: str | None = None
    hours: float | None = None
    program: str | None = None

    @property
    def place(self) -> str:
        return self.district_name or (self.region_name and f"region {self.region_name}") or "the company"

    def loc(self) -> dict:
        return {k: v for k, v in {"district": self.district, "region": self.region, "trade": self.trade}.items() if v}


def _find_name(text: str, rows) -> tuple[str, str] | None:
    low = text.lower()
    best = None
    for code, name in rows:
        for cand in (name, code):
            c = (cand or "").lower().strip()
            if len(c) >= 3 and re.search(rf"(?<![a-z0-9]){re.escape(c)}(?![a-z0-9])", low):
                if best is None or len(c) > best[2]:
                    best = (code, name, len(c))
    return (best[0], best[1]) if best else None


def extract(text: str) -> Slots:
    from technicians.models import Candidate, District, Region, Technician

    s = Slots()
    low = text.lower()
    d = _find_name(text, District.objects.values_list("code", "name"))
    if d:
        s.district, s.district_name = d
    r = _find_name(text, Region.objects.values_list("code", "name"))
    if r and not (d and r[1].lower() in (d[1] or "").lower()):
        s.region, s.region_name = r
    for word, trade in TRADES.items():
        if word in low:
            s.trade = trade
            break
    for word, num in sorted(MONTHS.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{word}\b", low):
            s.month = num
            break
    tokens = set(re.findall(r"[A-Za-z]*-?\d{2,}[A-Za-z0-9-]*", text))
    if tokens:
        s.employee_id = Technician.objects.filter(employee_id__in=tokens).values_list("employee_id", flat=True).first()
        s.candidate_id = (
            Candidate.objects.filter(candidate_id__in=tokens).values_list("candidate_id", flat=True).first()
        )
    m = re.search(r"(\d+(?:\.\d+)?)\s*(?:h\b|hrs?\b|hours?\b)", low)
    if m:
        s.hours = float(m.group(1))
    try:
        from predictions.models import RetentionProgram

        names = list(RetentionProgram.objects.values_list("name", flat=True))
        for name in sorted(names, key=len, reverse=True):
            if name and name.lower() in low:
                s.program = name
                break
        if s.program is None and re.search(r"\b(program\w*|roi|return on)\b", low):
            # "the overtime relief program" for "Overtime relief (cap 8 h)": all its key words
            best = 0
            for name in names:
                words = [
                    w
                    for w in re.findall(r"[a-z0-9]+", (name or "").lower())
                    if len(w) > 3 and w not in ("program", "programme")
                ]
                if words and all(re.search(rf"\b{re.escape(w)}", low) for w in words) and len(words) > best:
                    s.program, best = name, len(words)
    except Exception:  # noqa: BLE001 - predictions not installed/migrated yet: no program names to match
        s.program = None
    return s


def weeks_until_end_of(month: int, today: date | None = None) -> tuple[int, date]:
    today = today or date.today()
    year = today.year if month >= today.month else today.year + 1
    end = date(year, month, calendar.monthrange(year, month)[1])
    return max(1, min(52, math.ceil((end - today).days / 7))), end


# --------------------------------------------------------------------------- formatting helpers


def _err(outcome, what: str) -> str:
    return f"I couldn't get {what}: {outcome.result.get('error', 'unknown error')}"


def _pct(x) -> str:
    try:
        return f"{float(x) * 100:.0f}%"
    except (TypeError, ValueError):
        return "?"


def _num(x, nd=1) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "?"
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 or nd == 0 else f"{v:,.{nd}f}"


def plain_excerpt(text: str, limit: int) -> str:
    """Document text as one plain sentence run: markdown markers removed, cut at a word boundary (never mid-word)."""
    t = re.sub(r"^\s{0,3}(#{1,6}\s+|[-*+]\s+|\d+\.\s+|>\s?)", "", text, flags=re.M)
    t = re.sub(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1", r"\2", t)
    t = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", t)
    t = " ".join(t.split())
    if len(t) <= limit:
        return t
    cut = t[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _reason(c: dict) -> str:
    label = c.get("label") or c.get("feature") or "factor"
    val = c.get("value")
    contrib = c.get("contribution")
    bits = label
    if val is not None and not isinstance(val, dict | list):
        bits += f" = {_num(val) if isinstance(val, int | float) else val}"
    if isinstance(contrib, int | float):
        bits += f" ({'+' if contrib >= 0 else ''}{contrib:.2f})"
    return bits


# --------------------------------------------------------------------------- plans


def find_places(text: str) -> list[tuple[str, str, str]]:
    """Every district/region named in the text, in order of appearance: [(kind, code, name)]."""
    from technicians.models import District, Region

    low = text.lower()
    hits = []
    for kind, rows in (("district", District.objects.values_list("code", "name")),
                       ("region", Region.objects.values_list("code", "name"))):  # fmt: skip
        for code, name in rows:
            for cand in {name, code}:
                c = (cand or "").lower().strip()
                if len(c) < 3:
                    continue
                for m in re.finditer(rf"(?<![a-z0-9]){re.escape(c)}(?![a-z0-9])", low):
                    hits.append((m.start(), m.end(), kind, code, name))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out, taken_until, seen = [], -1, set()
    for start, end, kind, code, name in hits:
        if start < taken_until or (kind, code) in seen:
            continue
        taken_until = end
        seen.add((kind, code))
        out.append((kind, code, name))
    return out


def _year(text: str) -> int | None:
    low = text.lower()
    m = re.search(r"\b(19[5-9]\d|20\d\d)\b", low)
    if m:
        return int(m.group(1))
    if re.search(r"\blast year\b", low):
        return date.today().year - 1
    if re.search(r"\bthis year\b", low):
        return date.today().year
    return None


def _band(text: str) -> str | None:
    m = re.search(r"\b(high|medium|low)[- ]risk\b", text.lower())
    return m.group(1) if m else None


def _quarter_end_before(d: date) -> date:
    q_start = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return q_start - timedelta(days=1)
