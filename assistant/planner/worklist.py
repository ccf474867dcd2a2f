"""Offline planner: worklist questions ("who on my watchlist is high risk?", "which of my cases are still new?",
"who is on the worklist in Dallas with status contacted?") answered from the ``worklist`` tool."""

from __future__ import annotations

import re

from assistant.planner.base import Plan, _band, _err, _pct

STATUS_WORDS = {"new": "new", "contacted": "contacted", "action agreed": "action_agreed", "agreed": "action_agreed",
                "closed": "closed"}  # fmt: skip


def worklist_plan(s, text: str):
    low = text.lower()
    args = s.loc() | {"limit": 10}
    if re.search(r"\bwatch ?list\b|\bwatching\b|\bi watch\b", low):
        args["watched"] = True
    if re.search(r"\bmy cases\b|\bi own\b|\bassigned to me\b|\bmine\b", low):
        args["mine"] = True
    if band := _band(text):
        args["band"] = band
    status = next((v for k, v in STATUS_WORDS.items() if re.search(rf"\b{k}\b", low)), None)
    if status and not (status == "new" and "new hire" in low):
        args["status"] = status

    def render(outs):
        out = outs[0]
        if not out.ok:
            return _err(out, "the worklist")
        r = out.result
        scope = ("on your watchlist" if args.get("watched") else "in your cases" if args.get("mine") else
                 f"on the worklist for {s.place}")  # fmt: skip
        what = " ".join(x for x in (args.get("band") and f"{args['band']}-risk",
                                    status and f"with status {status.replace('_', ' ')}") if x)  # fmt: skip
        if not r.get("items"):
            return f"Nobody {what + ' ' if what else ''}{scope}."
        lines = [f"{r['count']} technician(s) {what + ' ' if what else ''}{scope} (scored {r.get('as_of')}):"]
        for i, it in enumerate(r["items"], 1):
            extra = f", owner {it['owner']}" if it.get("owner") else ", no owner yet"
            progs = f", in {', '.join(it['programs'])}" if it.get("programs") else ""
            lines.append(f"{i}. {it['name']} ({it['employee_id']}, {it['district']}) — {_pct(it['score'])} risk "
                         f"({it['band']}), status {it['status'].replace('_', ' ')}{extra}{progs}")  # fmt: skip
        return "\n".join(lines)

    return Plan("worklist", [lambda outs: ("worklist", args)], render)
