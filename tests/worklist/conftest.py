"""A small scored world without training: an active retention model row and two scorings of stored scores
(contributions over two terms, one of them pay — restricted for recruiters). Shared by worklist and alerts tests."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

TERMS = ["overtime_hours", "pay_rate"]
PREVIOUS, CURRENT = date(2026, 10, 1), date(2026, 11, 1)


def store_scores(model, as_of: date, rows: list[tuple]) -> None:
    """rows: (technician, score, band). Contributions split the logit between the two terms."""
    from predictions.models import Prediction

    preds = []
    for tech, score, band in rows:
        logit = float(np.log(score / (1 - score)))
        contrib = np.array([logit * 0.7 + 1.0, logit * 0.3], dtype="<f8")
        preds.append(Prediction(model=model, technician=tech, as_of=as_of, score=score, band=band, logit=logit,
                                intercept=-1.0, contributions=contrib.tobytes(),
                                feature_values=np.array([10.0, 30.0], dtype="<f8").tobytes()))  # fmt: skip
    Prediction.objects.bulk_create(preds)


@pytest.fixture
def scored(db):
    return make_scored_world()


def make_scored_world() -> dict:
    """Five technicians in two districts, scored twice: E1 moves into high, E2 rises 15 points within medium,
    E3 stays high (no alert), E4 stays low, E5 is new at the current scoring and high."""
    from predictions.models import ModelStatus, RetentionProgram, TrainedModel
    from tests.factories import DistrictFactory, RegionFactory, TechnicianFactory

    region = RegionFactory(code="south", name="South")
    hou = DistrictFactory(code="hou", name="Houston", region=region)
    aus = DistrictFactory(code="aus", name="Austin", region=region)
    model = TrainedModel.objects.create(model_type="retention", version=1, status=ModelStatus.ACTIVE,
                                        features=TERMS, terms=TERMS, artifact_sha256="x" * 64)  # fmt: skip
    t = {
        f"E{i}": TechnicianFactory(employee_id=f"E{i}", first_name=f"Tech{i}", last_name=ln, district=d, trade=tr)
        for i, ln, d, tr in [(1, "Adams", hou, "hvac"), (2, "Baker", hou, "appliance"), (3, "Cole", aus, "hvac"),
                             (4, "Diaz", aus, "appliance"), (5, "Evans", hou, "hvac")]
    }  # fmt: skip
    store_scores(model, PREVIOUS, [(t["E1"], 0.40, "medium"), (t["E2"], 0.30, "medium"), (t["E3"], 0.80, "high"),
                                   (t["E4"], 0.10, "low")])  # fmt: skip
    store_scores(model, CURRENT, [(t["E1"], 0.72, "high"), (t["E2"], 0.45, "medium"), (t["E3"], 0.81, "high"),
                                  (t["E4"], 0.12, "low"), (t["E5"], 0.66, "high")])  # fmt: skip
    program = RetentionProgram.objects.create(name="Overtime cap", cost_per_technician=500,
                                              change={"overtime_hours": {"cap": 8}})  # fmt: skip
    return {"model": model, "techs": t, "program": program, "districts": {"hou": hou, "aus": aus}}
