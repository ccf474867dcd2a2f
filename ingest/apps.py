from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "ingest"
    verbose_name = "Warehouse ingestion (Snowflake)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ingest import signals  # noqa: F401
