import pytest
from tests.predictions.conftest import FAST_EBM

def test_smoke(world, model_store, hr_admin, recruiter, settings, django_capture_on_commit_callbacks):
    from predictions import services, selectors
    from predictions.features import retention_training_frame
    f = retention_training_frame(horizon_days=90)
    print(f.X.shape, f.y.mean(), list(f.X.columns))
    m = services.model_train(model_type="retention", params=FAST_EBM, enqueue=False)
    m = services.model_run(model_id=m.id)
    print(m.status, m.error, m.metrics.get("roc_auc"), list(m.importances)[:5])
    r = selectors.risk_ranking(user=recruiter, limit=3)
    print(r["count"], r["items"][0])
    d = selectors.technician_risk(user=recruiter, employee_id=r["items"][0]["employee_id"])
    print(d["explanation"], d["contributions"][:3])
    print(selectors.expected_departures_by_district())
    w = services.what_if(user=hr_admin, employee_id=r["items"][0]["employee_id"], changes={"overtime_hours": 2})
    print(w["before"], w["after"]["score"], w["suggestions"])
    q = services.model_train(model_type="quality_of_hire", params=FAST_EBM, enqueue=False)
    q = services.model_run(model_id=q.id)
    print(q.status, q.error, q.metrics.get("roc_auc"))
    print(selectors.candidate_ranking(user=recruiter)["items"][:1])
