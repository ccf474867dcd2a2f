"""First start: `train_models --if-missing --quick` (what `make run` calls) queues first-fit settings."""

from io import StringIO

from django.core.management import call_command

from predictions.ebm import EBM_DEFAULTS, EBM_FIRST_FIT
from predictions.models import TrainedModel


def test_quick_first_models_use_first_fit_settings(db):
    call_command("train_models", "--if-missing", "--quick", stdout=StringIO())
    models = list(TrainedModel.objects.all())
    assert {m.model_type for m in models} == {"retention", "quality_of_hire"}
    assert all(m.params == EBM_FIRST_FIT for m in models)
    # fewer bags and pairs than the full settings: the point of a first fit
    assert EBM_FIRST_FIT["outer_bags"] < EBM_DEFAULTS["outer_bags"]
    assert EBM_FIRST_FIT["interactions"] < EBM_DEFAULTS["interactions"]
