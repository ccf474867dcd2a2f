"""Above the row budget, training keeps a time-stratified sample whose weights keep the label rate and the
calibration of the full data; below it, the frame is the full one, unweighted."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.conf import settings as dj_settings

from predictions import ebm, features
from tests.predictions.conftest import FAST_EBM


def _frames(settings, world, budget):
    settings.PREDICTIONS_TRAIN_MAX_ROWS = 0
    full = features.retention_training_frame(horizon_days=90, end=world["end"])
    settings.PREDICTIONS_TRAIN_MAX_ROWS = budget
    sampled = features.retention_training_frame(horizon_days=90, end=world["end"])
    return full, sampled


def test_sample_keeps_every_month_every_leaver_and_the_weighted_label_rate(world, settings):
    full, sampled = _frames(settings, world, budget=600)
    assert full.weights is None and len(full.X) > 1500
    w = sampled.weights
    assert w is not None and len(sampled.X) < 0.5 * len(full.X)
    assert sampled.y.sum() == full.y.sum()  # every positive is kept, with weight 1
    assert np.all(w[sampled.y == 1] == 1.0) and np.all(w[sampled.y == 0] >= 1.0)
    months = lambda f: set(pd.to_datetime(f.keys["as_of"]))  # noqa: E731
    assert months(sampled) == months(full)  # time-stratified: no month dropped
    assert abs(w.sum() - len(full.X)) / len(full.X) < 0.1  # the sample stands for the whole
    assert abs(np.average(sampled.y, weights=w) - full.y.mean()) < 0.01
    again = features.retention_training_frame(horizon_days=90, end=world["end"])
    pd.testing.assert_frame_equal(again.keys, sampled.keys)  # deterministic


def test_weighted_sample_is_calibrated_on_the_full_data(world, settings):
    full, sampled = _frames(settings, world, budget=600)
    kw = dict(categorical=sampled.categorical, params=FAST_EBM, min_rows=dj_settings.PREDICTIONS_MIN_TRAIN_ROWS)
    weighted = ebm.fit(sampled.X, sampled.y, sample_weight=sampled.weights, **kw)
    unweighted = ebm.fit(sampled.X, sampled.y, **kw)
    rate = full.y.mean()
    mean_w = weighted.predict_proba(full.X).mean()
    mean_u = unweighted.predict_proba(full.X).mean()
    assert abs(mean_w - rate) < 0.25 * rate  # calibrated in the large
    assert mean_u > 1.5 * rate  # what the weights correct: the sample over-represents leavers
