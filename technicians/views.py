"""Recruiter-facing HTMX pages: the technicians list (filters, search, sort, pagination, CSV export) and
the technician detail page.

Function views; an HTMX request gets only the results partial, a normal request the full page, and every
control also works as a plain link or GET form without JavaScript. People data comes from
technicians.selectors, which drops pay/performance for users who may not see them.
"""

from __future__ import annotations

import math
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django_htmx.http import push_url

from core.access import allowed, requires
from core.permissions import EXPORT_DATA, VIEW_TECHNICIANS, WORK_RISK_LIST
from technicians import selectors
from technicians.exports import export_csv_response
from technicians.models import RaceEthnicity, ScheduleType, Sex, Trade
from technicians.selectors import SelectorError, field_visible

PAGE_SIZE = 25
TRADE_LABELS = dict(Trade.choices)
SCHEDULE_LABELS = dict(ScheduleType.choices)
SEX_LABELS = dict(Sex.choices)
RACE_LABELS = dict(RaceEthnicity.choices)
FILTER_NAMES = ("region", "district", "trade", "status", "hire_year", "q")
# (sort key, column label, numeric?) — sort keys are technicians.selectors.TECHNICIAN_ORDERINGS
COLUMNS = [
    ("employee_id", "Employee ID", False),
    ("name", "Name", False),
    ("district", "District", False),
    ("trade", "Trade", False),
    ("hire_date", "Hired", False),
    ("tenure", "Tenure", True),
    (None, "Status", False),
    ("pay_rate", "Pay / h", True),
]


def dashboard_view(view):
    """Login required; users without the technicians view permission (no role) get the no-access page."""
    return requires(VIEW_TECHNICIANS)(view)


class TechnicianFilterForm(forms.Form):
    region = forms.CharField(required=False, max_length=30)
    district = forms.CharField(required=False, max_length=30)
    trade = forms.ChoiceField(required=False, choices=[("", "All trades"), *Trade.choices])
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), ("active", "Active"), ("left", "Left")])
    hire_year = forms.IntegerField(required=False, min_value=1900, max_value=2100)
    q = forms.CharField(required=False, max_length=100, strip=True)
    sort = forms.CharField(required=False, max_length=40)


def _clean_filters(request) -> tuple[dict, str, list[str]]:
    """Valid filters and sort from the query string; invalid values are dropped with a message each."""
    params = request.GET.copy()
    if "q" in params:  # search ignores NUL bytes (as the API does) instead of rejecting the whole query
        params["q"] = params["q"].replace("\x00", "")
    form = TechnicianFilterForm(params)
    form.is_valid()
    errors = [f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()]
    data = form.cleaned_data
    filters = {k: data[k] for k in FILTER_NAMES if data.get(k) not in (None, "")}
    return filters, data.get("sort") or "", errors


def _technician_queryset(request, filters: dict, sort: str, errors: list[str]):
    """technician_list with the page's filters; a sort the user may not use is reported and dropped.

    Region/district codes are checked by the caller; any other SelectorError propagates.
    """
    try:
        return selectors.technician_list(user=request.user, ordering=sort or None, **filters)
    except SelectorError as exc:
        if not sort:
            raise
        errors.append(str(exc))
        return selectors.technician_list(user=request.user, **filters)


def _qs(params: dict, **extra) -> str:
    merged = {**params, **extra}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


def _url(path: str, query: str) -> str:
    return f"{path}?{query}" if query else path


