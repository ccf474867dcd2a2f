import pytest

from forecasts import backtest, selectors, services
from forecasts.models import ForecastPoint, ForecastSeries, RunStatus


def _run_sync(**kw):
    return services.forecast_run_sync(horizon=4, **kw)


def test_run_fits_backtests_and_reconciles_every_series(small_hierarchy, as_of):
    run = _run_sync(metric="demand", method="auto")
    assert run.status == RunStatus.COMPLETED, run.error
    assert run.series_done == run.series_total == 6
    summary = run.backtest["demand"]
    assert summary["reconciliation"] == "mint" and summary["series"] == 6
    # coherent points: company = sum of regions = sum of districts, every week
    pts = {}
    for p in ForecastPoint.objects.filter(series__run=run).select_related("series"):
        pts.setdefault(p.ds, {})[p.series.key] = p.yhat
    for week in pts.values():
        assert week["company"] == pytest.approx(week["west"] + week["east"])
        assert week["west"] == pytest.approx(week["dal"] + week["phx"])
        assert week["company"] == pytest.approx(week["dal"] + week["phx"] + week["bos"])
    row = selectors.forecast_series(metric="demand", level="district", key="dal")
    assert len(row["forecast"]) == 4 and row["reconciliation"] == "mint"
    bt = row["backtest"]
    assert bt["folds"] == 2 and bt["mase_scale"] == "naive1"  # 70 weeks < 2 seasons
    assert bt["baseline_mase"] is not None and bt["mase"] is not None
    assert row["method"] in backtest.DEFAULT_CANDIDATES


def test_a_failed_series_is_recorded_and_the_others_complete(small_hierarchy, as_of, monkeypatch):
    real = backtest.fit_and_backtest

    def flaky(history, **kw):
        if history["y"].iloc[0] == 130:  # the Phoenix series starts at 130 jobs
            raise RuntimeError("optimizer exploded")
        return real(history, **kw)

    monkeypatch.setattr(services, "fit_and_backtest", flaky)
    run = _run_sync(metric="demand", method="seasonal_naive")
    assert run.status == RunStatus.COMPLETED
    failed = ForecastSeries.objects.get(run=run, key="phx")
    assert failed.status == "failed" and "optimizer exploded" in failed.failure_reason
    assert ForecastSeries.objects.filter(run=run, status="done").count() == 5
    assert "not reconciled" in run.backtest["demand"]["note"]
    assert selectors.forecast_series(metric="demand", level="district", key="dal")["reconciliation"] == "none"


def test_too_short_series_is_skipped_with_its_reason(small_hierarchy, as_of, settings):
    settings.FORECAST_HISTORY_MAX_WEEKS = 10
    run = _run_sync(metric="hires", method="seasonal_naive")
    assert run.status == RunStatus.FAILED
    reasons = set(ForecastSeries.objects.filter(run=run).values_list("failure_reason", flat=True))
    assert reasons == {"skipped: history has 10 weekly points; at least 26 are needed to fit"}


def test_fitting_a_series_twice_changes_nothing(small_hierarchy, as_of):
    run = services.forecast_run_start(metric="demand", horizon=4, method="seasonal_naive", enqueue=False)
    ids = services.forecast_run_prepare(run_id=run.id)
    assert services.forecast_run_prepare(run_id=run.id) == ids  # re-delivered: no duplicate series
    services.forecast_series_fit(series_id=ids[0])
    services.forecast_series_fit(series_id=ids[0])
    run.refresh_from_db()
    assert run.series_done == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "salary"}, "valid values: headcount, hires"),
        ({"level": "city"}, "valid values: district, region, company"),
        ({"horizon": 0}, "between 1 and 52"),
        ({"horizon": 53}, "between 1 and 52"),
        ({"method": "arima"}, "auto, prophet, seasonal_naive"),
    ],
)
def test_bad_run_arguments_are_refused_and_nothing_is_created(db, kwargs, message):
    from forecasts.models import ForecastRun

    with pytest.raises(selectors.ForecastInputError, match=message):
        services.forecast_run_start(**kwargs)
    assert not ForecastRun.objects.exists()


def test_monthly_run_forecasts_month_starts(small_hierarchy, as_of):
    run = services.forecast_run_sync(metric="demand", frequency="monthly", horizon=3, method="seasonal_naive")
    assert run.status == RunStatus.COMPLETED, run.error
    row = selectors.forecast_series(metric="demand", level="company", key=None, run_id=run.id)
    assert row["frequency"] == "monthly"
    assert [p["ds"][-2:] for p in row["forecast"]] == ["01", "01", "01"]
    assert all(h["ds"].endswith("-01") for h in row["history"])


def test_region_level_run_reconciles_regions_into_the_company(small_hierarchy, as_of):
    run = services.forecast_run_sync(
        metric="demand", level="region", horizon=3, method="seasonal_naive", reconciliation="mint"
    )
    assert run.status == RunStatus.COMPLETED and run.series_total == 3
    rows = {s.key: [p.yhat for p in s.points.all()] for s in run.series.all()}
    assert rows["company"] == pytest.approx([w + e for w, e in zip(rows["west"], rows["east"], strict=True)])
