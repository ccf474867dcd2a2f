from django.core.management.base import BaseCommand

from predictions.models import ModelType
from predictions.services import predictions_score


class Command(BaseCommand):
    help = "Score active technicians and open candidates with the active models (in-process)."

    def add_arguments(self, parser):
        parser.add_argument("--type", choices=[*ModelType.values, "all"], default="all")

    def handle(self, *args, **opts):
        types = ModelType.values if opts["type"] == "all" else [opts["type"]]
        for t in types:
            n = predictions_score(model_type=t)
            self.stdout.write(
                f"{t}: {n} predictions written" if n else f"{t}: nothing scored (no active model or no rows)"
            )
