from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Access and platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core import signals  # noqa: F401
