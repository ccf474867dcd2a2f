"""One trained world for the whole analytics package: built once (training takes seconds), committed, and
removed again at the end so other test packages start from an empty database."""

from __future__ import annotations

from datetime import date

import pytest

from analytics.population import add_months
from tests.predictions.conftest import FAST_EBM, make_world


@pytest.fixture(scope="package")
def aworld(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings
    from django.db import connection

    from predictions.services import model_run, model_train

    old_store = settings.MODEL_STORE
    settings.MODEL_STORE = tmp_path_factory.mktemp("models")
    with django_db_blocker.unblock():
        # the world's 15 months end last month, so "the last 12 months" and "last year" hold departures
        world = make_world(n=300, months=15, seed=3, start=add_months(date.today().replace(day=1), -15))
        m = model_run(model_id=model_train(model_type="retention", params=FAST_EBM, enqueue=False).id)
        assert m.status == "active", m.error
        world["model"] = m
        yield world
        with connection.cursor() as cur:
            cur.execute(
                # CurrentScore has no database foreign keys to follow (db_constraint=False): named here
                "TRUNCATE predictions_prediction, predictions_currentscore, predictions_scorecount, "
                "predictions_trainedmodel, technicians_techniciansnapshot, "
                "technicians_candidate, technicians_technician, technicians_district, technicians_region CASCADE"
            )
    settings.MODEL_STORE = old_store


@pytest.fixture
def adb(aworld, db):
    """Function-level transaction (rolled back) on top of the committed package world."""
    return aworld
