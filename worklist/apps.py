from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "worklist"
    verbose_name = "Risk worklist"
    default_auto_field = "django.db.models.BigAutoField"
