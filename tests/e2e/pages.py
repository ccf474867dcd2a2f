"""Every dashboard page, once: shared by the every-page browser checks and `make screenshots`.

Paths may contain ``{tech}``, ``{candidate}``, ``{model}`` and ``{run}``, filled from the data at hand
(a page whose placeholder has no value is skipped). ``roles`` says who opens it: "hr" (HR admin),
"rec" (recruiter). Add new pages here and both the checks and the screenshots pick them up.
"""

from __future__ import annotations

HR, REC = "hr", "rec"
BOTH = (HR, REC)

PAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("home", "/", BOTH),
    ("trends", "/analytics/trends/", BOTH),
    ("survival", "/analytics/survival/", BOTH),
    ("compare", "/analytics/compare/", BOTH),
    ("pipeline", "/analytics/pipeline/", BOTH),
    ("technicians", "/technicians/", BOTH),
    ("technician", "/technicians/{tech}/", BOTH),
    ("risk", "/predictions/", BOTH),
    ("risk-technician", "/predictions/technicians/{tech}/", BOTH),
    ("candidates", "/predictions/candidates/", BOTH),
    ("candidate", "/predictions/candidates/{candidate}/", BOTH),
    ("candidates-compare", "/predictions/candidates/compare/", BOTH),
    ("models", "/predictions/models/", BOTH),
    ("programs", "/predictions/programs/", BOTH),
    ("worklist", "/worklist/", BOTH),
    ("alerts", "/alerts/", BOTH),
    ("forecasts", "/forecasts/", BOTH),
    ("hiring-plan", "/forecasts/hiring-plan/", BOTH),
    ("forecast-runs", "/forecasts/runs/", BOTH),
    ("forecast-run", "/forecasts/runs/{run}/", BOTH),
    ("assistant", "/assistant/", BOTH),
    ("admin", "/admin/", (HR,)),
    ("admin-technicians", "/admin/technicians/technician/", (HR,)),
    ("admin-technician", "/admin/technicians/technician/?q={tech}", (HR,)),
    ("admin-models", "/admin/predictions/trainedmodel/", (HR,)),
    ("admin-model", "/admin/predictions/trainedmodel/{model}/change/", (HR,)),
]


def pages_for(role: str, ids: dict[str, str | None]):
    """(name, path) for every page this role opens whose placeholders all have values."""
    for name, path, roles in PAGES:
        if role not in roles:
            continue
        try:
            filled = path.format(**{k: v for k, v in ids.items() if v})
        except KeyError:
            continue
        yield name, filled


# A horizontal overflow check run in the page: the document is no wider than the viewport.
OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

# axe-core, vendored in static/, run in the page; returns serious/critical violations only.
AXE_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 160))}));
}"""

# The elements sticking out to the right (not inside a scrolling box), to say *what* overflows.
WIDE_JS = """() => { const out = []; const W = document.documentElement.clientWidth;
  document.querySelectorAll('body *').forEach(e => { const r = e.getBoundingClientRect(); if (r.right <= W + 1) return;
    let a = e.parentElement; while (a) { if (getComputedStyle(a).overflowX !== 'visible') return; a = a.parentElement; }
    out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + Math.round(r.right) + 'px'); });
  return out.slice(0, 6); }"""
