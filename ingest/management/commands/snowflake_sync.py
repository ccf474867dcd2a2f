"""Run the Snowflake sync in this process: the same service as admin "Sync now", the API and the schedule."""

from django.core.management.base import BaseCommand, CommandError

from ingest import services
from ingest.models import SourceMapping, SyncStatus, SyncTrigger
from ingest.selectors import snowflake_config


class Command(BaseCommand):
    help = "Sync SOURCE mappings (default: every enabled mapping) from Snowflake, incrementally by watermark."

    def add_arguments(self, parser):
        parser.add_argument("sources", nargs="*", metavar="SOURCE", help="Mapping name(s); default: all enabled.")
        parser.add_argument("--full", action="store_true", help="Ignore the watermark and read whole tables.")
        parser.add_argument("--queue", action="store_true", help="Queue to the Celery worker instead of running here.")

    def handle(self, *args, sources, full, queue, **options):
        config = snowflake_config()
        if not config.is_configured:
            raise CommandError(f"Snowflake is not configured: set {', '.join(config.missing())}")
        if sources:
            mappings = list(SourceMapping.objects.filter(name__in=sources))
            unknown = sorted(set(sources) - {m.name for m in mappings})
            if unknown:
                known = ", ".join(SourceMapping.objects.values_list("name", flat=True)) or "none defined"
                raise CommandError(f"Unknown source(s): {', '.join(unknown)} (known: {known})")
        else:
            mappings = list(SourceMapping.objects.filter(enabled=True))
            if not mappings:
                raise CommandError("No enabled mappings. Add one in admin (Warehouse ingestion → Source mappings).")
        failed = 0
        for mapping in mappings:
            try:
                if queue:
                    run = services.sync_enqueue(mapping=mapping, trigger=SyncTrigger.COMMAND, full=full)
                    self.stdout.write(f"{mapping.name}: queued run {run.id}")
                    continue
                run = services.sync_now(mapping=mapping, trigger=SyncTrigger.COMMAND, full=full)
            except services.SyncAlreadyRunning as exc:
                self.stderr.write(str(exc))
                failed += 1
                continue
            line = (
                f"{mapping.name}: {run.status} — read {run.rows_read}, created {run.rows_created}, "
                f"updated {run.rows_updated}, unchanged {run.rows_unchanged}, rejected {run.rows_rejected} "
                f"in {run.duration_seconds or 0:.1f}s (run {run.id})"
            )
            if run.status == SyncStatus.SUCCEEDED:
                self.stdout.write(self.style.SUCCESS(line))
            else:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{line}: {run.error}"))
        if failed:
            raise CommandError(f"{failed} source(s) failed")
