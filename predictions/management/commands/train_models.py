from django.core.management.base import BaseCommand, CommandError

from predictions.ebm import EBM_FIRST_FIT
from predictions.models import ModelStatus, ModelType, TrainedModel
from predictions.services import model_run, model_train


class Command(BaseCommand):
    help = "Train retention and/or quality-of-hire models (enqueued to Celery unless --sync)."

    def add_arguments(self, parser):
        parser.add_argument("--type", choices=[*ModelType.values, "all"], default="all")
        parser.add_argument("--algorithm", choices=["ebm", "tree"], default="ebm")
        parser.add_argument("--sync", action="store_true", help="train in this process instead of enqueuing")
        parser.add_argument("--if-missing", action="store_true", help="only types without an active (or running) model")
        parser.add_argument(
            "--quick", action="store_true", help="first-fit settings (about 4× faster; the next retrain is full)"
        )

    def handle(self, *args, **opts):
        types = ModelType.values if opts["type"] == "all" else [opts["type"]]
        failed = []
        for t in types:
            if opts["if_missing"]:
                busy = TrainedModel.objects.filter(
                    model_type=t, status__in=[ModelStatus.ACTIVE, ModelStatus.QUEUED, ModelStatus.TRAINING]
                )
                if busy.exists():
                    self.stdout.write(f"{t}: an active or running model exists; skipping")
                    continue
            params = dict(EBM_FIRST_FIT) if opts["quick"] and opts["algorithm"] == "ebm" else None
            m = model_train(model_type=t, algorithm=opts["algorithm"], params=params, enqueue=not opts["sync"])
            if not opts["sync"]:
                self.stdout.write(f"{t}: queued {m.label} (run {m.run_id})")
                continue
            m = model_run(model_id=m.id)
            if m.status == ModelStatus.FAILED:
                failed.append(t)
                self.stderr.write(f"{t}: {m.label} failed: {m.error}")
            else:
                auc = (m.metrics or {}).get("roc_auc")
                self.stdout.write(
                    f"{t}: {m.label} {m.status} (holdout ROC AUC {auc:.3f})" if auc else f"{t}: {m.label} {m.status}"
                )
        if failed:
            raise CommandError(f"training failed for: {', '.join(failed)}")
