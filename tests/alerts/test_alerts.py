"""Alerts: computed set-based from two scorings and the candidates' change history, matched to each user's
districts and kinds, idempotent per scoring (unique per user and dedupe key), a digest once a day, and a small
``notify`` service other apps call (drift monitoring)."""

from __future__ import annotations

import pytest
from django.core import mail

from alerts import services
from alerts.models import AlertPreference, Notification
from tests.worklist.conftest import CURRENT


def _mine(user, kind=None):
    qs = Notification.objects.filter(user=user)
    if kind:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("dedupe_key", flat=True))


def test_scan_matches_preferences_and_never_repeats(scored, recruiter, hr_admin, settings):
    settings.ALERTS_RISK_RISE_THRESHOLD = 0.10
    AlertPreference.objects.create(user=hr_admin, kinds=["high_risk", "risk_rise"], districts=["aus"])
    out = services.alerts_scan()
    m = f"{scored['model'].pk}:{CURRENT}"
    assert [k.rsplit(":", 1)[1] for k in _mine(recruiter, "high_risk")] == ["E1", "E5"]  # E3 was high already
    assert [k.rsplit(":", 1)[1] for k in _mine(recruiter, "risk_rise")] == ["E1", "E2"]  # +32 and +15 points
    assert _mine(recruiter, "high_risk")[0] == f"high_risk:{m}:E1"
    assert _mine(hr_admin) == []  # Austin only: nobody there moved
    text = Notification.objects.get(user=recruiter, dedupe_key=f"high_risk:{m}:E5").text
    assert text == "Tech5 Evans (E5, Houston) moved into high risk: 66% (was not scored before)."
    assert out["notifications"] == 4
    # a re-run, and a rescoring of the same day (rows replaced), add nothing
    assert services.alerts_scan()["notifications"] == 0
    from predictions.models import Prediction

    Prediction.objects.filter(as_of=CURRENT).delete()
    from tests.worklist.conftest import store_scores

    t = scored["techs"]
    store_scores(
        scored["model"], CURRENT, [(t["E1"], 0.72, "high"), (t["E2"], 0.45, "medium"), (t["E5"], 0.66, "high")]
    )
    assert services.alerts_scan()["notifications"] == 0
    # the task is the same call (re-delivery safe)
    from alerts.tasks import alerts_scan_task

    assert alerts_scan_task.apply().get()["notifications"] == 0
    assert Notification.objects.count() == 4


def test_candidate_who_passed_a_stage(scored, recruiter):
    from tests.factories import CandidateFactory

    cand = CandidateFactory(
        candidate_id="C77", first_name="Ana", last_name="Lopez", district=scored["districts"]["aus"]
    )
    for stage in ("screening", "interview", "rejected"):
        cand.stage = stage
        cand.save()
    services.alerts_scan()
    keys = _mine(recruiter, "stage_passed")
    assert keys == ["stage_passed:C77:interview", "stage_passed:C77:screening"]  # rejection is not "passing"
    assert "moved from Screening to Interview" in Notification.objects.get(dedupe_key=keys[0]).text


def test_notify_respects_kinds_and_dedupes(scored, recruiter, hr_admin):
    AlertPreference.objects.create(user=recruiter, kinds=["high_risk"], districts=[])
    assert services.notify([recruiter, hr_admin], "drift", "Drift on v1", "/predictions/monitoring/", "drift:1") == 1
    assert services.notify("HR admin", "drift", "Drift on v1", "/predictions/monitoring/", "drift:1") == 0
    assert _mine(hr_admin) == ["drift:1"] and _mine(recruiter) == []
    with pytest.raises(ValueError, match="kind"):
        services.notify("HR admin", "gossip", "x")


def test_drift_report_notifies_hr_admins(scored, hr_admin, settings):
    import numpy as np
    import pandas as pd

    from predictions.drift import drift_record

    model = scored["model"]
    model.training_profile = {
        "features": {"overtime_hours": {"kind": "numeric", "edges": [5.0], "shares": [0.5, 0.5, 0.0]}}
    }
    model.save(update_fields=["training_profile"])
    r = drift_record(
        model=model, X=pd.DataFrame({"overtime_hours": [20.0] * 50}), proba=np.full(50, 0.5), as_of=CURRENT
    )
    assert r.alert
    n = Notification.objects.get(user=hr_admin, kind="drift")
    assert n.dedupe_key == f"drift:{r.pk}" and "overtime_hours" in n.text and n.link == "/predictions/monitoring/"


def test_digest_once_a_day_and_mark_read(scored, recruiter, recruiter_client):
    recruiter.email = "rec@example.com"
    recruiter.save()
    services.alerts_scan()
    assert services.digest_send() == {"sent": 1, "already_sent": 0}
    assert len(mail.outbox) == 1 and "4 new alert(s)" in mail.outbox[0].subject
    assert "/technicians/E1/" in mail.outbox[0].body
    assert services.digest_send() == {"sent": 0, "already_sent": 0}  # everything emailed already
    assert len(mail.outbox) == 1

    page = recruiter_client.get("/alerts/").content.decode()
    assert 'id="alerts-bell"' in page and "moved into high risk" in page
    one = Notification.objects.filter(user=recruiter).first()
    r = recruiter_client.post("/api/v1/alerts/read", {"ids": [one.pk]}, content_type="application/json")
    assert r.json() == {"marked": 1, "unread": 3}
    r = recruiter_client.post("/alerts/read", {"all": "1"})
    assert r.status_code == 302 and recruiter_client.get("/api/v1/alerts/?unread_only=true").json()["unread"] == 0


def test_preferences_form_and_api_validate(scored, recruiter_client, recruiter):
    r = recruiter_client.put("/api/v1/alerts/preferences", {"kinds": ["high_risk"], "districts": ["zzz"]},
                             content_type="application/json")  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "districts"
    r = recruiter_client.post("/alerts/preferences/", {"kinds": ["risk_rise"], "districts": ["hou"]})
    assert r.status_code == 302
    assert recruiter_client.get("/api/v1/alerts/preferences").json() == {
        "kinds": ["risk_rise"],
        "districts": ["hou"],
        "email_digest": False,
    }
    services.alerts_scan()
    assert [k.rsplit(":", 1)[1] for k in _mine(recruiter)] == ["E1", "E2"]  # Houston risers only