def _list_context(request) -> dict:
    user = request.user
    filters, sort, errors = _clean_filters(request)
    # the selects show code and name (and a district's region name) only: no other columns to load per option
    regions = list(selectors.region_list(with_counts=False).only("code", "name"))
    region_codes = {r.code for r in regions}
    if filters.get("region") and filters["region"] not in region_codes:
        errors.append(f"unknown region {filters.pop('region')!r}.")
    districts = list(
        selectors.district_list(region=filters.get("region"), with_counts=False).only("code", "name", "region__name")
    )
    if filters.get("district") and filters["district"] not in {d.code for d in districts}:
        # a district of another region (the region was just changed): drop it rather than show nothing
        if filters.get("region") is None:
            errors.append(f"unknown district {filters['district']!r}.")
        filters.pop("district")
    qs = _technician_queryset(request, filters, sort, errors)
    counts = selectors.technician_counts(technicians=qs)
    pages = max(1, math.ceil(counts["total"] / PAGE_SIZE))
    try:
        page = min(max(int(request.GET.get("page", 1)), 1), pages)
    except ValueError:
        page = 1
    rows = selectors.technician_page(user=user, technicians=qs, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    for row in rows:
        row["trade_label"] = TRADE_LABELS.get(row["trade"], row["trade"])
    show_pay = field_visible(user, "pay_rate")
    filter_params = {k: str(v) for k, v in filters.items()}
    sort_key, desc = sort.lstrip("-"), sort.startswith("-")
    columns = []
    for key, label, numeric in COLUMNS:
        if key and not field_visible(user, key):
            continue
        col = {"label": label, "numeric": numeric, "key": key, "active": False}
        if key:
            col["active"] = key == sort_key
            col["desc"] = desc
            col["qs"] = _qs(filter_params, sort=f"-{key}" if key == sort_key and not desc else key)
        columns.append(col)
    sorted_params = {**filter_params, "sort": sort}
    return {
        # every filter name present (None when unused): the selects compare each option with its filter, and a
        # template lookup of a missing key is slow (an exception and a dir() per option, ~80 per page)
        "filters": {**dict.fromkeys(FILTER_NAMES), **filter_params},
        "sort": sort,
        "errors": errors,
        "regions": regions,
        "districts": districts,
        "trades": Trade.choices,
        "rows": rows,
        "counts": counts,
        "columns": columns,
        "show_pay": show_pay,
        "page": page,
        "pages": pages,
        "first_row": (page - 1) * PAGE_SIZE + 1 if rows else 0,
        "last_row": (page - 1) * PAGE_SIZE + len(rows),
        "prev_qs": _qs(sorted_params, page=page - 1) if page > 1 else None,
        "next_qs": _qs(sorted_params, page=page + 1) if page < pages else None,
        "export_qs": _qs(sorted_params),
        "clean_url": _url(request.path, _qs(sorted_params, page=page if page > 1 else None)),
        "has_filters": bool(filter_params),
        "hire_years": list(range(date.today().year, 1999, -1)),
    }


@dashboard_view
def technician_list(request):
    """The technicians list. HTMX requests (filters, sort, paging) get only the results partial."""
    ctx = _list_context(request)
    if request.htmx and not request.htmx.history_restore_request:
        ctx["oob_districts"] = True  # the district select narrows to the chosen region in the same swap
        # the address bar shows only the filters in use (the form would push every empty field too)
        return push_url(render(request, "technicians/_list_results.html", ctx), ctx["clean_url"])
    return render(request, "technicians/list.html", ctx)


@requires(EXPORT_DATA)
def technician_export(request):
    """CSV of the current filtered, sorted list: the importers' export (same columns as the admin's
    export, re-importable), which picks the columns this user may see (no pay for recruiters)."""
    filters, sort, errors = _clean_filters(request)
    try:
        qs = _technician_queryset(request, filters, sort, errors)
    except SelectorError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    return export_csv_response(user=request.user, kind="technicians", queryset=qs)


def _url_or_none(name: str, *args) -> str | None:
    """The URL if another app provides it yet (predictions lands separately), else None."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@requires(VIEW_TECHNICIANS, audit="technician", subject="employee_id")
def technician_detail(request, employee_id: str):
    user = request.user
    tech = selectors.technician_get_for_user(user=user, employee_id=employee_id)  # Http404 → 404 page
    data = selectors.technician_to_dict(user=user, technician=tech)
    data["trade_label"] = TRADE_LABELS.get(data["trade"], data["trade"])
    data["schedule_label"] = SCHEDULE_LABELS.get(data["schedule_type"], data["schedule_type"])
    snapshots = selectors.snapshot_list_for_user(user=user, technician=tech, limit=24)  # newest first
    chronological = list(reversed(snapshots))
    chart = {
        "labels": [s["month"].strftime("%Y-%m") for s in chronological],
        "jobs": [s["jobs_completed"] for s in chronological],
        "overtime": [s["overtime_hours"] for s in chronological],
    }
    candidate_data = selectors.candidate_for_technician(user=user, technician=tech)
    return render(
        request,
        "technicians/detail.html",
        {
            "t": data,
            "snapshots": snapshots,
            "chart": chart,
            "show_pay": field_visible(user, "pay_rate"),
            "show_performance": field_visible(user, "performance_rating"),
            "show_protected": field_visible(user, "sex") and field_visible(user, "race_ethnicity"),
            "sex_label": SEX_LABELS.get(data.get("sex"), ""),
            "race_label": RACE_LABELS.get(data.get("race_ethnicity"), ""),
            "candidate": candidate_data,
            "candidate_url": candidate_data
            and _url_or_none("predictions:candidate_detail", candidate_data["candidate_id"]),
            "risk_panel_url": _url_or_none("predictions:technician_panel", tech.employee_id),
            "can_work_list": allowed(user, WORK_RISK_LIST),  # the worklist card (worklist app, loaded by htmx)
        },
    )
