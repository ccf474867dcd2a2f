"""The demo generator plants causal drivers of leaving; the retention model must find them."""

from datetime import date

from predictions.models import ModelStatus
from predictions.services import model_run, model_train
from technicians.demo import demo_generate
from technicians.demo_load import demo_data_load

PLANTED = {"overtime_hours", "overtime_trend_3m", "pay_vs_district_median", "pay_rate", "tenure_years",
           "drive_time_minutes", "commute_miles", "csat", "training_hours", "training_hours_6m"}  # fmt: skip
NOT_PLANTED = {"jobs_completed", "utilization", "first_time_fix_rate", "callbacks", "trade"}


def test_planted_drivers_rank_near_the_top_of_global_importance(db, model_store):
    demo_data_load(data=demo_generate(technicians=500, months=24, seed=7, as_of=date(2026, 6, 30)))
    params = {
        "outer_bags": 1,
        "interactions": 0,
        "max_rounds": 1500,
        "early_stopping_rounds": 30,
        "learning_rate": 0.08,
    }
    m = model_run(model_id=model_train(model_type="retention", params=params, enqueue=False).id)
    assert m.status == ModelStatus.ACTIVE, m.error
    ranking = [name for name, _ in m.importance_list]
    top5 = set(ranking[:5])
    assert "overtime_hours" in ranking[:4] or "overtime_trend_3m" in ranking[:4], ranking
    assert len(top5 & PLANTED) >= 4, ranking
    assert not top5 & NOT_PLANTED, ranking
    assert m.metrics["roc_auc"] > 0.65
