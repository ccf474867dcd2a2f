"""The HR admin reads the Django Admin without raw codes: plural labels, no decades-long date wall, a
trained model's metrics/params/checksum as tables, snapshot rows labelled by month."""

from tests.factories import TechnicianFactory


def test_trained_model_page_renders_metrics_params_and_checksum(trained, admin_client):
    html = admin_client.get(f"/admin/predictions/trainedmodel/{trained.pk}/change/").content.decode()
    assert 'class="kv-table"' in html and "<th>ROC AUC</th>" in html
    assert f"<code>{trained.artifact_sha256}</code>" in html
    assert "{&quot;" not in html.split("Raw data")[0]  # no JSON dumps above the collapsed raw section
    assert trained.stage == "active" and '<div class="readonly">Active</div>' in html  # the stage in words


def test_sidebar_plural_and_no_hire_date_hierarchy(admin_client, db):
    TechnicianFactory(employee_id="E1")
    index = admin_client.get("/admin/").content.decode()
    assert "Forecast series" in index and "seriess" not in index
    changelist = admin_client.get("/admin/technicians/technician/").content.decode()
    assert "hire_date__year=" not in changelist
