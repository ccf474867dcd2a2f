"""Admin: Train now buttons queue a run; promote/archive actions respect the lifecycle."""

from predictions.models import ModelStatus, TrainedModel


def test_train_now_and_promote_action(trained, hr_admin, client, django_capture_on_commit_callbacks):
    hr_admin.is_superuser = True
    hr_admin.save()
    client.force_login(hr_admin)
    page = client.get("/admin/predictions/trainedmodel/").content.decode()
    assert "Train now: Retention risk" in page
    with django_capture_on_commit_callbacks(execute=False) as cbs:
        r = client.post("/admin/predictions/trainedmodel/train/retention/")
    assert r.status_code == 302 and len(cbs) == 1
    queued = TrainedModel.objects.get(status=ModelStatus.QUEUED)
    # promoting a queued run is refused with a message; the active model stays
    client.post("/admin/predictions/trainedmodel/", {"action": "promote", "_selected_action": [str(queued.pk)]})
    trained.refresh_from_db()
    assert trained.status == ModelStatus.ACTIVE
    client.post("/admin/predictions/trainedmodel/", {"action": "archive", "_selected_action": [str(trained.pk)]})
    trained.refresh_from_db()
    assert trained.status == ModelStatus.ARCHIVED
