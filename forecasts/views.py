"""HTMX pages: forecast chart + accuracy, hiring plan (sortable, CSV), runs with live progress."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.access import allowed, requires
from core.permissions import EXPORT_DATA, PUBLISH_FORECAST, START_FORECAST_RUN, VIEW_FORECASTS
from core.quotas import AlreadyRunning
from forecasts import selectors, services
from forecasts.models import METRICS, ForecastRun
from technicians.exports import formula_guard
from technicians.models import District, Region, Trade


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
        "metric": series["metric"],
        "history_weeks": len(hist),
    }


def _plan_inputs(request) -> tuple[dict, list[str]]:
    """The plan's inputs from the query string, and the reason for each one that is not valid."""
    errors = []
    max_weeks = selectors.hiring_plan_max_weeks()

    def number(name, default, lo, hi, kind=float, label=None):
        raw = request.GET.get(name, "")
        if raw in ("", None):
            return default
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            errors.append(f"{label or name} must be a {'whole ' if kind is int else ''}number from {lo} to {hi}")
            return default
        if not lo <= value <= hi:
            errors.append(
                f"{label or name} must be {'a whole number ' if kind is int else ''}from {lo} to {hi} (got {raw})"
            )
            return default
        return value

    params = {
        "weeks": number("weeks", min(12, max_weeks), 1, max_weeks, int, "Weeks ahead"),
        "weeks_max": max_weeks,
        "region": request.GET.get("region") or None,
        "district": request.GET.get("district") or None,
        "trade": request.GET.get("trade") or None,
        "sort": request.GET.get("sort") or selectors.DEFAULT_PLAN_SORT,
        "demand_pct": number("demand_pct", 0.0, -100, 100, float, "Demand change %"),
        "capacity_pct": number("capacity_pct", 0.0, -90, 100, float, "Capacity change %"),
        "program": number("program", None, 1, 2**31 - 1, int, "Retention program"),
        "program_district": request.GET.get("program_district") or None,
        "program_trade": request.GET.get("program_trade") or None,
    }
    return params, errors


def _plan_report(params: dict) -> dict:
    params = {k: v for k, v in params.items() if k != "weeks_max"}
    from forecasts.hiring_plan import Scenario

    scenario = Scenario(
        demand_pct=params["demand_pct"], capacity_pct=params["capacity_pct"], program_id=params["program"],
        program_district=params["program_district"], program_trade=params["program_trade"],
    )  # fmt: skip
    return selectors.hiring_plan_report(
        weeks=params["weeks"], region=params["region"], district=params["district"], trade=params["trade"],
        scenario=scenario, sort=params["sort"],
    )  # fmt: skip


def _query(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v not in (None, "", 0, 0.0) and k != "weeks_max"})


@requires(VIEW_FORECASTS)
def hiring_plan(request):
    params, errors = _plan_inputs(request)
    ctx = {
        "params": params, "sort": params["sort"], "max_weeks": selectors.hiring_plan_max_weeks(),
        "query": _query(params), "query_nosort": _query({**params, "sort": None}), "trades": Trade.choices,
        **_where_options(),
    }  # fmt: skip
    ctx["programs"] = _programs()
    ctx["weeks_input"] = request.GET.get("weeks", str(params["weeks"]))[:10]  # the box keeps what was typed
    try:
        if errors:
            if any(e.startswith("Weeks ahead") for e in errors):
                errors.append(f"the published demand forecast covers {params['weeks_max']} weeks")
            raise selectors.ForecastInputError("; ".join(errors))
        report = _plan_report(params)
        ctx.update(rows=report["rows"], totals=report["totals"], source=report["exits_source"], report=report)
    except selectors.ForecastInputError as exc:
        ctx["error"] = str(exc)
    except selectors.NoForecastError as exc:
        ctx["missing"] = str(exc)
    except LookupError as exc:
        ctx["error"] = str(exc)
    if request.htmx:
        # htmx swaps only 2xx: an input error comes back as 200 so it shows in place of the table, and the
        # address bar keeps the last good URL (the box keeps the value the user typed, next to the message)
        response = render(request, "forecasts/_hiring_plan_table.html", ctx)
        if "error" in ctx:
            response["HX-Push-Url"] = "false"
        return response
    return render(request, "forecasts/hiring_plan.html", ctx, status=400 if "error" in ctx else 200)


def _programs() -> list:
    try:
        from predictions.selectors import program_list

        return list(program_list().values("id", "name"))
    except Exception:  # noqa: BLE001 - the plan works without programs
        return []


@requires(EXPORT_DATA)
def hiring_plan_csv(request):
    params, errors = _plan_inputs(request)
    try:
        if errors:
            raise selectors.ForecastInputError("; ".join(errors))
        rows = _plan_report(params)["rows"]
    except (selectors.ForecastInputError, selectors.NoForecastError, LookupError) as exc:
        status = 404 if isinstance(exc, selectors.NoForecastError) else 400
        return HttpResponse(str(exc), status=status, content_type="text/plain")
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
    method = request.POST.get("method") or "auto"
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
    ctx = {"run": run, "series": series, "published": selectors.published_run_ids(),
           "can_publish": allowed(request.user, PUBLISH_FORECAST)}  # fmt: skip
    return render(request, "forecasts/run_detail.html", ctx)


@requires(PUBLISH_FORECAST)
@require_POST
def run_publish(request, run_id):
    run = get_object_or_404(ForecastRun, pk=run_id)
    try:
        pubs = services.forecast_run_publish(run_id=run.pk, user=request.user)
    except services.PublishError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Published: {', '.join(p.metric for p in pubs)}. Everyone now sees this run.")
    return redirect("forecasts:run_detail", run_id=run.pk)


@requires(VIEW_FORECASTS)
def run_compare(request, run_id):
    run = get_object_or_404(ForecastRun, pk=run_id)
    return render(request, "forecasts/run_compare.html", {"run": run, "cmp": selectors.run_comparison(run=run)})
