"""Worklist pages: the sortable, filterable risk list with bulk actions and CSV export, and the worklist panel on
a technician's page (status, owner, note, watch, enrol, history). Function views; a partial for htmx, the full
page otherwise; every form also works as a plain POST → redirect without JavaScript."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import allowed, check, requires
from core.audit import audit_record
from core.models import AuditAction
from core.params import is_code, page_number
from core.permissions import EXPORT_DATA, WORK_RISK_LIST
from predictions.selectors import program_list
from technicians.exports import export_csv_lines, formula_guard
from technicians.models import District, Region, Trade
from worklist import selectors, services
from worklist.models import CaseStatus

PAGE = 25
COLUMNS = [("name", "Technician", False), ("district", "District", False), ("trade", "Trade", False),
           ("score", "Chance of leaving", True), ("band", "Band", False), ("status", "Status", False),
           ("owner", "Owner", False), ("watched", "Watched", False), ("updated", "Last action", False)]  # fmt: skip


def _filters(g) -> selectors.WorklistFilters:
    def code(k):
        v = g.get(k)
        return v if is_code(v) else None

    return selectors.WorklistFilters(
        region=code("region"), district=code("district"), trade=code("trade"), band=code("band"),
        status=code("status"), owner=code("owner"), watched=g.get("watched") in ("1", "on", "true"),
        sort=code("sort") or "-score",
    )  # fmt: skip


def _choices() -> dict:
    return {
        "regions": Region.objects.order_by("name"),
        "districts": District.objects.order_by("name"),
        "trades": Trade.choices,
        "bands": selectors.BANDS,
        "statuses": CaseStatus.choices,
    }


@requires(WORK_RISK_LIST, audit="risk")
def worklist_page(request):
    f = _filters(request.GET)
    page = page_number(request, default=0, minimum=0)
    ctx = {"filters": f, "page": page, "columns": COLUMNS, "programs": program_list(),
           "can_export": allowed(request.user, EXPORT_DATA), **_choices()}  # fmt: skip
    try:
        ctx["rows"] = selectors.worklist(user=request.user, filters=f, limit=PAGE, offset=page * PAGE)
    except ValueError as exc:
        ctx["error"] = str(exc)
        ctx["rows"] = {"count": 0, "items": []}
    query = f.as_query()
    ctx["query"] = urlencode(query)
    ctx["query_nosort"] = urlencode({k: v for k, v in query.items() if k != "sort"})
    ctx["has_next"] = (page + 1) * PAGE < ctx["rows"]["count"]
    ctx["next_url"] = request.get_full_path()
    template = "worklist/_table.html" if request.htmx and not request.htmx.boosted else "worklist/worklist.html"
    return render(request, template, ctx)


@requires(WORK_RISK_LIST)
def worklist_export(request):
    """CSV of the filtered, sorted worklist (every page), columns through the visibility rule; audited. Needs
    export rights as well (every role that works the list holds them today)."""
    check(request.user, EXPORT_DATA)
    f = _filters(request.GET)
    try:
        selectors.filters_validate(f)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("worklist:list")
    audit_record(user=request.user, action=AuditAction.EXPORT, object_type="worklist", via="export",
                 subjects=selectors.worklist_subjects(user=request.user, filters=f), detail={"filters": f.as_query()})  # fmt: skip
    rows = ([_csv(v) for v in row] for row in selectors.worklist_export_rows(user=request.user, filters=f))

    def body():
        yield "\ufeff"
        yield from export_csv_lines(rows)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="worklist-{timezone.localtime():%Y%m%d-%H%M}.csv"'
    return response


def _csv(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return formula_guard(value.isoformat() if hasattr(value, "isoformat") else str(value))


def _back(request, fallback: str) -> str:
    nxt = request.POST.get("next") or ""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else fallback


@requires(WORK_RISK_LIST)
@require_POST
def worklist_bulk(request):
    """Bulk actions on the ticked rows: enrol in a program, watch, stop watching."""
    ids = request.POST.getlist("employee_ids")
    action = request.POST.get("action", "")
    try:
        if action == "enrol":
            r = services.programs_enrol(user=request.user, employee_ids=ids, program_id=request.POST.get("program"))
            messages.success(request, f"Enrolled {r['enrolled']} in {r['program']}"
                                      + (f" ({r['already']} already enrolled)." if r["already"] else "."))  # fmt: skip
        elif action in ("watch", "unwatch"):
            n = services.watch_set(user=request.user, employee_ids=ids, watched=action == "watch")
            messages.success(request, f"{'Added' if action == 'watch' else 'Removed'} {n} on your watchlist.")
        else:
            messages.error(request, "Choose an action: enrol in a program, watch or stop watching.")
    except ValueError as exc:
        messages.error(request, str(exc))
    return redirect(_back(request, reverse("worklist:list")))


def _panel_ctx(request, employee_id: str) -> dict:
    if "\x00" in employee_id:
        raise Http404("No such technician.")
    return {"w": selectors.technician_worklist(user=request.user, employee_id=employee_id),
            "statuses": CaseStatus.choices, "owners": selectors.owner_choices(), "programs": program_list()}  # fmt: skip


@requires(WORK_RISK_LIST, audit="technician", subject="employee_id")
def technician_panel(request, employee_id: str):
    """The worklist card on a technician's page (htmx) or on its own page (the href fallback)."""
    ctx = _panel_ctx(request, employee_id)
    template = "worklist/_panel.html" if request.htmx else "worklist/technician.html"
    return render(request, template, ctx)


@requires(WORK_RISK_LIST)
@require_POST
def technician_update(request, employee_id: str):
    """Status / owner / note (one form), watch toggle, or enrolment for one technician."""
    p = request.POST
    action = p.get("action", "case")
    error = None
    try:
        if action == "watch" or action == "unwatch":
            services.watch_set(user=request.user, employee_ids=[employee_id], watched=action == "watch")
        elif action == "enrol":
            services.programs_enrol(user=request.user, employee_ids=[employee_id], program_id=p.get("program"))
        else:
            services.case_update(user=request.user, employee_id=employee_id, status=p.get("status") or None,
                                 owner=p.get("owner", ""), note=p.get("note", ""))  # fmt: skip
    except ValueError as exc:
        error = str(exc)
    if request.htmx:
        ctx = _panel_ctx(request, employee_id)
        ctx["error"] = error
        return render(request, "worklist/_panel.html", ctx)
    if error:
        messages.error(request, error)
    return redirect(_back(request, reverse("worklist:technician", args=[employee_id])))
