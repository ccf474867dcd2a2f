"""Governance pages: who sees what; the candidate notice is admin-editable and reaches the candidate sheet."""

import pytest
from django.utils import timezone

from predictions.models import DEFAULT_CANDIDATE_NOTICE, CandidateNotice, ModelStatus, TrainedModel
from tests.factories import CandidateFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(db):
    return TrainedModel.objects.create(
        model_type="quality_of_hire", version=1, status=ModelStatus.READY, artifact_sha256="c" * 64,
        features=["commute_miles", "offered_pay_rate", "source"], importances={"commute_miles": 0.3},
        metrics={"roc_auc": 0.7123, "holdout_from": "2026-01"}, bias_audited_at=timezone.now(),
        bias_audit={"favourable": "likely to stay", "holdout": {"rows": 0, "dimensions": {}, "flags": []}},
    )  # fmt: skip


@pytest.mark.parametrize("path", ["models/{id}/audit/", "models/{id}/card/", "monitoring/"])
def test_user_without_role_sees_nothing_recruiter_reads(client, version, recruiter, path):
    url = "/predictions/" + path.format(id=version.pk)
    client.force_login(make_user("norole", None))
    assert client.get(url).status_code == 403
    client.force_login(recruiter)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="promote-form"' not in page.content.decode() and "Retrain now" not in page.content.decode()


def test_model_card_is_generated_from_the_registry(client, version, recruiter):
    client.force_login(recruiter)
    card = client.get(f"/predictions/models/{version.pk}/card/").content.decode()
    assert "Quality of hire v1" in card and "0.712" in card and "2026-01" in card
    assert "Offered pay" in card and "HR only" in card  # the restricted feature is marked
    TrainedModel.objects.filter(pk=version.pk).update(metrics={"roc_auc": 0.6543})
    assert "0.654" in client.get(f"/predictions/models/{version.pk}/card/").content.decode()


def test_audit_summary_is_public_only_when_configured(client, version, settings):
    url = "/predictions/audit-summary/quality_of_hire/"
    settings.BIAS_AUDIT_SUMMARY_PUBLIC = False
    assert client.get(url).status_code == 302
    settings.BIAS_AUDIT_SUMMARY_PUBLIC = True
    page = client.get(url)
    assert page.status_code == 200 and "Date of the bias audit" in page.content.decode()
    assert client.get("/predictions/audit-summary/nope/").status_code == 404
    dl = client.get(url + "?download=1")
    assert dl["Content-Disposition"].startswith("attachment") and b"Distribution date" in dl.content


def test_candidate_sheet_carries_the_admin_edited_notice(client, recruiter, hr_admin):
    CandidateFactory(candidate_id="C777", first_name="Ana", stage="interview")
    client.force_login(recruiter)
    sheet = client.get("/predictions/candidates/C777/notice.html")
    assert sheet.status_code == 200 and sheet["Content-Disposition"].startswith("attachment")
    assert DEFAULT_CANDIDATE_NOTICE[:60] in sheet.content.decode() and "Ana" in sheet.content.decode()
    hr_admin.is_superuser = True
    hr_admin.save()
    client.force_login(hr_admin)
    text = "We use an automated tool. Ask recruiting@example.com for an alternative process."
    r = client.post("/admin/predictions/candidatenotice/add/", {"text": text})
    assert r.status_code == 302 and CandidateNotice.objects.get().updated_by == hr_admin
    assert "recruiting@example.com" in client.get("/predictions/candidates/C777/notice.html").content.decode()
    assert client.get("/predictions/candidates/NOPE/notice.html").status_code == 404


def test_audit_summary_pdf_carries_the_ll144_fields(client, version, recruiter):
    from io import BytesIO

    from pypdf import PdfReader

    audit = {
        "favourable": "likely to stay (score in the high band)",
        "holdout": {
            "data": "holdout of the training data", "rows": 250, "median_score": 0.61, "selection_rate": 0.4,
            "method": "NYC Local Law 144 (DCWP rules)", "min_share": 0.02, "min_impact_ratio": 0.625,
            "dimensions": {"race_ethnicity": {"not_disclosed": 17, "categories": [
                {"category": "white", "count": 150, "share": 0.64, "selection_rate": 0.48, "scoring_rate": 0.55,
                 "selection_impact_ratio": 1.0, "scoring_impact_ratio": 1.0, "small": False},
                {"category": "black_african_american", "count": 80, "share": 0.34, "selection_rate": 0.3,
                 "scoring_rate": 0.4, "selection_impact_ratio": 0.625, "scoring_impact_ratio": 0.7273, "small": False},
                {"category": "native_hawaiian_pacific", "count": 3, "share": 0.013, "selection_rate": 1.0,
                 "scoring_rate": 1.0, "selection_impact_ratio": None, "scoring_impact_ratio": None, "small": True},
            ]}},
        },
        "population": {"data": "candidates in the open pipeline", "rows": 0, "dimensions": {}},
    }  # fmt: skip
    TrainedModel.objects.filter(pk=version.pk).update(bias_audit=audit, window_start="2024-01-01")
    client.force_login(recruiter)
    page = client.get("/predictions/audit-summary/quality_of_hire/").content.decode()
    assert "?format=pdf" in page and "17 with race/ethnicity not disclosed" in page
    r = client.get("/predictions/audit-summary/quality_of_hire/?format=pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == 'attachment; filename="bias-audit-summary-quality_of_hire.pdf"'
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(r.content)).pages).split())
    for field in ("Date of the bias audit", timezone.now().strftime("%Y-%m-%d"), "Distribution date", "not yet in use",
                  "Data source", "Data period", "2024-01-01", "Holdout: 250 people", "black_african_american",
                  "0.625", "0.727", "excluded from ratios", "Not disclosed (reported apart, not in the ratios): 17"):  # fmt: skip
        assert field in text, field
    client.logout()
    assert client.get("/predictions/audit-summary/quality_of_hire/?format=pdf").status_code == 302


def test_model_card_shows_calibration_slope_and_the_recalibration_from_the_registry(client, version, recruiter):
    rec = {"applied": True, "slope": 0.8123, "intercept": -0.1, "rows": 900, "reason": "off by 3.1 standard errors"}
    TrainedModel.objects.filter(pk=version.pk).update(
        metrics={"roc_auc": 0.7, "calibration_slope": 0.9876}, params={"recalibration": rec}
    )
    client.force_login(recruiter)
    card = client.get(f"/predictions/models/{version.pk}/card/").content.decode()
    assert "calibration slope 0.988" in card and "slope 0.812" in card and "900 rows" in card and "applied:" in card
