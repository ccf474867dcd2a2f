"""The demo generator plants causal drivers of leaving; the retention model must find them."""

from datetime import date

from predictions import ebm
from predictions.features import retention_training_frame
from technicians.demo import demo_generate
from technicians.demo.load import demo_data_load

PLANTED = {"overtime_hours", "overtime_trend_3m", "pay_vs_district_median", "pay_rate", "tenure_years",
           "drive_time_minutes", "commute_miles", "csat", "training_hours", "training_hours_6m"}  # fmt: skip
NOT_PLANTED = {"jobs_completed", "utilization", "first_time_fix_rate", "callbacks", "trade"}


def test_planted_drivers_rank_near_the_top_of_global_importance(db):
    data = demo_generate(technicians=500, months=24, seed=7, as_of=date(2026, 6, 30))
    demo_data_load(data=data)
    frame = retention_training_frame(horizon_days=90, end=date(2026, 7, 1))
    params = {"outer_bags": 1, "interactions": 0, "max_rounds": 600, "early_stopping_rounds": 20, "learning_rate": 0.1,
              "smoothing_rounds": 20, "max_bins": 64}  # fmt: skip
    model = ebm.fit(frame.X, frame.y, categorical=frame.categorical, params=params)
    ranking = list(model.importances())
    top5 = set(ranking[:5])
    assert "overtime_hours" in ranking[:4] or "overtime_trend_3m" in ranking[:4], ranking
    assert len(top5 & PLANTED) >= 4, ranking
    assert not top5 & NOT_PLANTED, ranking
