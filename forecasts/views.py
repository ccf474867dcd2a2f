"""HTMX pages: forecast chart + accuracy, hiring plan (sortable, CSV), runs with live progress."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import requires
from core.permissions import EXPORT_DATA, START_FORECAST_RUN, VIEW_FORECASTS
from core.quotas import AlreadyRunning
from forecasts import selectors, services
from forecasts.models import METRICS, ForecastRun
from technicians.exports import formula_guard
from technicians.models import District, Region


def _where_options() -> dict:
    return {
        "regions": list(Region.objects.order_by("name").values("code", "name")),
        "districts": list(District.objects.order_by("name").values("code", "name", "region__code")),
    }


def _parse_selection(params) -> tuple[str, str, str | None]:
    metric = params.get("metric") or "demand"
    where = params.get("where")
    if where:
        level, _, key = where.partition(":")
        return metric, level, key or None
    level = params.get("level") or "company"
    return metric, level, params.get("key") or None


@requires(VIEW_FORECASTS)
def forecast_page(request):
    metric, level, key = _parse_selection(request.GET)
    ctx = {"metric": metric, "level": level, "key": key, "metrics": selectors.metric_choices(), **_where_options()}
    ctx["where"] = "company" if level == "company" else f"{level}:{key}"
    try:
        ctx["series"] = selectors.forecast_series(metric=metric, level=level, key=key)
        ctx["chart"] = _chart_data(ctx["series"])
    except selectors.ForecastInputError as exc:
        ctx["error"] = str(exc)
    except selectors.NoForecastError as exc:
        ctx["missing"] = str(exc)
    ctx["active_run"] = selectors.forecast_run_active()
    template = "forecasts/_forecast_panel.html" if request.htmx else "forecasts/forecast_page.html"
    return render(request, template, ctx, status=400 if "error" in ctx else 200)


def _chart_data(series: dict, keep: int = 104) -> dict:
    hist = series["history"][-keep:]
    fc = series["forecast"]
    labels = [h["ds"] for h in hist] + [p["ds"] for p in fc]
    pad = [None] * len(hist)
    last = hist[-1]["y"] if hist else None
    # the forecast line starts at the last actual so the two lines join
    return {
        "labels": labels,
        "history": [h["y"] for h in hist] + [None] * len(fc),
        "forecast": [*pad[:-1], last, *[p["yhat"] for p in fc]] if hist else [p["yhat"] for p in fc],
        "lower": [*pad[:-1], last, *[p["yhat_lower"] for p in fc]] if hist else [p["yhat_lower"] for p in fc],
        "upper": [*pad[:-1], last, *[p["yhat_upper"] for p in fc]] if hist else [p["yhat_upper"] for p in fc],
        "title": f"{series['name']} — {dict(selectors.metric_choices())[series['metric']]}",
    }


SORTABLE = (
    "district",
    "region",
    "current_headcount",
    "expected_departures",
    "accepted_offers",
    "forecast_demand",
    "required_technicians",
    "expected_headcount",
    "gap",
)


def _plan_params(request) -> dict:
    def _int(name, default):
        try:
            return int(request.GET.get(name, default))
        except (TypeError, ValueError):
            return None

    return {
        "weeks": _int("weeks", 12),
        "region": request.GET.get("region") or None,
        "district": request.GET.get("district") or None,
        "trade": request.GET.get("trade") or None,
    }


@requires(VIEW_FORECASTS)
def hiring_plan(request):
    params = _plan_params(request)
    sort = request.GET.get("sort", "gap")
    sort = sort if sort.lstrip("-") in SORTABLE else "gap"
    ctx = {"params": params, "sort": sort, "sortable": SORTABLE, **_where_options()}
    try:
        if params["weeks"] is None:
            raise selectors.ForecastInputError("weeks must be a whole number between 1 and 52")
        rows = selectors.hiring_plan(**params)
        field = sort.lstrip("-")
        missing = [r for r in rows if r[field] is None]
        present = sorted(
            (r for r in rows if r[field] is not None), key=lambda r: r[field], reverse=sort.startswith("-")
        )
        ctx["rows"] = present + missing
        ctx["source"] = rows[0]["departures_source"] if rows else ""
        ctx["totals"] = {
            k: round(sum(r[k] or 0 for r in rows), 1)
            for k in (
                "current_headcount",
                "expected_departures",
                "accepted_offers",
                "required_technicians",
                "expected_headcount",
                "gap",
            )
        }
    except selectors.ForecastInputError as exc:
        ctx["error"] = str(exc)
    except selectors.NoForecastError as exc:
        ctx["missing"] = str(exc)
    template = "forecasts/_hiring_plan_table.html" if request.htmx else "forecasts/hiring_plan.html"
    return render(request, template, ctx, status=400 if "error" in ctx else 200)


@requires(EXPORT_DATA)
def hiring_plan_csv(request):
    params = _plan_params(request)
    try:
        if params["weeks"] is None:
            raise selectors.ForecastInputError("weeks must be a whole number between 1 and 52")
        rows = selectors.hiring_plan(**params)
    except (selectors.ForecastInputError, selectors.NoForecastError) as exc:
        return HttpResponse(
            str(exc), status=400 if isinstance(exc, selectors.ForecastInputError) else 404, content_type="text/plain"
        )
    return plan_csv_response(rows)


def plan_csv_response(rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="hiring-plan.csv"'
    writer = csv.DictWriter(response, fieldnames=selectors.HIRING_PLAN_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: formula_guard(v) if isinstance(v, str) else v for k, v in row.items()})
    return response


@requires(VIEW_FORECASTS)
def run_list(request):
    runs = list(selectors.forecast_run_list()[:30])
    ctx = {"runs": runs, "metrics": METRICS}
    template = "forecasts/_run_table.html" if request.htmx else "forecasts/run_list.html"
    return render(request, template, ctx)


@requires(START_FORECAST_RUN)
@require_POST
def run_start(request):
    active = selectors.forecast_run_active()
    if active and selectors.forecast_run_is_stale(active):
        services.forecast_run_resume(run_id=active.id)
        messages.info(request, "The unfinished forecast run had stalled; it has been resumed.")
        return redirect("forecasts:run_list")
    if active:
        messages.info(request, "A forecast run is already in progress; its progress is shown below.")
        return redirect("forecasts:run_list")
    metric = request.POST.get("metric") or None
    method = request.POST.get("method") or "prophet"
    try:
        services.forecast_run_start(metric=metric, method=method, requested_by=request.user)
    except selectors.ForecastInputError as exc:
        messages.error(request, str(exc))
    except AlreadyRunning as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "Forecast run queued.")
    return redirect("forecasts:run_list")


@requires(VIEW_FORECASTS)
def run_detail(request, run_id):
    run = get_object_or_404(ForecastRun, pk=run_id)
    series = run.series.defer("history", "fit").order_by("metric", "level", "key")
    return render(request, "forecasts/run_detail.html", {"run": run, "series": series})
