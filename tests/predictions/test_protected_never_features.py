"""Protected characteristics never reach a feature frame — for every model type, training and scoring,
whatever ``attributes`` key names them."""

import pandas as pd
import pytest

from predictions import bias, features, services
from predictions.models import ModelType
from technicians.models import Candidate, Technician
from technicians.visibility import is_protected_name

PROTECTED_KEYS = ["gender", "Sex", "race", "ethnicity", "race_ethnicity", "ethnic_group", "self_id_gender", "raceCode"]


@pytest.fixture
def marked_world(world):
    attrs = {k: ("x" if i % 2 else 1) for i, k in enumerate(PROTECTED_KEYS)}
    for t in Technician.objects.all():
        t.sex, t.race_ethnicity = "female", "asian"
        t.attributes = {**t.attributes, **attrs}
        t.save()
    for c in Candidate.objects.all():
        c.sex, c.race_ethnicity = "male", "black"
        c.attributes = {**c.attributes, **attrs}
        c.save()
    return world


def _assert_clean(frame: features.Frame):
    assert not frame.X.empty
    cols = list(frame.X.columns)
    assert not [c for c in cols if is_protected_name(c)], cols
    assert not [c for c in frame.categorical if is_protected_name(c)]
    # and no column carries the protected values themselves
    values = {str(v) for c in frame.X.columns if frame.X[c].dtype == object for v in frame.X[c].unique()}
    assert not {"female", "asian", "black", "male"} & values


@pytest.mark.parametrize("model_type", ModelType.values)
def test_training_and_scoring_frames_of_every_model_type_are_clean(marked_world, settings, model_type):
    settings.QOH_DAYS = 30
    _assert_clean(services._training_frame(model_type))
    _assert_clean(bias.scoring_frame(model_type))


def test_non_protected_attributes_still_become_features(marked_world):
    frame = services._training_frame(ModelType.RETENTION)
    assert {"attr_shift_pref", "attr_union"} <= set(frame.X.columns)


def test_declaring_a_protected_column_as_a_feature_is_refused():
    rows = pd.DataFrame({"sex": ["f"], "commute_miles": [3.0], "attributes": [{}]})
    with pytest.raises(ValueError, match="protected characteristics cannot be model features: sex"):
        features._feature_matrix(rows, ["commute_miles"], ["sex"])
